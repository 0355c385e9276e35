"""Read a CSV resource with pyarrow and type its columns from the Table Schema.

Runs only on files frictionless has accepted, so every non-missing cell is known to
parse; the work here is to produce the same values, vectorised where pyarrow can.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipeline.model import Resource

DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
DEFAULT_MISSING = [""]


def read_typed_table(resource: Resource) -> pa.Table:
    """The resource as an Arrow table with one typed column per schema field."""
    raw = read_text_table(resource)
    missing = list(resource.schema.get("missingValues", DEFAULT_MISSING))
    columns = []
    for field, column in zip(resource.schema["fields"], raw.columns, strict=True):
        text = _with_nulls(column, missing)
        columns.append(cast_column(text, field))
    names = [f["name"] for f in resource.schema["fields"]]
    return pa.Table.from_arrays(columns, names=names)


def read_text_table(resource: Resource) -> pa.Table:
    dialect = resource.dialect
    header_rows = 1 if dialect.get("header", True) else 0
    read = pacsv.ReadOptions(
        encoding=_arrow_encoding(resource.encoding),
        skip_rows=header_rows,
        autogenerate_column_names=True,
        block_size=16 << 20,
    )
    parse = pacsv.ParseOptions(
        delimiter=dialect.get("delimiter", "\t" if resource.format == "tsv" else ","),
        quote_char=dialect.get("quoteChar", '"'),
        double_quote=dialect.get("doubleQuote", True),
        escape_char=dialect.get("escapeChar", False) or False,
        newlines_in_values=True,
        ignore_empty_lines=True,
    )
    count = len(resource.schema["fields"])
    convert = pacsv.ConvertOptions(
        column_types={f"f{i}": pa.string() for i in range(count)},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    table = pacsv.read_csv(resource.path, read_options=read, parse_options=parse,
                           convert_options=convert)
    # A UTF-8 BOM stays in the first header cell only; the data rows are unaffected.
    return table


def _arrow_encoding(encoding: str) -> str:
    lowered = encoding.lower().replace("_", "-")
    return "utf-8" if lowered in {"utf-8-sig", "utf8"} else lowered


def _with_nulls(column: pa.ChunkedArray, missing: list[str]) -> pa.ChunkedArray:
    if not missing:
        return column
    is_missing = pc.is_in(column, value_set=pa.array(missing, pa.string()))
    return pc.if_else(is_missing, pa.scalar(None, pa.string()), column)


def cast_column(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    caster = CASTERS.get(field.get("type", "string"), _keep_string)
    return caster(text, field)


def _keep_string(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    return text


def _strip_non_numeric(text: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.replace_substring_regex(text, pattern=r"^[^\d\-+.,]+|[^\d.,]+$", replacement="")


def _integer(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    if field.get("bareNumber", True) is False:
        text = _strip_non_numeric(text)
    text = pc.utf8_trim_whitespace(text)
    return pc.cast(text, pa.int64())


def _number(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    group = field.get("groupChar")
    decimal = field.get("decimalChar", ".")
    if field.get("bareNumber", True) is False:
        text = _strip_non_numeric(text)
    if group:
        text = pc.replace_substring(text, pattern=group, replacement="")
    if decimal != ".":
        text = pc.replace_substring(text, pattern=decimal, replacement=".")
    text = pc.utf8_trim_whitespace(text)
    return pc.cast(text, pa.float64())


def _boolean(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    true_values = pa.array(field.get("trueValues", DEFAULT_TRUE), pa.string())
    is_true = pc.is_in(text, value_set=true_values)
    return pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), is_true)


def _by_unique(text: pa.ChunkedArray, parse: Callable[[str], Any], arrow_type: pa.DataType
               ) -> pa.ChunkedArray:
    """Parse each distinct value once in Python: dates repeat a lot in real files."""
    encoded = pc.dictionary_encode(text).combine_chunks()
    parsed = pa.array([parse(v) for v in encoded.dictionary.to_pylist()], arrow_type)
    return pa.chunked_array([pc.take(parsed, encoded.indices)], arrow_type)


def _strptime_format(field: Mapping[str, Any]) -> str | None:
    fmt = field.get("format", "default")
    if fmt in {"default", "any"}:
        return None
    return fmt.removeprefix("fmt:")


def _date(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    fmt = _strptime_format(field)
    if field.get("format") == "any":
        from dateutil import parser

        return _by_unique(text, lambda v: parser.parse(v).date(), pa.date32())
    if fmt is None:
        return _by_unique(text, dt.date.fromisoformat, pa.date32())
    return _by_unique(text, lambda v: dt.datetime.strptime(v, fmt).date(), pa.date32())


def _parse_datetime(value: str, fmt: str | None) -> dt.datetime:
    if fmt is not None:
        parsed = dt.datetime.strptime(value, fmt)
    else:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _datetime(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    fmt = _strptime_format(field)
    if field.get("format") == "any":
        from dateutil import parser

        return _by_unique(text, lambda v: _parse_datetime(parser.parse(v).isoformat(), None),
                          pa.timestamp("us"))
    return _by_unique(text, lambda v: _parse_datetime(v, fmt), pa.timestamp("us"))


def _time(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    fmt = _strptime_format(field)

    def parse(value: str) -> dt.time:
        if fmt is not None:
            return dt.datetime.strptime(value, fmt).time()
        return dt.time.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)

    return _by_unique(text, parse, pa.time64("us"))


def _year(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    return pc.cast(pc.utf8_trim_whitespace(text), pa.int64())


def _json_text(text: pa.ChunkedArray, field: Mapping[str, Any]) -> pa.ChunkedArray:
    """Arrays and objects are kept as canonical JSON text (Parquet has no free-form JSON)."""
    return _by_unique(text, lambda v: json.dumps(json.loads(v), ensure_ascii=False), pa.string())


CASTERS: dict[str, Callable[[pa.ChunkedArray, Mapping[str, Any]], pa.ChunkedArray]] = {
    "string": _keep_string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "time": _time,
    "year": _year,
    "yearmonth": _keep_string,
    "duration": _keep_string,
    "geopoint": _keep_string,
    "geojson": _keep_string,
    "array": _json_text,
    "object": _json_text,
    "any": _keep_string,
}


def normalised_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of the normalised CSV: default formats, '.' decimals, true/false, '' missing."""
    dropped = {"decimalChar", "groupChar", "bareNumber", "trueValues", "falseValues"}
    fields = []
    for field in schema["fields"]:
        clean = {k: v for k, v in field.items() if k not in dropped}
        if clean.get("type") in {"date", "datetime", "time"}:
            clean.pop("format", None)
        fields.append(clean)
    result = {k: v for k, v in schema.items() if k not in {"fields", "missingValues"}}
    return {"fields": fields, **result, "missingValues": [""]}
