"""Convert a validated resource into its downloads: normalised CSV, Parquet, JSON, schema.

The typed table comes from the validation's fast path (the file is read once) or, after
a fallback to frictionless, from typing_arrow. It is written slice by slice, so the text
of a large table never sits in memory whole; the bytes are those of writing it at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.fileio import sha256_file
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
    csv_file, json_file = _write_csv_and_json(table, out_dir / f"{resource.name}.csv",
                                              out_dir / f"{resource.name}.json")
    files = (
        csv_file,
        _write_parquet(table, resource, out_dir / f"{resource.name}.parquet"),
        json_file,
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
    if (pa.types.is_timestamp(kind) and kind.unit == "us" and kind.tz is None) \
            or kind == pa.time64("us"):
        return _iso_text(column)
    if pa.types.is_timestamp(kind) or pa.types.is_time(kind):
        return _text_by_unique(column, lambda v: v.isoformat())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    if pa.types.is_floating(kind):
        return _float_texts(column, _float_text)
    return pc.cast(column, pa.string())


def _iso_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """v.isoformat() of each value: Arrow's text, with "T" between date and time and
    without a zero fraction ("2024-03-01 10:30:00.000000" → "2024-03-01T10:30:00")."""
    text = pc.cast(column, pa.string())
    if pa.types.is_timestamp(column.type):
        text = pc.utf8_replace_slice(text, 10, 11, "T")
    return pc.replace_substring_regex(text, r"\.000000$", "")


def _float_texts(column: pa.ChunkedArray, python: Any, json_style: bool = False) -> pa.ChunkedArray:
    """python(v) of each float (_float_text, or repr for JSON). Arrow's shortest text is the
    same digits: where it writes them without exponent for a value Python also writes
    without one (0, or 1e-4 <= |v| < 1e16), it is used as is (JSON adds repr's ".0" to
    whole numbers); other values are formatted by Python."""
    chunks = []
    for chunk in _array_chunks(column):
        text = pc.cast(chunk, pa.string())
        values = chunk.to_numpy(zero_copy_only=False)
        magnitude = np.abs(values)
        with np.errstate(invalid="ignore"):
            plain = ((magnitude >= 1e-4) & (magnitude < 1e16)) | (values == 0)
        plain &= ~_np_bool(pc.match_substring(text, "e")) & _np_bool(chunk.is_valid())
        if json_style:
            whole = ~_np_bool(pc.match_substring(text, "."))
            text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, ".0", ""), text)
        others = np.flatnonzero(_np_bool(chunk.is_valid()) & ~plain)
        if len(others):
            shown = pa.array([python(float(values[i])) for i in others], pa.string())
            mask = np.zeros(len(chunk), bool)
            mask[others] = True
            text = pc.replace_with_mask(text, pa.array(mask), shown)
        chunks.append(text)
    return pa.chunked_array(chunks, pa.string())


def _array_chunks(column: Any) -> list[pa.Array]:
    return list(column.chunks) if isinstance(column, pa.ChunkedArray) else [column]


def _np_bool(array: Any) -> np.ndarray:
    return array.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


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


def _write_csv_and_json(table: pa.Table, csv_path: Path, json_path: Path
                        ) -> tuple[DataFile, DataFile]:
    """write_csv(as_text_table(table)) and the JSON records, a slice at a time: the text of
    each slice serves both."""
    _write_csv_header(table.column_names, csv_path)
    keys = [json.dumps(name, ensure_ascii=False) for name in table.column_names]
    first = True
    with csv_path.open("ab") as csv_out, json_path.open("w", encoding="utf-8") as json_out:
        json_out.write("[\n")
        for part in _slices(table):
            text = as_text_table(part)
            pacsv.write_csv(text, csv_out, write_options=CSV_OPTIONS)
            lines = _json_lines(part, text, keys).to_pylist()
            json_out.write(("" if first else ",") + "\n,".join(lines) + "\n")
            first = False
        json_out.write("]\n")
    return (describe_file("CSV", csv_path, "text/csv"),
            describe_file("JSON", json_path, "application/json"))


def _json_lines(typed: pa.Table, text: pa.Table, keys: list[str]) -> pa.Array:
    """json.dumps(record, ensure_ascii=False) of each row, as _write_json writes them."""
    pieces: list[Any] = []
    for index, name in enumerate(typed.column_names):
        pieces.append(("{" if index == 0 else ", ") + keys[index] + ": ")
        pieces.append(_json_values(typed.column(name), text.column(name)))
    pieces.append("}")
    return pa.concat_arrays(_array_chunks(pc.binary_join_element_wise(*pieces, "")))


def _json_values(typed: pa.ChunkedArray, text: pa.ChunkedArray) -> pa.ChunkedArray:
    """The JSON text of each value of a column (numbers and booleans as JSON values, NaN
    and infinities as null, other values as strings of their canonical text)."""
    kind = typed.type
    if pa.types.is_integer(kind):
        shown = pc.cast(typed, pa.string())
    elif pa.types.is_boolean(kind):
        shown = pc.if_else(typed, "true", "false")
    elif pa.types.is_floating(kind):
        finite = pc.is_finite(typed)
        shown = pc.if_else(finite, _float_texts(typed, repr, json_style=True), pa.scalar(None, pa.string()))
    else:
        shown = _json_strings(text)
    return pc.fill_null(shown, "null")


def _json_strings(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """json.dumps(s, ensure_ascii=False): quotes around, escapes (by Python) for the few
    strings holding a quote, a backslash or a control character."""
    chunks = []
    for chunk in _array_chunks(text):
        quoted = pc.binary_join_element_wise('"', chunk, '"', "")
        special = _needs_escape(chunk)
        if special.any():
            rows = np.flatnonzero(special)
            escaped = pa.array([json.dumps(chunk[i].as_py(), ensure_ascii=False) for i in rows],
                               pa.string())
            quoted = pc.replace_with_mask(quoted, pa.array(special), escaped)
        chunks.append(quoted)
    return pa.chunked_array(chunks, pa.string())


def _needs_escape(chunk: pa.Array) -> np.ndarray:
    """Strings with a byte below 0x20, '"' or '\\'."""
    if chunk.type != pa.string() or not len(chunk):
        return np.zeros(len(chunk), bool)
    bufs = chunk.buffers()
    offsets = np.frombuffer(bufs[1], np.int32, len(chunk) + 1, chunk.offset * 4).astype(np.int64)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    part = data[offsets[0]:offsets[-1]]
    bad = np.flatnonzero((part < 0x20) | (part == 0x22) | (part == 0x5C)) + offsets[0]
    mask = np.zeros(len(chunk), bool)
    mask[np.searchsorted(offsets, bad, side="right") - 1] = True
    return mask & _np_bool(chunk.is_valid())


def _write_parquet(table: pa.Table, resource: Resource, path: Path) -> DataFile:
    metadata = {b"table_schema": json.dumps(dict(resource.schema), ensure_ascii=False).encode()}
    table = table.replace_schema_metadata(metadata)
    with pq.ParquetWriter(path, table.schema, **PARQUET_OPTIONS) as writer:
        for offset in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            writer.write_table(table.slice(offset, ROW_GROUP_ROWS).combine_chunks())
    return describe_file("Parquet", path, "application/vnd.apache.parquet")


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
