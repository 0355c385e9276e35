"""Old versions of a table read the way the pipeline reads the current one.

The bytes of a commit are typed with that commit's own schema by
pipeline.typing_arrow.read_typed_table, then every value is written in one canonical text
form ("1,50" with decimalChar "," and "1.5" both become "1.5"; dates ISO), so versions
are compared on values, not on how a file spelled them. A version whose bytes cannot be
typed (it was invalid, or its schema is unreadable) is compared as text, and says so.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipeline.history.snapshot import OldResource
from pipeline.model import Resource
from pipeline.typing_arrow import read_typed_table

Cell = str | None


@dataclass(frozen=True)
class CanonicalTable:
    fields: tuple[str, ...]
    columns: tuple[list[Cell], ...]  # one list per field
    typed: bool  # False: read as text, without the schema's types

    @property
    def num_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def rows(self, names: tuple[str, ...]) -> list[tuple[Cell, ...]]:
        picked = [self.columns[self.fields.index(n)] for n in names]
        return list(zip(*picked, strict=True)) if picked else [()] * self.num_rows


def read_canonical(resource: OldResource, content: bytes, scratch: Path) -> CanonicalTable:
    """The table in canonical text form, typed with its own schema when possible."""
    if resource.schema is not None:
        try:
            return _typed(resource, content, scratch)
        except (pa.ArrowInvalid, ValueError, KeyError, TypeError, OverflowError):
            pass
    return _as_text(resource, content)


def _typed(resource: OldResource, content: bytes, scratch: Path) -> CanonicalTable:
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=f".{resource.format}") as handle:
        handle.write(content)
        handle.flush()
        model = Resource(
            name=resource.name, title=resource.title, path=Path(handle.name),
            relpath=resource.path, format=resource.format, encoding=resource.encoding,
            dialect=dict(resource.dialect), schema=dict(resource.schema or {}), schema_source="",
        )
        table = read_typed_table(model)
    return CanonicalTable(tuple(table.column_names),
                          tuple(_canonical(column) for column in table.columns), typed=True)


def _canonical(column: pa.ChunkedArray) -> list[Cell]:
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    return column.to_pylist()


def _as_text(resource: OldResource, content: bytes) -> CanonicalTable:
    """Header names from the file, every cell as written (empty cells as missing)."""
    dialect = resource.dialect
    parse = pacsv.ParseOptions(
        delimiter=dialect.get("delimiter", "\t" if resource.format == "tsv" else ","),
        quote_char=dialect.get("quoteChar", '"'),
        newlines_in_values=True,
        ignore_empty_lines=True,
    )
    encoding = resource.encoding.lower().replace("_", "-")
    read = pacsv.ReadOptions(encoding="utf-8" if encoding in {"utf-8-sig", "utf8"} else encoding)
    try:
        header = pacsv.open_csv(pa.BufferReader(content), read_options=read,
                                parse_options=parse).schema.names
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in header},
                                       null_values=[""], strings_can_be_null=True)
        table = pacsv.read_csv(pa.BufferReader(content), read_options=read, parse_options=parse,
                               convert_options=convert)
    except (pa.ArrowInvalid, ValueError, LookupError):
        return CanonicalTable((), (), typed=False)
    names = tuple(n.lstrip("\ufeff") for n in table.column_names)
    columns = tuple(_canonical(c) for c in table.columns)
    return CanonicalTable(names, columns, typed=False)


def with_fields(table: CanonicalTable, names: tuple[str, ...]) -> CanonicalTable:
    """Only the named columns that exist, in that order."""
    kept = tuple(n for n in names if n in table.fields)
    return dataclasses.replace(table, fields=kept,
                               columns=tuple(table.columns[table.fields.index(n)] for n in kept))
