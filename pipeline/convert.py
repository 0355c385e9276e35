"""Convert a validated resource into its downloads: normalised CSV, Parquet, JSON, schema.

The typed table comes from the validation's fast path (the file is read once) or, after
a fallback to frictionless, from typing_arrow. It is written slice by slice, so the text
of a large table never sits in memory whole; the bytes are those of writing it at once.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.model import ColumnProfile, ConvertedResource, DataFile, Resource
from pipeline.typing_arrow import normalised_schema, read_typed_table

PREVIEW_ROWS = 20
TOP_VALUES = 5
SLICE_ROWS = 1 << 16
# pq.write_table's row groups: writing them one by one, each combined into one chunk,
# gives the bytes of writing the whole table at once, whatever its chunks.
ROW_GROUP_ROWS = 1024 * 1024
# Parquet files are written with fixed metadata so that two builds give the same bytes.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "write_statistics": True,
    "store_schema": True,
}


class EmptyTable(Exception):
    """The file has a header but no row."""


def convert_resource(resource: Resource, out_dir: Path, table: pa.Table | None = None
                     ) -> ConvertedResource:
    """Write the resource's downloads into out_dir and describe them. `table` is the
    typed table the validation kept; without it the file is read again."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if table is None:
        table = read_typed_table(resource)
    if table.num_rows == 0:
        raise EmptyTable(resource.relpath)
    files = (
        _write_csv_slices(table, out_dir / f"{resource.name}.csv"),
        _write_parquet(table, resource, out_dir / f"{resource.name}.parquet"),
        _write_json(table, out_dir / f"{resource.name}.json"),
        _write_schema(resource, out_dir / f"{resource.name}.schema.json"),
    )
    return ConvertedResource(
        name=resource.name,
        rows=table.num_rows,
        files=files,
        columns=tuple(table.column_names),
        preview=preview_rows(as_text_table(table.slice(0, PREVIEW_ROWS))),
        profile=tuple(column_profile(table.column(i), name) for i, name in enumerate(table.column_names)),
        examples=_first_values(table),
    )


def _slices(table: pa.Table) -> Iterator[pa.Table]:
    for offset in range(0, table.num_rows, SLICE_ROWS):
        yield table.slice(offset, SLICE_ROWS)


def as_text_table(table: pa.Table) -> pa.Table:
    """Canonical text of every value: ISO dates, '.' decimals, true/false; nulls stay null."""
    columns = [_as_text(column) for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_time(kind):
        return _text_by_unique(column, lambda v: v.isoformat())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    if pa.types.is_floating(kind):
        return pa.chunked_array(
            [pa.array([None if v is None else _float_text(v) for v in column.to_pylist()], pa.string())]
        )
    return pc.cast(column, pa.string())


def _text_by_unique(column: pa.ChunkedArray, show: Any) -> pa.ChunkedArray:
    """Format each distinct value once: timestamps repeat across rows of real files."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    texts = pa.array([show(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pa.chunked_array([pc.take(texts, encoded.indices)], pa.string())


def _float_text(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without '.0'."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "INF" if value > 0 else "-INF"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def write_csv(text: pa.Table, path: Path) -> DataFile:
    _write_csv_header(text.column_names, path)
    with path.open("ab") as out:
        pacsv.write_csv(text, out, write_options=CSV_OPTIONS)
    return describe_file("CSV", path, "text/csv")


CSV_OPTIONS = pacsv.WriteOptions(include_header=False, delimiter=",", quoting_style="needed")


def _write_csv_header(names: list[str], path: Path) -> None:
    # pyarrow always quotes header cells; the header is written with the csv module instead.
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerow(names)


def _write_csv_slices(table: pa.Table, path: Path) -> DataFile:
    """write_csv(as_text_table(table), path), a slice at a time."""
    _write_csv_header(table.column_names, path)
    with path.open("ab") as out:
        for part in _slices(table):
            pacsv.write_csv(as_text_table(part), out, write_options=CSV_OPTIONS)
    return describe_file("CSV", path, "text/csv")


def _write_parquet(table: pa.Table, resource: Resource, path: Path) -> DataFile:
    metadata = {b"table_schema": json.dumps(dict(resource.schema), ensure_ascii=False).encode()}
    table = table.replace_schema_metadata(metadata)
    with pq.ParquetWriter(path, table.schema, **PARQUET_OPTIONS) as writer:
        for offset in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            writer.write_table(table.slice(offset, ROW_GROUP_ROWS).combine_chunks())
    return describe_file("Parquet", path, "application/vnd.apache.parquet")


def _write_json(typed: pa.Table, path: Path) -> DataFile:
    """JSON records keep numbers and booleans as JSON values, dates as ISO strings."""
    names = typed.column_names
    index = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for part in _slices(typed):
            text = as_text_table(part)
            columns = []
            for name in names:
                kind = part.column(name).type
                native = pa.types.is_integer(kind) or pa.types.is_boolean(kind)
                floating = pa.types.is_floating(kind)
                source = part.column(name) if native or floating else text.column(name)
                columns.append(source.to_pylist())
            lines = []
            for row in zip(*columns, strict=True):
                record = {n: _json_value(v) for n, v in zip(names, row, strict=True)}
                lines.append(("," if index else "") + json.dumps(record, ensure_ascii=False) + "\n")
                index += 1
            out.write("".join(lines))
        out.write("]\n")
    return describe_file("JSON", path, "application/json")


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def _write_schema(resource: Resource, path: Path) -> DataFile:
    schema = normalised_schema(resource.schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return describe_file("Table Schema", path, "application/schema+json")


def describe_file(fmt: str, path: Path, media_type: str) -> DataFile:
    return DataFile(
        format=fmt,
        filename=path.name,
        media_type=media_type,
        size=path.stat().st_size,
        sha256=sha256_file(path),
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def preview_rows(text: pa.Table) -> tuple[tuple[str, ...], ...]:
    head = text.slice(0, PREVIEW_ROWS).to_pylist()
    return tuple(tuple("" if v is None else str(v) for v in row.values()) for row in head)


def _first_values(typed: pa.Table) -> dict[str, str]:
    """example_values(as_text_table(typed)) without the text of every row."""
    examples = {}
    for name in typed.column_names:
        column = typed.column(name)
        valid = column.is_valid().to_numpy(zero_copy_only=False) if len(column) else []
        first = int(valid.argmax()) if len(column) and valid.any() else None
        if first is None:
            examples[name] = ""
        else:
            examples[name] = str(_as_text(column.slice(first, 1))[0])
    return examples


def example_values(text: pa.Table) -> dict[str, str]:
    examples = {}
    for name in text.column_names:
        values = pc.drop_null(text.column(name))
        examples[name] = str(values[0]) if len(values) else ""
    return examples


def column_profile(column: pa.ChunkedArray, name: str) -> ColumnProfile:
    non_null = len(column) - column.null_count
    distinct = pc.count_distinct(column, mode="only_valid").as_py()
    kind = column.type
    if non_null and (pa.types.is_integer(kind) or pa.types.is_floating(kind)
                     or pa.types.is_temporal(kind)):
        bounds = pc.min_max(column)
        return ColumnProfile(name, non_null, distinct, _show(bounds["min"].as_py()),
                             _show(bounds["max"].as_py()))
    top: tuple[tuple[str, int], ...] = ()
    if non_null:
        counts = pc.value_counts(pc.drop_null(column)).to_pylist()
        counts.sort(key=lambda item: (-item["counts"], str(item["values"])))
        top = tuple((_show(c["values"]), c["counts"]) for c in counts[:TOP_VALUES])
    return ColumnProfile(name, non_null, distinct, top_values=top)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
