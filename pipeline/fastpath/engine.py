"""Validate one table resource as frictionless does, reading the file once in batches.

Per batch, every column is read by a FieldChecker; the rows with an error are kept (few:
validation stops at the error limit, which is known as soon as the batch's errors are
counted), and so are the keys of unique, primary-key and foreign-key fields, for the
whole file (integrity.py). At the end, duplicates and missing references are found, and
the errors of each row are put in frictionless' order (rows.py). A valid file's typed
columns are kept for the conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless import helpers
from frictionless.table import Header

from pipeline.fastpath.arrays import buffers, np_bool
from pipeline.fastpath.cells import TYPE_ERROR, Checked, FieldChecker, Interner
from pipeline.fastpath.integrity import KeyStore, all_null, chunks, group_codes, previous_rows
from pipeline.fastpath.reader import (
    BLOCK_SIZE,
    BatchReader,
    CsvLayout,
    Unsupported,
    auto_block_size,
    has_empty_lines,
    inspect_csv,
)
from pipeline.fastpath.rows import row_errors

MAX_BLOCK_SIZE = 1 << 30
CellSizeError = Callable[..., Any]  # (row_number, cells, field_name, field_number, cell, length)


@dataclass
class FastResult:
    """What frictionless' validation task would hold, plus the typed table."""

    errors: list[Any]
    rows: int
    table: pa.Table | None = None  # typed values, when asked for and the file is valid
    unconvertible: bool = False  # a valid value the typed table cannot hold


@dataclass
class _RowEvents:
    """The errors of one row found while reading it."""

    number: int
    cells: list[str | None]  # as parsed (a ragged row has more or fewer)
    flags: dict[int, int]  # field index -> TYPE_ERROR or constraint bits
    blank: bool
    cell_sizes: list[tuple[int, int]]  # (field index, length) of cells over the size limit
    crashes: dict[int, BaseException] = field(default_factory=dict)


@dataclass(frozen=True)
class ForeignGroup:
    target: tuple[int, ...]  # field indices in this resource
    target_names: tuple[str, ...]
    source_name: str
    source_fields: tuple[str, ...]


ReferenceKeys = Callable[[str, tuple[str, ...], Interner], tuple[list[str], list[pa.Array]]]


class ResourceValidator:
    """Validates one resource; see validate_resource."""

    def __init__(self, resource: Any, path: Path, *, error_limit: int, max_cell_chars: int,
                 cell_size_error: CellSizeError | None, interner: Interner,
                 reference_keys: ReferenceKeys | None, keep_typed: bool,
                 lookup: tuple[str, ...] | None = None) -> None:
        """`lookup`: read the resource as frictionless reads a referenced resource to build
        a foreign-key lookup (all rows, unique and primary-key checks, no foreign keys):
        only to get the keys of these fields, or raise where frictionless would."""
        self.resource = resource
        self.path = path
        self.error_limit = error_limit
        self.max_cell_chars = max_cell_chars
        self.cell_size_error = cell_size_error
        self.interner = interner
        self.reference_keys = reference_keys
        self.keep_typed = keep_typed
        self.lookup = lookup

    def run(self, block_size: int = BLOCK_SIZE, early: EarlyRead | None = None) -> FastResult:
        """`early`: the read of this resource's file, if already started (start_reading)."""
        if early is not None and early.resource is self.resource and early.path == self.path \
                and early.block_size == block_size:
            layout, reader = early.layout, early.reader
        else:
            layout, reader = inspect_csv(self.resource, self.path), None
        block_size = block_size or auto_block_size(self.path)
        schema = self.resource.schema
        if schema.has_defined("fields_match") and schema.fields_match != "exact":
            raise Unsupported(f"fieldsMatch: {schema.fields_match}")
        # pyarrow parses the first block while the header and the checkers are set up.
        with reader or BatchReader(layout, block_size) as reader:
            try:
                return self._run(layout, reader)
            except pa.ArrowInvalid as exc:
                if "straddling" not in str(exc):
                    raise
                if block_size >= MAX_BLOCK_SIZE:
                    raise Unsupported("a record longer than 1 GB") from exc
        return self.run(block_size * 8)  # a record longer than the block

    def _run(self, layout: CsvLayout, reader: BatchReader) -> FastResult:
        schema = self.resource.schema
        header_errors, fields = header_fields(layout.labels, schema.fields)
        if len(fields) != layout.width:
            raise Unsupported("the header and the fields do not pair one to one")
        self.layout = layout
        self.names = [f.name for f in fields]
        self._integrity_setup(schema, fields)
        self.lookup_fields = [self.names.index(n) if n in self.names else None
                              for n in (self.lookup or ())]
        key_fields = set(self.unique) | set(self.primary) | {i for g in self.groups for i in g.target}
        key_fields |= {i for i in self.lookup_fields if i is not None}
        self.checkers = [FieldChecker(f, want_key=i in key_fields, interner=self.interner)
                         for i, f in enumerate(fields)]
        self.key_fields = sorted(key_fields)
        return self._validate(header_errors, reader)

    def _integrity_setup(self, schema: Any, fields: list[Any]) -> None:
        names = self.names
        self.unique = [i for i, f in enumerate(fields) if f.constraints.get("unique")]
        primary = list(schema.primary_key)
        self.has_primary = bool(primary) and set(primary) <= set(names)
        self.primary = [names.index(name) for name in primary] if self.has_primary else []
        self.groups: list[ForeignGroup] = []
        self.lookups: dict[tuple[str, tuple[str, ...]], tuple[list[str], list[pa.Array]]] = {}
        if self.lookup is not None:
            return  # the referenced resource is read without its foreign keys
        for fk in schema.foreign_keys:
            reference = fk["reference"]
            source = (reference["resource"], tuple(reference["fields"]))
            if source not in self.lookups:  # frictionless reads every lookup when it opens
                self.lookups[source] = self.reference_keys(*source, self.interner)
            target = tuple(fk["fields"])
            if not set(target) <= set(names):
                continue
            self.groups.append(ForeignGroup(
                target=tuple(names.index(n) for n in target), target_names=target,
                source_name=source[0], source_fields=source[1]))

    # Reading

    def _validate(self, header_errors: list[Any], reader: BatchReader) -> FastResult:
        self.events: dict[int, _RowEvents] = {}
        self.keys = KeyStore({i: self.checkers[i].key_type for i in self.key_fields})
        typed: list[pa.RecordBatch] = []
        keep_typed = self.keep_typed
        unconvertible = False
        count = len(header_errors)
        stop: int | None = None
        rows = 0
        for batch in reader:
            rows += len(batch.numbers) + len(batch.ragged)
            checked = [checker.check(column)
                       for checker, column in zip(self.checkers, batch.columns, strict=True)]
            counts, crash_rows = self._regular_rows(batch.columns, checked)
            ragged_numbers, ragged_counts, ragged_keys = self._ragged_rows(batch.ragged)
            self.keys.add(batch.numbers, {i: checked[i] for i in self.key_fields},
                          {i: batch.columns[i] for i in self.key_fields}, ragged_keys)
            numbers = np.concatenate([batch.numbers, ragged_numbers])
            all_counts = np.concatenate([counts, ragged_counts])
            flagged = np.concatenate([(counts > 0) | crash_rows, np.ones(len(ragged_numbers), bool)])
            order = np.argsort(numbers, kind="stable")
            running = count + np.cumsum(all_counts[order])
            reached = np.flatnonzero(running >= self.error_limit)
            last = int(numbers[order[reached[0]]]) if len(reached) else None
            wanted = flagged & ((numbers <= last) if last is not None else True)
            if self.lookup is not None:
                wanted = np.concatenate([crash_rows, np.zeros(len(ragged_numbers), bool)])
            self._keep_events(batch, checked, np.flatnonzero(wanted[:len(batch.numbers)]))
            count = int(running[-1]) if len(running) else count
            if keep_typed:
                if flagged.any():
                    keep_typed = False
                    typed = []
                else:
                    unconvertible |= any(c.unconvertible for c in checked)
                    typed.append(pa.RecordBatch.from_arrays([c.values for c in checked],
                                                            names=self.names))
            if last is not None:
                stop = last
                break
        errors = self._assemble(header_errors, stop, rows)
        table = None
        if keep_typed and not errors:
            schema = pa.schema([(name, checker.arrow_type)
                                for name, checker in zip(self.names, self.checkers, strict=True)])
            table = pa.Table.from_batches(typed, schema=schema)
        return FastResult(errors=errors, rows=rows, table=table, unconvertible=unconvertible)

    def _regular_rows(self, columns: list[pa.Array], checked: list[Checked]
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Errors each well-formed row holds before integrity checks; rows that crash."""
        size = len(columns[0]) if columns else 0
        counts = np.zeros(size, np.int64)
        blank = np.ones(size, bool)
        crash_rows = np.zeros(size, bool)
        for result in checked:
            flagged = np.flatnonzero(result.flags)  # few cells: counted apart
            if len(flagged):
                flags = result.flags[flagged]
                counts[flagged] += np.where(flags & TYPE_ERROR, 1, _popcount(flags >> 1))
            blank &= result.blank
            for position in result.crashes:
                crash_rows[position] = True
        if size and not all(c.blank_is_empty for c in self.checkers):
            empty = np.ones(size, bool)
            for column in columns:
                empty &= np_bool(pc.equal(column, ""))
            if empty.any() and has_empty_lines(self.layout.path):
                # pyarrow reads an empty line as empty cells, frictionless as no cell at all.
                raise Unsupported("empty lines in a table where an empty cell is a value")
        counts[blank] = 1
        self._sizes = []
        for index, column in enumerate(columns):
            offsets, _data = buffers(column)
            long = offsets[1:] - offsets[:-1] > self.max_cell_chars  # bytes: at least characters
            if long.any():
                long &= np_bool(pc.greater(pc.utf8_length(column), self.max_cell_chars))
                counts += long
                self._sizes.append((index, long))
        return counts, crash_rows

    def _keep_events(self, batch: Any, checked: list[Checked], positions: np.ndarray) -> None:
        if not len(positions):
            return
        taken = pa.array(positions)
        cells = [column.take(taken).to_pylist() for column in batch.columns]
        for row, position in enumerate(positions):
            number = int(batch.numbers[position])
            flags = {i: int(c.flags[position]) for i, c in enumerate(checked) if c.flags[position]}
            crashes = {i: c.crashes[position] for i, c in enumerate(checked) if position in c.crashes}
            sizes = [(i, len(cells[i][row])) for i, long in self._sizes if long[position]]
            self.events[number] = _RowEvents(
                number=number, cells=[column[row] for column in cells], flags=flags,
                blank=all(c.blank[position] for c in checked), cell_sizes=sizes, crashes=crashes)

    def _ragged_rows(self, ragged: list[tuple[int, list[str]]]) -> tuple[np.ndarray, np.ndarray, Any]:
        """Rows of another width: their cells padded with absent (null) cells. Returns their
        numbers, their errors and their keys."""
        numbers = np.array([n for n, _ in ragged], np.int64)
        if not ragged:
            return numbers, np.zeros(0, np.int64), None
        width = self.layout.width
        columns = [pa.array([cells[i] if i < len(cells) else None for _, cells in ragged],
                            pa.string()) for i in range(width)]
        checked = [c.check(col) for c, col in zip(self.checkers, columns, strict=True)]
        keys = (numbers, {i: checked[i] for i in self.key_fields}, {i: columns[i] for i in self.key_fields})
        counts = np.zeros(len(ragged), np.int64)
        for position, (number, cells) in enumerate(ragged):
            flags = {i: int(c.flags[position]) for i, c in enumerate(checked) if c.flags[position]}
            crashes = {i: c.crashes[position] for i, c in enumerate(checked) if position in c.crashes}
            sizes = [(i, len(cell)) for i, cell in enumerate(cells[:width])
                     if len(cell) > self.max_cell_chars]
            blank = all(c.blank[position] for c in checked)
            self.events[number] = _RowEvents(number, list(cells), flags, blank, sizes, crashes)
            if blank:
                counts[position] = 1 + len(sizes)
            else:
                counts[position] = (sum(len(self.checkers[i].notes_of(f)) for i, f in flags.items())
                                    + abs(len(cells) - width) + len(sizes))
        return numbers, counts, keys

    # Integrity and order

    def _assemble(self, header_errors: list[Any], stop: int | None, rows: int) -> list[Any]:
        numbers, keys, texts = self.keys.table(stop)
        self.key_texts = texts
        self.key_null = {i: all_null([key], len(numbers)) for i, key in keys.items()}
        self.key_numbers = numbers
        unique_prev = {i: previous_rows(numbers, [keys[i]], skip_null=True) for i in self.unique}
        primary_prev = primary_none = None
        if self.has_primary:
            components = [keys[i] for i in self.primary]
            primary_none = all_null(components, len(numbers))
            primary_prev = previous_rows(numbers, components, skip_null=False, exclude=primary_none)
        group_match = [self._foreign_matches(g, keys, len(numbers)) for g in self.groups]
        flagged = set(self.events)
        for prev in unique_prev.values():
            flagged.update(int(n) for n in numbers[prev > 0])
        if primary_prev is not None:
            flagged.update(int(n) for n in numbers[(primary_prev > 0) | primary_none])
        for none, match in group_match:
            flagged.update(int(n) for n in numbers[~none & ~match])
        flagged.update(number for number, _index in self.keys.crashes)
        if self.lookup is not None:
            return self._lookup_crashes(flagged, unique_prev, primary_prev, primary_none)
        errors = list(header_errors)
        if rows and len(errors) >= self.error_limit:
            # Frictionless still reads the first row (which may raise) before it stops.
            first = int(numbers[0]) if len(numbers) else None
            if first in flagged:
                row_errors(self, first, 0, unique_prev, primary_prev, primary_none, group_match)
            return errors[:self.error_limit]
        for number in sorted(flagged):
            if stop is not None and number > stop:
                break
            position = self._position(number)
            errors.extend(row_errors(self, number, position, unique_prev, primary_prev,
                                           primary_none, group_match))
            if len(errors) >= self.error_limit:
                return errors[:self.error_limit]
        return errors

    def _position(self, number: int) -> int | None:
        position = int(np.searchsorted(self.key_numbers, number))
        found = position < len(self.key_numbers) and self.key_numbers[position] == number
        return position if found else None

    def _lookup_crashes(self, flagged: set[int], unique_prev: dict, primary_prev: Any,
                        primary_none: Any) -> list[Any]:
        """Lookup mode: raise if frictionless would, reading rows that may raise."""
        crashing = {n for n, event in self.events.items() if event.crashes}
        crashing |= {number for number, _index in self.keys.crashes}
        for number in sorted(crashing):
            row_errors(self, number, self._position(number), unique_prev, primary_prev,
                             primary_none, [])
        return []

    def lookup_keys(self) -> tuple[list[str], list[pa.Array]]:
        """The keys of the lookup fields for every row (after run() in lookup mode)."""
        numbers, keys, _texts = self.keys.table(None)
        kinds, arrays = [], []
        for index in self.lookup_fields:
            if index is None:
                kinds.append("null")
                arrays.append(pa.nulls(len(numbers), pa.null()))
            else:
                kinds.append(self.checkers[index].key_kind)
                arrays.append(keys[index])
        return kinds, arrays

    def _foreign_matches(self, group: ForeignGroup, keys: dict[int, pa.Array], size: int
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose key is all None; rows whose key is found in the referenced resource."""
        target = [keys[i] for i in group.target]
        none = all_null(target, size)
        kinds, source = self.lookups[(group.source_name, group.source_fields)]
        if len(source) != len(target):
            raise Unsupported("a foreign key of another width than its reference")
        source_size = len(source[0]) if source else 0
        source_none = all_null(source, source_size)
        if "null" in kinds:  # a referenced field the referenced file lacks: nothing matches
            return none, np.zeros(size, bool)
        for index, kind in zip(group.target, kinds, strict=True):
            if self.checkers[index].key_kind != kind:
                raise Unsupported("a foreign key comparing values of different types")
        if len(target) == 1:  # hash the (usually small) referenced values only
            known = pa.chunked_array(chunks(source[0]), source[0].type).drop_null()
            match = np_bool(pc.is_in(target[0], value_set=known.combine_chunks()))
            return none, match
        codes = group_codes([pa.chunked_array(chunks(s) + chunks(t), s.type).combine_chunks()
                              for s, t in zip(source, target, strict=True)])
        known = codes[:source_size][~source_none]
        match = np.isin(codes[source_size:], known)
        return none, match

def header_fields(labels: tuple[str, ...], fields: list[Any]) -> tuple[list[Any], list[Any]]:
    """Frictionless' header errors and the fields each label pairs with (fieldsMatch
    exact). When the labels are the fields' names, in order, none blank or repeated, its
    Header finds no error and pairs each label with its field: the Header is not built
    then, as it copies (and so validates) every field, which costs more than reading a
    small file's first block."""
    names = [f.name for f in fields]
    if list(labels) == names and all(names) and len(set(names)) == len(names):
        return [], list(fields)
    header = Header(list(labels), fields=fields, row_numbers=[1], ignore_case=False,
                    fields_match="exact")
    return list(header.errors), header.get_expected_fields()


def read_keys(resource: Any, path: Path, field_names: tuple[str, ...], interner: Interner,
              block_size: int = BLOCK_SIZE) -> tuple[list[str], list[pa.Array]]:
    """Every row's key (as FieldChecker keys) of some fields, for a foreign-key lookup:
    frictionless reads them with the resource's own schema, errors or not."""
    validator = ResourceValidator(resource, path, error_limit=1 << 62, max_cell_chars=1 << 62,
                                  cell_size_error=None, interner=interner, reference_keys=None,
                                  keep_typed=False, lookup=field_names)
    validator.run(block_size)
    return validator.lookup_keys()


def _popcount(values: np.ndarray) -> np.ndarray:
    if not values.any():
        return np.zeros(len(values), np.int64)
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(values).astype(np.int64)
    count = np.zeros(len(values), np.int64)
    values = values.astype(np.uint32)
    while values.any():
        count += values & 1
        values = values >> 1
    return count


def validate_resource(resource: Any, path: Path, *, block_size: int = BLOCK_SIZE,
                      early: EarlyRead | None = None, **options: Any) -> FastResult:
    """Validate a frictionless table resource; raise Unsupported if it must be left to
    frictionless, Crash if frictionless would raise."""
    return ResourceValidator(resource, path, **options).run(block_size, early)


@dataclass
class EarlyRead:
    """The read of a resource's file, started before its metadata is validated."""

    resource: Any
    path: Path
    block_size: int
    layout: CsvLayout
    reader: BatchReader

    def close(self) -> None:
        self.reader.close()


def start_reading(resource: Any, block_size: int = BLOCK_SIZE) -> EarlyRead | None:
    """Start parsing the resource's file at once, for the metadata validation (which
    frictionless does first) to overlap it: on a small file, that validation costs as
    much as parsing the first block. Only a local CSV file at a path frictionless deems
    safe, which frictionless itself would open once the metadata is valid; the caller
    closes the read if the metadata is not. None when in doubt: the validation then
    reads the file as usual."""
    try:
        where = resource.path
        if not isinstance(where, str) or resource.format not in {"csv", "tsv"} \
                or resource.compression or helpers.is_remote_path(where) \
                or not helpers.is_safe_path(where):
            return None
        path = Path(resource.normpath)
        if not path.is_file():
            return None
        layout = inspect_csv(resource, path)
    except Exception:  # the validation will say what is wrong, or fall back
        return None
    return EarlyRead(resource, path, block_size, layout, BatchReader(layout, block_size))
