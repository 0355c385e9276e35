"""Conversion keeps every value: Parquet and the normalised CSV read back as the source."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import frictionless
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.convert import convert_resource, sha256_file
from pipeline.model import Resource

SCHEMA = {
    "fields": [
        {"name": "code", "type": "string"},
        {"name": "effectif", "type": "integer"},
        {"name": "taux", "type": "number", "decimalChar": ","},
        {"name": "actif", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
        {"name": "jour", "type": "date", "format": "%d/%m/%Y"},
        {"name": "horodatage", "type": "datetime"},
        {"name": "annee", "type": "year"},
        {"name": "mois", "type": "yearmonth"},
        {"name": "heure", "type": "time"},
        {"name": "tags", "type": "array"},
    ],
    "missingValues": ["", "NA"],
    "primaryKey": ["code"],
}
CSV = (
    "code;effectif;taux;actif;jour;horodatage;annee;mois;heure;tags\n"
    'A1;12;0,5;oui;01/02/2024;2024-02-01T10:30:00;2024;2024-02;10:30:00;"[1, 2]"\n'
    'B2;NA;-3,25;non;29/02/2024;2024-02-29T23:59:59;2023;2023-12;00:00:00;"[]"\n'
    "C3;0;NA;;31/12/2023;;NA;;;\n"
    'D4;-7;1000000,125;oui;15/07/2025;2025-07-15T00:00:00;1999;1999-01;23:59:59;"[""é""]"\n'
)


def _resource(tmp_path: Path) -> Resource:
    path = tmp_path / "data.csv"
    path.write_text(CSV, encoding="utf-8")
    return Resource(name="data", title="Data", path=path, relpath="data.csv", format="csv",
                    encoding="utf-8", dialect={"delimiter": ";"}, schema=SCHEMA,
                    schema_source="inline")


def _frictionless_rows(path: Path, schema: dict, dialect: dict | None = None) -> list[dict]:
    descriptor = {"name": "data", "path": path.name, "schema": schema, "format": "csv"}
    if dialect:
        descriptor["dialect"] = dialect
    resource = frictionless.Resource(descriptor, basepath=str(path.parent))
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    with frictionless.Resource(descriptor, basepath=str(path.parent)) as opened:
        return [row.to_dict() for row in opened.row_stream]


def _comparable(value):
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if type(value).__name__ == "yearmonth":
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


def test_parquet_reads_back_the_source_values(tmp_path: Path) -> None:
    resource = _resource(tmp_path)
    converted = convert_resource(resource, tmp_path / "out")
    expected = _frictionless_rows(resource.path, SCHEMA, {"delimiter": ";"})
    table = pq.read_table(tmp_path / "out" / "data.parquet")
    assert converted.rows == table.num_rows == 4
    assert table.schema.field("effectif").type == pa.int64()
    assert table.schema.field("taux").type == pa.float64()
    assert table.schema.field("actif").type == pa.bool_()
    assert table.schema.field("jour").type == pa.date32()
    assert pa.types.is_timestamp(table.schema.field("horodatage").type)
    assert table.schema.field("annee").type == pa.int64()
    for got, want in zip(table.to_pylist(), expected, strict=True):
        assert got == {k: _comparable(v) for k, v in want.items()}


def test_normalised_csv_reads_back_the_same_values(tmp_path: Path) -> None:
    resource = _resource(tmp_path)
    convert_resource(resource, tmp_path / "out")
    schema = json.loads((tmp_path / "out" / "data.schema.json").read_text())
    assert "decimalChar" not in json.dumps(schema)
    original = _frictionless_rows(resource.path, SCHEMA, {"delimiter": ";"})
    normalised = _frictionless_rows(tmp_path / "out" / "data.csv", schema)
    assert normalised == original
    header = (tmp_path / "out" / "data.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "code,effectif,taux,actif,jour,horodatage,annee,mois,heure,tags"


def test_files_are_described_with_size_and_sha256(tmp_path: Path) -> None:
    converted = convert_resource(_resource(tmp_path), tmp_path / "out")
    assert [f.format for f in converted.files] == ["CSV", "Parquet", "JSON", "Table Schema"]
    for data_file in converted.files:
        path = tmp_path / "out" / data_file.filename
        assert data_file.size == path.stat().st_size > 0
        assert data_file.sha256 == sha256_file(path)


def test_json_records_keep_types(tmp_path: Path) -> None:
    convert_resource(_resource(tmp_path), tmp_path / "out")
    records = json.loads((tmp_path / "out" / "data.json").read_text(encoding="utf-8"))
    assert records[0] == {
        "code": "A1", "effectif": 12, "taux": 0.5, "actif": True, "jour": "2024-02-01",
        "horodatage": "2024-02-01T10:30:00", "annee": 2024, "mois": "2024-02",
        "heure": "10:30:00", "tags": "[1, 2]",
    }
    assert records[2]["effectif"] == 0 and records[2]["taux"] is None and records[2]["actif"] is None


def test_profile_and_preview(tmp_path: Path) -> None:
    converted = convert_resource(_resource(tmp_path), tmp_path / "out")
    profile = {p.name: p for p in converted.profile}
    assert profile["effectif"].non_null == 3
    assert (profile["effectif"].minimum, profile["effectif"].maximum) == ("-7", "12")
    assert profile["jour"].minimum == "2023-12-31"
    assert profile["actif"].top_values == (("true", 2), ("false", 1))
    assert converted.preview[1][:3] == ("B2", "", "-3.25")
    assert converted.examples["taux"] == "0.5"


def test_conversion_is_deterministic(tmp_path: Path) -> None:
    resource = _resource(tmp_path)
    first = convert_resource(resource, tmp_path / "a")
    second = convert_resource(resource, tmp_path / "b")
    assert [f.sha256 for f in first.files] == [f.sha256 for f in second.files]
