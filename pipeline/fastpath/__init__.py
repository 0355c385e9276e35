"""Table Schema validation at the speed of reading the file, in agreement with frictionless.

`validate_package` validates the table resources of a frictionless Package as
`Package.validate` would, and gives the same errors (type, row, field, cell, note, in the
same order, cut at the same error limit), reading each CSV file once with pyarrow, in
batches (a reader thread parses the next one meanwhile), and checking whole columns
with pyarrow.compute and numpy. It also keeps the typed columns of a valid file, which
the conversion writes to CSV, Parquet and JSON without reading the file again.

Modules: reader (dialect, header, batches, row numbers), cells (one column, as
frictionless' cell reader), parsers (canonical forms, vectorised), constraints, keys
(values compared as Python compares them), integrity (unique, primary and foreign keys),
rows (a row's errors in frictionless' order), engine (one resource), arrays and patterns
(byte-level helpers, `pattern` in RE2).

How agreement is obtained rather than hoped for:

- The CSV dialect, encoding and header row are decided by frictionless' own code
  (`csv.Sniffer` on the same 100 lines, the header-row heuristic on the same 100 rows);
  pyarrow then parses with those settings, and rows of another width are re-parsed with
  Python's csv module. Header errors come from frictionless' `Header` on the same labels
  (not built when the labels are the fields' names, in order: it has no error then).
- A cell is read by a vectorised parser only when it has the canonical form of its type,
  for which frictionless' result is known (digits for an integer, YYYY-MM-DD for a date,
  a string of `trueValues`/`falseValues` for a boolean…); any other cell is read by
  frictionless' own cell reader, once per distinct value. Constraints are vectorised
  where the comparison is exact; ties between a decimal and a float bound, and text a
  translated `pattern` may not judge like Python's re, are decided by frictionless.
  Types and formats without a vectorised parser (email, uri, duration, geopoint, array,
  object, geojson, list, dates in format "any"…) are read by frictionless' reader for
  every distinct value: exact, slower, no fallback needed.
- Unique, primary-key and foreign-key checks compare keys whose equality is Python's
  equality of the parsed values (tokens from a dict of the values where no Arrow type
  has that equality, NaN equal to nothing), and report the latest earlier occurrence,
  as frictionless' memory does. Foreign keys are looked up among the referenced
  resource's keys, read as frictionless reads them to build its lookup.
- Errors of a row are emitted in the order of frictionless' lazy row processing (cells
  of unique fields first, then the primary key's and foreign keys', then the others),
  and validation stops at the same error limit. Exceptions frictionless would raise
  (a signalling NaN compared with a bound, an unhashable value in a unique column) are
  raised too, when frictionless would meet them.

Deliberate differences with frictionless (none changes a verdict, an error or a report):

- `cells` of a primary-key, unique or foreign-key error on a row without other errors
  hold only the key columns (the others are empty strings): reports only use the key
  cells. The blank-row error of an empty line lists empty cells where frictionless has
  none (its row number and message are the same).
- The typed table of a valid file holds frictionless' values (e.g. "+5" is the integer
  5, "2024-3-1" the date 2024-03-01, " 12 " the integer 12), where the former conversion
  (typing_arrow.read_typed_table, still used after a fallback) failed on some of them
  with a conversion error. Canonical values are typed exactly as before, and the
  downloads of such files are byte for byte those of the former conversion.
- Parquet files of more than one row group (1,048,576 rows) are written a row group at
  a time: the same bytes as writing the whole table at once, whatever its chunks, where
  the former conversion's bytes also depended on how pyarrow had cut the file in blocks.

What falls back to frictionless (for that resource only, with a note in the report;
the result is frictionless', so the same): invalid package or resource metadata
(frictionless stops at once, no note); a dialect pyarrow cannot read identically
(`skipInitialSpace` declared or sniffed by csv.Sniffer, an escape character, no quoting,
a multi-character delimiter, `header: false`, `headerRows`, `commentChar`, `commentRows`,
`skipBlankRows`, `headerCase: false`, `fieldsMatch` other than exact, UTF-16/32); a file
whose header frictionless finds elsewhere than on the first row; a quote left open at the
end of a ragged row; empty lines in a table where the empty string is not a missing value;
integers beyond 64 bits (or year-months beyond 2^50) in a key field; a foreign key
between fields of different key types, or to a resource that is not a CSV table; a
record longer than 1 GB; any failure of the fast path itself (named in the note).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from frictionless import FrictionlessException

from pipeline.fastpath.cells import Interner
from pipeline.fastpath.engine import (
    EarlyRead,
    FastResult,
    read_keys,
    start_reading,
    validate_resource,
)
from pipeline.fastpath.reader import BLOCK_SIZE, Unsupported
from pipeline.fastpath.rows import Crash

__all__ = ["BLOCK_SIZE", "Crash", "TaskResult", "Unsupported", "validate_package"]


@dataclass
class TaskResult:
    """One resource's validation: frictionless' task errors and row count, and how."""

    name: str
    errors: list[Any]
    rows: int
    fallback: str | None = None  # why frictionless validated it instead of the fast path
    table: pa.Table | None = None  # typed columns of a valid file, when asked for
    unconvertible: bool = False


@dataclass
class PackageResult:
    tasks: list[TaskResult]
    errors: list[Any]  # errors of the package itself (invalid metadata)


def validate_package(package: Any, checklist: Any, *, error_limit: int, max_cell_chars: int,
                     cell_size_error: Callable[..., Any], keep_typed: bool = False,
                     fast: bool = True, block_size: int = BLOCK_SIZE) -> PackageResult:
    """Validate every resource of the package as `package.validate(checklist,
    limit_errors=error_limit)` would; raise what it would raise. `block_size`: bytes
    pyarrow reads at a time (smaller in tests, to cross many batch boundaries)."""
    # The first file is parsed while the metadata is validated (start_reading says when).
    early = start_reading(package.resources[0], block_size) if fast and package.resources else None
    try:
        return _validate_package(package, checklist, early, error_limit=error_limit,
                                 max_cell_chars=max_cell_chars, cell_size_error=cell_size_error,
                                 keep_typed=keep_typed, fast=fast, block_size=block_size)
    finally:
        if early is not None:
            early.close()


def _validate_package(package: Any, checklist: Any, early: EarlyRead | None, *, error_limit: int,
                      max_cell_chars: int, cell_size_error: Callable[..., Any], keep_typed: bool,
                      fast: bool, block_size: int) -> PackageResult:
    try:
        package.to_descriptor(validate=True)
    except FrictionlessException:
        report = package.validate(checklist, limit_errors=error_limit)
        return PackageResult(_tasks(report, None), list(report.errors))
    interner = Interner()
    references: dict[tuple[str, tuple[str, ...]], tuple[list[str], list[pa.Array]]] = {}
    tasks = []
    for resource in package.resources:
        reason = "the fast path is switched off" if not fast else None
        if reason is None:
            try:
                result = _fast(package, resource, interner, references, error_limit=error_limit,
                               max_cell_chars=max_cell_chars, cell_size_error=cell_size_error,
                               keep_typed=keep_typed, block_size=block_size, early=early)
                tasks.append(TaskResult(resource.name, result.errors, result.rows,
                                        table=result.table, unconvertible=result.unconvertible))
                continue
            except Crash as crash:
                raise crash.original from None
            except Unsupported as exc:
                reason = str(exc)
            except Exception as exc:  # a gap in the fast path: never a wrong report
                reason = f"the fast path failed: {type(exc).__name__}: {exc}"
        report = resource.validate(checklist, limit_errors=error_limit)
        tasks.extend(_tasks(report, reason))
    return PackageResult(tasks, [])


def _fast(package: Any, resource: Any, interner: Interner, references: dict, *, block_size: int,
          early: EarlyRead | None, **options: Any) -> FastResult:
    try:
        resource.to_descriptor(validate=True)
    except FrictionlessException as exc:
        raise Unsupported("invalid resource metadata") from exc
    if resource.type != "table" or resource.format not in {"csv", "tsv"} or not resource.path \
            or resource.compression:
        raise Unsupported("not a CSV file")

    def reference_keys(name: str, fields: tuple[str, ...], shared: Interner
                       ) -> tuple[list[str], list[pa.Array]]:
        source = resource if not name or name == resource.name else None
        if source is None:
            if not package.has_resource(name):
                raise Unsupported(f"a foreign key to the unknown resource {name!r}")
            source = package.get_resource(name)
        if source.type != "table" or source.format not in {"csv", "tsv"}:
            raise Unsupported("a foreign key to a resource that is not a CSV table")
        cache_key = (source.name, fields)
        if cache_key not in references:
            references[cache_key] = read_keys(source, Path(source.normpath), fields, shared,
                                              block_size=block_size)
        return references[cache_key]

    return validate_resource(resource, Path(resource.normpath), interner=interner,
                             reference_keys=reference_keys, block_size=block_size, early=early,
                             **options)


def _tasks(report: Any, reason: str | None) -> list[TaskResult]:
    return [TaskResult(task.name, list(task.errors), task.stats.get("rows") or 0, fallback=reason)
            for task in report.tasks]
