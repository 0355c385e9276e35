"""Feature properties as a table: checked by frictionless, typed like a CSV column.

The properties of the features are laid out as an inline table (header = the schema's field
names, one row per feature) so that frictionless applies the Table Schema exactly as it does
to CSV files: same types, constraints, unique and primary keys. Conversion reads frictionless'
typed values back and casts them with `cast_column`, so a GeoJSON property and a CSV cell of
the same field get the same Arrow type.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import frictionless
import pyarrow as pa

from pipeline.typing_arrow import cast_column, normalised_schema

ERROR_LIMIT = 1000
# A feature whose properties are all null is fine in GeoJSON (the geometry is the data);
# required fields still catch real omissions.
SKIPPED_ERRORS = ["blank-row"]
# Types whose typed value has one canonical text that cast_column reads back.
TYPED_KINDS = {"integer", "number", "boolean", "date", "datetime", "time", "year", "yearmonth"}


def field_names(schema: Mapping[str, Any]) -> list[str]:
    return [f["name"] for f in schema.get("fields", [])]


def properties_of(feature: Any) -> dict[str, Any]:
    """A feature's properties; null or absent properties are none (RFC 7946 allows null)."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties if isinstance(properties, dict) else {}


def inline_rows(features: Sequence[Any], names: Sequence[str]) -> list[list[Any]]:
    rows = []
    for feature in features:
        properties = properties_of(feature)
        rows.append([properties.get(name) for name in names])
    return rows


def extra_properties(features: Sequence[Any], names: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Properties the schema does not declare: name → (first feature number, feature count)."""
    declared = set(names)
    first: dict[str, int] = {}
    counts: Counter[str] = Counter()
    for number, feature in enumerate(features, 1):
        for name in properties_of(feature):
            if name not in declared:
                first.setdefault(name, number)
                counts[name] += 1
    return {name: (first[name], counts[name]) for name in first}


def absent_fields(features: Sequence[Any], names: Sequence[str]) -> list[str]:
    """Schema fields that no feature has, not even as null: a renamed or forgotten property."""
    present: set[str] = set()
    for feature in features:
        present.update(properties_of(feature))
    return [name for name in names if name not in present]


def _frictionless_resource(rows: list[list[Any]], schema: Mapping[str, Any]) -> frictionless.Resource:
    names = field_names(schema)
    return frictionless.Resource(data=[names, *rows], schema=frictionless.Schema.from_descriptor(
        dict(schema)))


def frictionless_errors(rows: list[list[Any]], schema: Mapping[str, Any]) -> list[Any]:
    """Frictionless' errors on the inline table; row_number 2 is feature 1 (row 1 is the header)."""
    checklist = frictionless.Checklist(skip_errors=SKIPPED_ERRORS)
    report = _frictionless_resource(rows, schema).validate(checklist, limit_errors=ERROR_LIMIT)
    return [*report.errors, *(e for task in report.tasks for e in task.errors)]


def typed_table(features: Sequence[Any], schema: Mapping[str, Any]) -> pa.Table:
    """One typed Arrow column per schema field, as the tabular conversion would give."""
    names = field_names(schema)
    raw_rows = inline_rows(features, names)
    with _frictionless_resource(raw_rows, schema) as resource:
        typed_rows = [row.to_list() for row in resource.row_stream]
    if len(typed_rows) != len(raw_rows):
        raise ValueError(f"{len(raw_rows)} features but {len(typed_rows)} rows of properties were read")
    fields = schema.get("fields", [])
    clean_fields = normalised_schema(schema)["fields"]
    columns = []
    for index, (field, clean) in enumerate(zip(fields, clean_fields, strict=True)):
        kind = field.get("type", "string")
        texts = [_text(typed[index], raw[index], kind) for typed, raw in zip(typed_rows, raw_rows,
                                                                               strict=True)]
        columns.append(cast_column(pa.chunked_array([pa.array(texts, pa.string())]), clean))
    return pa.Table.from_arrays(columns, names=names)


def _text(typed: Any, raw: Any, kind: str) -> str | None:
    """Canonical text of a property for cast_column with the normalised schema's field."""
    if typed is None:
        return None
    if kind not in TYPED_KINDS:
        return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    if isinstance(typed, bool):
        return "true" if typed else "false"
    if isinstance(typed, int):
        return str(typed)
    if isinstance(typed, float | Decimal):
        return repr(float(typed))
    if isinstance(typed, dt.datetime | dt.date | dt.time):
        return typed.isoformat()
    if kind == "yearmonth":
        return f"{typed[0]:04d}-{typed[1]:02d}"
    return str(typed)
