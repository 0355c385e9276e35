"""CSV → Parquet → CSV keeps every value of every Table Schema type (property-based).

Numbers are float64 in Parquet (as the schema mapping says), so the generated numbers
are those a float64 can hold; a decimal with more than 17 significant digits would be
rounded, which is the documented limit of `number`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from decimal import Decimal
from pathlib import Path

import frictionless
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.convert import convert_resource
from pipeline.model import Resource

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    max_size=20,
).filter(lambda s: s.strip() == s and s not in {"", "NA"})

DATES = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))
DATETIMES = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1))
TIMES = st.times()

# type → (field descriptor, strategy of Python values, how to write a value in the CSV)
KINDS = {
    "string": ({"type": "string"}, TEXT, str),
    "integer": ({"type": "integer"}, st.integers(-(2**62), 2**62), str),
    "number": ({"type": "number"},
               st.floats(allow_nan=False, allow_infinity=False, width=64), repr),
    "number_fr": ({"type": "number", "decimalChar": ",", "groupChar": " "},
                  st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
                  lambda v: repr(v).replace(".", ",")),
    "boolean": ({"type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
                st.booleans(), lambda v: "oui" if v else "non"),
    "date": ({"type": "date"}, DATES, lambda v: v.isoformat()),
    "date_fr": ({"type": "date", "format": "%d/%m/%Y"}, DATES, lambda v: v.strftime("%d/%m/%Y")),
    "datetime": ({"type": "datetime"}, DATETIMES, lambda v: v.isoformat()),
    "time": ({"type": "time"}, TIMES, lambda v: v.isoformat()),
    "year": ({"type": "year"}, st.integers(1000, 9999), str),
    "yearmonth": ({"type": "yearmonth"}, st.tuples(st.integers(1000, 9999), st.integers(1, 12)),
                  lambda v: f"{v[0]:04d}-{v[1]:02d}"),
}


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list]]:
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=6))
    rows = draw(st.lists(
        st.tuples(*[st.one_of(st.none(), KINDS[k][1]) for k in kinds]).map(list)
        .filter(lambda row: any(v is not None for v in row)),  # an all-missing row is blank
        min_size=1, max_size=15,
    ))
    return kinds, rows


def _csv_cell(kind: str, value) -> str:
    if value is None:
        return "NA"
    text = KINDS[kind][2](value)
    return '"' + text.replace('"', '""') + '"'


def _read(path: Path, schema: dict) -> list[dict]:
    descriptor = {"name": "r", "path": path.name, "format": "csv", "schema": schema}
    with frictionless.Resource(descriptor, basepath=str(path.parent)) as resource:
        return [row.to_dict() for row in resource.row_stream]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_type_survives_the_round_trip(table: tuple[list[str], list[list]]) -> None:
    kinds, rows = table
    fields = [{"name": f"c{i}_{k}", **KINDS[k][0]} for i, k in enumerate(kinds)]
    schema = {"fields": fields, "missingValues": ["NA"]}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "source.csv"
        lines = [",".join(f["name"] for f in fields)]
        lines += [",".join(_csv_cell(k, v) for k, v in zip(kinds, row, strict=True)) for row in rows]
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        resource = Resource(name="r", title="r", path=source, relpath="source.csv", format="csv",
                            encoding="utf-8", dialect={}, schema=schema, schema_source="inline")
        report = frictionless.Resource(
            {"name": "r", "path": "source.csv", "format": "csv", "schema": schema},
            basepath=tmp).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        converted = convert_resource(resource, folder / "out")
        expected = _read(source, schema)
        normalised_schema = json.loads((folder / "out" / "r.schema.json").read_text())
        back = _read(folder / "out" / "r.csv", normalised_schema)
        parquet = pq.read_table(folder / "out" / "r.parquet").to_pylist()
        assert converted.rows == len(expected) == len(back) == len(parquet)
        for want, got_csv, got_parquet in zip(expected, back, parquet, strict=True):
            for name in want:
                assert _same(got_csv[name], want[name]), (name, want[name], got_csv[name])
                assert _same(_comparable(got_parquet[name]), _comparable(want[name])), name


def _comparable(value):
    if isinstance(value, Decimal):  # frictionless reads numbers as Decimal; Parquet has float64
        return float(value)
    if type(value).__name__ == "yearmonth":
        return f"{value.year:04d}-{value.month:02d}"
    return value
