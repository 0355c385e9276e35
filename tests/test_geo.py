"""Geodata: every GeoJSON error named by feature, conversions other tools read back, maps without gaps."""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import frictionless
import geopandas
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon, shape

from pipeline.convert import convert_resource, sha256_file
from pipeline.geo.convert import convert_geojson, convert_point_table
from pipeline.geo.points import validate_point_table
from pipeline.geo.topology import decode
from pipeline.geo.validate import validate_geojson
from pipeline.model import Contact, Dataset, MapSpec, Resource
from pipeline.report import Problem
from tests.conftest import ROOT, SHARED_DATA, requires_shared_data

SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "code", "type": "string"},
        {"name": "nom", "type": "string"},
        {"name": "population", "type": "integer"},
    ],
    "primaryKey": ["code"],
}
SQUARE = [[[3.0, 50.0], [3.1, 50.0], [3.1, 50.1], [3.0, 50.1], [3.0, 50.0]]]
BOW_TIE = [[[3.0, 50.0], [3.1, 50.1], [3.1, 50.0], [3.0, 50.1], [3.0, 50.0]]]


def _feature(code: str, geometry: Any, **extra: Any) -> dict[str, Any]:
    properties = {"code": code, "nom": f"Commune {code}", "population": 100, **extra}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _polygon(coordinates: Any = SQUARE) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": coordinates}


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _resource(folder: Path, document: Any, schema: dict[str, Any] | None = None, name: str = "zones",
              precision: int = 6) -> Resource:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.geojson"
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return Resource(name=name, title=name, path=path, relpath=path.name, format="geojson", encoding="utf-8",
                    dialect={}, schema=schema or SCHEMA, schema_source="inline",
                    map=MapSpec(kind="shapes"), precision=precision)


def _dataset(resource: Resource) -> Dataset:
    return Dataset(slug="geo", title="Geo", description="", theme_id="amenagement", keywords=(),
                   license_ids=("etalab-2.0",), contributors=(), frequency_id="irregular", temporal=None,
                   spatial=(), publisher="", contact=Contact(), resources=(resource,),
                   folder=resource.path.parent)


def _validate(tmp_path: Path, document: Any, schema: dict[str, Any] | None = None) -> list[Problem]:
    resource = _resource(tmp_path / "datasets" / "geo", document, schema)
    return validate_geojson(_dataset(resource), resource, tmp_path)


def _single(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, [p.render() for p in problems]
    return found[0]


def _at_feature(problem: Problem, row: int, ident: str | None, field: str | None) -> None:
    assert problem.row == row, problem.render()
    assert problem.field == field, problem.render()
    assert problem.file == "datasets/geo/zones.geojson"
    assert f"feature {row}" in problem.location()
    named = f'Feature {row} (id "{ident}")' if ident else f"Feature {row}"
    assert problem.message.startswith(named), problem.message
    assert problem.hint


# --- validation: one test per error -------------------------------------------------------------

def test_a_valid_collection_has_no_problem(tmp_path: Path) -> None:
    document = _collection(_feature("59001", _polygon()), _feature("59002", _polygon()))
    assert _validate(tmp_path, document) == []


def test_lambert93_coordinates_are_out_of_range(tmp_path: Path) -> None:
    lambert = {"type": "Point", "coordinates": [705123.4, 7059432.1]}
    problem = _single(_validate(tmp_path, _collection(_feature("59001", _polygon()),
                                                      _feature("59350", lambert))), "coordinate-error")
    _at_feature(problem, 2, "59350", "geometry")
    assert "longitude 705123.4 is not within [-180, 180]" in problem.message
    assert "latitude 7059432.1 is not within [-90, 90]" in problem.message
    assert problem.value == "[705123.4, 7059432.1]"
    assert "Lambert-93" in (problem.hint or "") and "EPSG:4326" in (problem.hint or "")


def test_a_latitude_out_of_range_names_that_coordinate(tmp_path: Path) -> None:
    ring = copy.deepcopy(SQUARE)
    ring[0][2] = [3.1, 95.0]
    problem = _single(_validate(tmp_path, _collection(_feature("59001", _polygon(ring)))), "coordinate-error")
    _at_feature(problem, 1, "59001", "geometry")
    assert "position 3 [3.1, 95.0]" in problem.message
    assert "latitude 95.0 is not within [-90, 90]" in problem.message
    assert "longitude" not in problem.message.split("out of range")[1]
    assert "swapped" in (problem.hint or "")


def test_swapped_latitude_and_longitude(tmp_path: Path) -> None:
    # Nouméa written [lat, lon]: the latitude 166.4 cannot be one.
    swapped = {"type": "Point", "coordinates": [-22.3, 166.4]}
    problem = _single(_validate(tmp_path, _collection(_feature("98818", swapped))), "coordinate-error")
    _at_feature(problem, 1, "98818", "geometry")
    assert "latitude 166.4 is not within [-90, 90]" in problem.message
    assert (problem.hint or "").startswith("Latitude and longitude seem swapped")


def test_swapped_axes_in_france_are_a_warning(tmp_path: Path) -> None:
    # Lille written [lat, lon] is in range, but in East Africa.
    lille = {"type": "Point", "coordinates": [50.63, 3.06]}
    problem = _single(_validate(tmp_path, _collection(_feature("59350", lille))), "coordinate-error")
    assert problem.severity == "warning"
    assert "swapped" in problem.message and "swapped" in (problem.hint or "")


def test_unclosed_ring(tmp_path: Path) -> None:
    open_ring = [SQUARE[0][:-1]]
    problems = _validate(tmp_path, _collection(_feature("59001", _polygon()), _feature("59002", _polygon()),
                                               _feature("59003", _polygon(open_ring))))
    problem = _single(problems, "geometry-error")
    _at_feature(problem, 3, "59003", "geometry")
    assert "ring 1 is not closed" in problem.message


def test_unclosed_ring_of_a_multipolygon_names_the_polygon(tmp_path: Path) -> None:
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE, [SQUARE[0][:-1]]]}
    problem = _single(_validate(tmp_path, _collection(_feature("59001", multi))), "geometry-error")
    _at_feature(problem, 1, "59001", "geometry")
    assert "polygon 2: ring 1 is not closed" in problem.message


def test_self_intersecting_bow_tie(tmp_path: Path) -> None:
    problems = _validate(tmp_path, _collection(_feature("59001", _polygon(BOW_TIE))))
    problem = _single(problems, "geometry-error")
    _at_feature(problem, 1, "59001", "geometry")
    assert "Self-intersection[3.05 50.05]" in problem.message
    assert problem.value == "Self-intersection[3.05 50.05]"
    assert "bow-tie" in (problem.hint or "")


@pytest.mark.parametrize("geometry", [None, "absent"])
def test_missing_geometry(tmp_path: Path, geometry: Any) -> None:
    feature = _feature("59001", geometry)
    if geometry == "absent":
        del feature["geometry"]
    problems = _validate(tmp_path, _collection(_feature("59002", _polygon()), feature))
    problem = _single(problems, "geometry-error")
    _at_feature(problem, 2, "59001", "geometry")
    assert "has no geometry" in problem.message


def test_unknown_geometry_type(tmp_path: Path) -> None:
    unknown = {"type": "Polygone", "coordinates": SQUARE}
    problem = _single(_validate(tmp_path, _collection(_feature("59001", unknown))), "geometry-error")
    _at_feature(problem, 1, "59001", "geometry")
    assert 'unknown type "Polygone"' in problem.message
    assert "MultiPolygon" in (problem.hint or "")


@pytest.mark.parametrize(("coordinates", "expected"), [
    ([3.0], "[3.0] is not a position"),
    (["3.0", 50.0], 'holds "3.0", which is not a number'),
    ([], "is not a position"),
])
def test_malformed_point(tmp_path: Path, coordinates: Any, expected: str) -> None:
    point = {"type": "Point", "coordinates": coordinates}
    problem = _single(_validate(tmp_path, _collection(_feature("59001", point))), "geometry-error")
    _at_feature(problem, 1, "59001", "geometry")
    assert expected in problem.message


def test_a_broken_member_of_a_geometry_collection(tmp_path: Path) -> None:
    collection = {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [3.0, 50.0]},
        {"type": "LineString", "coordinates": [[3.0, 50.0]]}]}
    problem = _single(_validate(tmp_path, _collection(_feature("59001", collection))), "geometry-error")
    _at_feature(problem, 1, "59001", "geometry")
    assert "geometry 2 of its collection" in problem.message and "at least 2" in problem.message


def test_feature_id_is_preferred_to_the_primary_key(tmp_path: Path) -> None:
    feature = {"id": "commune-1", **_feature("59001", _polygon(BOW_TIE))}
    problem = _single(_validate(tmp_path, _collection(feature)), "geometry-error")
    _at_feature(problem, 1, "commune-1", "geometry")


def test_bare_feature_is_read_as_a_collection(tmp_path: Path) -> None:
    feature = _feature("59", _polygon())
    assert _validate(tmp_path, feature) == []
    converted = convert_geojson(_resource(tmp_path / "in", feature), tmp_path / "out")
    written = json.loads((tmp_path / "out" / "zones.geojson").read_text(encoding="utf-8"))
    assert written["type"] == "FeatureCollection" and len(written["features"]) == 1
    assert written["features"][0]["properties"] == feature["properties"]
    assert converted.rows == 1 and converted.geo is not None and converted.geo.feature_count == 1


def test_not_json(tmp_path: Path) -> None:
    broken = '{"type": "FeatureCollection",\n  "features": [,]}'
    problem = _single(_validate(tmp_path, broken), "geojson-error")
    assert problem.row is None
    assert "not valid JSON" in problem.message and "line 2, column 16" in problem.message
    assert problem.hint


def test_not_utf8(tmp_path: Path) -> None:
    text = json.dumps(_collection(_feature("59001", _polygon())), ensure_ascii=False)
    text = text.replace("Commune", "Cômmune")
    problem = _single(_validate(tmp_path, text.encode("cp1252")), "encoding-error")
    assert "not valid UTF-8" in problem.message and "0xF4" in problem.message and "line 1" in problem.message
    assert "UTF-8" in (problem.hint or "")


def test_nan_is_not_json(tmp_path: Path) -> None:
    problem = _single(_validate(tmp_path, '{"type":"Point","coordinates":[NaN, 50]}'), "geojson-error")
    assert "NaN" in problem.message


@pytest.mark.parametrize(("document", "expected"), [
    ({"type": "Topology", "objects": {}}, 'type "Topology"'),
    ({"type": "Polygon", "coordinates": SQUARE}, 'type "Polygon"'),
    ([{"type": "Feature"}], "JSON array"),
    ({"features": []}, 'no "type"'),
])
def test_wrong_top_level_type(tmp_path: Path, document: Any, expected: str) -> None:
    problem = _single(_validate(tmp_path, document), "geojson-error")
    assert expected in problem.message and problem.row is None and problem.hint


def test_a_feature_that_is_not_a_feature(tmp_path: Path) -> None:
    problems = _validate(tmp_path, _collection(_feature("59001", _polygon()), _polygon()))
    problem = _single(problems, "geojson-error")
    assert problem.row == 2
    assert 'Feature 2 is not a GeoJSON Feature: it is an object of type "Polygon"' in problem.message


def test_projected_crs_member(tmp_path: Path) -> None:
    document = {**_collection(_feature("59001", _polygon())),
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}}
    problem = _single(_validate(tmp_path, document), "coordinate-error")
    assert "EPSG::2154" in problem.message and "WGS84" in (problem.hint or "")
    crs84 = {**document, "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}}
    assert _validate(tmp_path / "crs84", crs84) == []


def test_empty_collection(tmp_path: Path) -> None:
    assert _single(_validate(tmp_path, _collection()), "no-rows").row is None


def test_property_of_the_wrong_type(tmp_path: Path) -> None:
    problems = _validate(tmp_path, _collection(_feature("59001", _polygon()),
                                               _feature("59350", _polygon(), population="douze")))
    problem = _single(problems, "type-error")
    _at_feature(problem, 2, "59350", "population")
    assert problem.value == "douze"
    assert '"population" is "douze", which is not a valid integer' in problem.message
    assert "whole number" in (problem.hint or "")


def test_a_number_where_a_string_is_expected(tmp_path: Path) -> None:
    feature = _feature("x", _polygon())
    feature["properties"]["code"] = 59350
    problem = _single(_validate(tmp_path, _collection(feature)), "type-error")
    _at_feature(problem, 1, "59350", "code")
    assert problem.value == "59350" and "JSON string" in (problem.hint or "")


def test_duplicate_primary_key(tmp_path: Path) -> None:
    problems = _validate(tmp_path, _collection(_feature("59001", _polygon()), _feature("59002", _polygon()),
                                               _feature("59001", _polygon())))
    problem = _single(problems, "primary-key")
    _at_feature(problem, 3, "59001", "code")
    assert problem.value == "59001" and "the same as feature 1" in problem.message


def test_missing_primary_key(tmp_path: Path) -> None:
    feature = _feature("59001", _polygon())
    feature["properties"]["code"] = None
    problem = _single(_validate(tmp_path, _collection(feature)), "primary-key")
    _at_feature(problem, 1, None, "code")
    assert "missing or null" in problem.message


def test_unique_and_required_constraints(tmp_path: Path) -> None:
    schema = copy.deepcopy(SCHEMA)
    schema["fields"][1]["constraints"] = {"unique": True}
    schema["fields"][2]["constraints"] = {"required": True, "minimum": 0}
    first, second, third = (_feature(c, _polygon()) for c in ("59001", "59002", "59003"))
    second["properties"]["nom"] = first["properties"]["nom"]
    third["properties"]["population"] = None
    second["properties"]["population"] = -4
    problems = _validate(tmp_path, _collection(first, second, third), schema)
    unique = _single(problems, "unique-error")
    _at_feature(unique, 2, "59002", "nom")
    assert "like feature 1" in unique.message
    constraints = [p for p in problems if p.code == "constraint-error"]
    required, minimum = sorted(constraints, key=lambda p: -(p.row or 0))
    _at_feature(required, 3, "59003", "population")
    assert "required but is missing or null" in required.message
    _at_feature(minimum, 2, "59002", "population")
    assert minimum.value == "-4" and "at least 0" in (minimum.hint or "")


def test_property_not_in_the_schema(tmp_path: Path) -> None:
    problems = _validate(tmp_path, _collection(_feature("59001", _polygon()),
                                               _feature("59002", _polygon(), surface=12.5),
                                               _feature("59003", _polygon(), surface=3.0)))
    problem = _single(problems, "extra-label")
    _at_feature(problem, 2, "59002", "surface")
    assert '"surface", which the schema does not declare (2 feature(s) have it)' in problem.message


def test_schema_field_absent_from_every_feature(tmp_path: Path) -> None:
    schema = copy.deepcopy(SCHEMA)
    schema["fields"].append({"name": "surface", "type": "number", "constraints": {"required": True}})
    document = _collection(_feature("59001", _polygon()), _feature("59002", _polygon()))
    problems = _validate(tmp_path, document, schema)
    problem = _single(problems, "missing-label")  # once, not a required error per feature
    assert problem.field == "surface" and problem.row is None
    assert problems == [problem]


def test_problems_render_by_feature(tmp_path: Path) -> None:
    problems = _validate(tmp_path, _collection(_feature("59001", _polygon(BOW_TIE))))
    problem = _single(problems, "geometry-error")
    assert problem.render().startswith('ERROR datasets/geo/zones.geojson, feature 1, column "geometry" '
                                       '(geometry-error): Feature 1 (id "59001") has an invalid geometry')


# --- conversion -----------------------------------------------------------------------------------

TYPED_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "code", "type": "string"},
        {"name": "nom", "type": "string"},
        {"name": "population", "type": "integer"},
        {"name": "densite", "type": "number"},
        {"name": "littoral", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
        {"name": "creation", "type": "date"},
        {"name": "tags", "type": "array"},
    ],
    "primaryKey": ["code"],
}
HOLED = [[[3.2, 50.0], [3.4, 50.0], [3.4, 50.2], [3.2, 50.2], [3.2, 50.0]],
         [[3.25, 50.05], [3.25, 50.1], [3.3, 50.1], [3.3, 50.05], [3.25, 50.05]]]
TYPED_FEATURES = [
    {"type": "Feature", "id": 1, "properties": {
        "code": "59001", "nom": "Abancourt", "population": 466, "densite": 61.26, "littoral": "non",
        "creation": "1790-03-04", "tags": ["rural"]},
     "geometry": {"type": "Polygon", "coordinates": [[[3.0, 50.0], [3.1, 50.0], [3.1000004, 50.1],
                                                      [3.0, 50.1], [3.0, 50.0]]]}},
    {"type": "Feature", "properties": {
        "code": "59183", "nom": "Dunkerque", "population": 86279, "densite": 1.5e3, "littoral": True,
        "creation": None, "tags": []},
     "geometry": {"type": "MultiPolygon", "coordinates": [HOLED, [[[3.5, 50.0], [3.6, 50.0], [3.6, 50.1],
                                                                    [3.5, 50.0]]]]}},
    {"type": "Feature", "properties": {
        "code": "59350", "nom": "Lille", "population": None, "densite": None, "littoral": False,
        "creation": "2000-01-01", "tags": None},
     "geometry": {"type": "Point", "coordinates": [3.0573, 50.6292]}},
]


def _typed_resource(folder: Path, features: list[dict[str, Any]] | None = None,
                    precision: int = 6) -> Resource:
    return _resource(folder, _collection(*(features or TYPED_FEATURES)), TYPED_SCHEMA, precision=precision)


def test_converted_files_and_summary(tmp_path: Path) -> None:
    resource = _typed_resource(tmp_path / "in")
    assert validate_geojson(_dataset(resource), resource, tmp_path) == []
    converted = convert_geojson(resource, tmp_path / "out")
    assert [(f.format, f.filename, f.media_type) for f in converted.files] == [
        ("GeoJSON", "zones.geojson", "application/geo+json"),
        ("GeoParquet", "zones.parquet", "application/vnd.apache.parquet"),
        ("CSV", "zones.csv", "text/csv"),
        ("Table Schema", "zones.schema.json", "application/schema+json"),
    ]
    for file in converted.files:
        path = tmp_path / "out" / file.filename
        assert file.size == path.stat().st_size and file.sha256 == sha256_file(path)
    assert converted.display_file == "zones.display.topojson"
    assert (tmp_path / "out" / "zones.display.topojson").is_file()
    assert converted.geo is not None
    assert converted.geo.feature_count == 3 == converted.rows
    assert converted.geo.geometry_types == ("MultiPolygon", "Point", "Polygon")
    assert converted.geo.bbox == (3.0, 50.0, 3.6, 50.6292)
    assert converted.columns == tuple(f["name"] for f in TYPED_SCHEMA["fields"])
    assert converted.preview[0][:5] == ("59001", "Abancourt", "466", "61.26", "false")
    assert converted.examples["creation"] == "1790-03-04"
    profile = {p.name: p for p in converted.profile}
    assert profile["population"].minimum == "466" and profile["population"].maximum == "86279"


def test_geojson_is_normalised_and_typed(tmp_path: Path) -> None:
    convert_geojson(_typed_resource(tmp_path / "in", precision=5), tmp_path / "out")
    text = (tmp_path / "out" / "zones.geojson").read_text(encoding="utf-8")
    assert text.startswith('{"type":"FeatureCollection","features":[\n{"type":"Feature","id":1,')
    assert text.endswith("}}\n]}\n") and "}},\n{" in text
    assert ": " not in text and "Dunkerque" in text and len(text.splitlines()) == 5
    features = json.loads(text)["features"]
    assert features[0]["properties"] == {"code": "59001", "nom": "Abancourt", "population": 466,
                                         "densite": 61.26, "littoral": False, "creation": "1790-03-04",
                                         "tags": ["rural"]}
    assert features[1]["properties"]["littoral"] is True and features[1]["properties"]["densite"] == 1500.0
    assert features[2]["properties"]["population"] is None and "id" not in features[2]
    # 3.1000004 rounded to 5 decimals; exterior rings counter-clockwise, holes clockwise (RFC 7946).
    assert [3.1, 50.1] in features[0]["geometry"]["coordinates"][0]
    holed = shape(features[1]["geometry"]).geoms[0]
    assert holed.exterior.is_ccw and not holed.interiors[0].is_ccw


def test_round_trip_geojson_geoparquet_geojson(tmp_path: Path) -> None:
    convert_geojson(_typed_resource(tmp_path / "in"), tmp_path / "out")
    table = pq.read_table(tmp_path / "out" / "zones.parquet")
    assert table.schema.field("population").type == pa.int64()
    assert table.schema.field("densite").type == pa.float64()
    assert table.schema.field("littoral").type == pa.bool_()
    assert table.schema.field("creation").type == pa.date32()
    assert table.schema.field("geometry").type == pa.binary()
    # Back to GeoJSON features from the Parquet file alone.
    def as_json(name: str, value: Any) -> Any:
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return json.loads(value) if name == "tags" and value is not None else value

    rows = table.drop_columns(["geometry"]).to_pylist()
    back = [{"properties": {k: as_json(k, v) for k, v in row.items()}, "geometry": shapely.from_wkb(wkb)}
            for row, wkb in zip(rows, table.column("geometry").to_pylist(), strict=True)]
    written = json.loads((tmp_path / "out" / "zones.geojson").read_text(encoding="utf-8"))["features"]
    for source, geojson, parquet in zip(TYPED_FEATURES, written, back, strict=True):
        assert parquet["properties"] == geojson["properties"]
        assert shapely.equals_exact(parquet["geometry"], shape(geojson["geometry"]), tolerance=0)
        rounded = shapely.set_precision(shape(source["geometry"]), 1e-6)
        assert shapely.equals(parquet["geometry"], rounded)
        assert parquet["properties"]["code"] == source["properties"]["code"]


def test_geoparquet_metadata(tmp_path: Path) -> None:
    convert_geojson(_typed_resource(tmp_path / "in"), tmp_path / "out")
    parquet = pq.ParquetFile(tmp_path / "out" / "zones.parquet")
    metadata = parquet.schema_arrow.metadata
    geo = json.loads(metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB"
    assert column["geometry_types"] == ["MultiPolygon", "Point", "Polygon"]
    assert column["bbox"] == [3.0, 50.0, 3.6, 50.6292]
    assert "crs" not in column  # omitted: OGC:CRS84
    assert json.loads(metadata[b"table_schema"]) == TYPED_SCHEMA
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"


def test_geopandas_reads_the_geoparquet(tmp_path: Path) -> None:
    convert_geojson(_typed_resource(tmp_path / "in"), tmp_path / "out")
    frame = geopandas.read_parquet(tmp_path / "out" / "zones.parquet")
    assert frame.crs is not None and frame.crs.equals("EPSG:4326", ignore_axis_order=True)
    assert frame.crs.to_string() == "OGC:CRS84"
    from_geojson = geopandas.read_file(tmp_path / "out" / "zones.geojson")
    assert list(frame["code"]) == ["59001", "59183", "59350"]
    assert all(shapely.equals(frame.geometry.values, from_geojson.geometry.values))


def test_gdal_reads_the_geoparquet(tmp_path: Path) -> None:
    if "Parquet" not in pyogrio.list_drivers():
        pytest.skip(f"the GDAL {pyogrio.__gdal_version_string__} bundled with pyogrio has no Parquet driver")
    convert_geojson(_typed_resource(tmp_path / "in"), tmp_path / "out")
    frame = pyogrio.read_dataframe(tmp_path / "out" / "zones.parquet")
    assert list(frame["code"]) == ["59001", "59183", "59350"]
    assert frame.crs.equals("EPSG:4326", ignore_axis_order=True)


def test_csv_of_points_has_longitude_and_latitude(tmp_path: Path) -> None:
    points = [_feature("59350", {"type": "Point", "coordinates": [3.0573, 50.6292]}),
              _feature("59009", {"type": "Point", "coordinates": [3.1417, 50.6233]})]
    converted = convert_geojson(_resource(tmp_path / "in", _collection(*points)), tmp_path / "out")
    assert (tmp_path / "out" / "zones.csv").read_text(encoding="utf-8").splitlines()[:2] == [
        "code,nom,population,longitude,latitude", '"59350","Commune 59350","100","3.0573","50.6292"']
    schema = json.loads((tmp_path / "out" / "zones.schema.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in schema["fields"]] == ["code", "nom", "population", "longitude", "latitude"]
    assert converted.columns[-2:] == ("longitude", "latitude")
    # The CSV and its schema agree for frictionless too.
    report = frictionless.Resource(path="zones.csv", basepath=str(tmp_path / "out"),
                                   schema=frictionless.Schema.from_descriptor(schema)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_altitudes_are_kept_in_downloads_and_dropped_for_display(tmp_path: Path) -> None:
    features = [_feature("a", {"type": "Point", "coordinates": [3.0, 50.0, 12.5]}),
                _feature("b", _polygon([[[3.0, 50.0, 1], [3.1, 50.0, 2], [3.1, 50.1, 3], [3.0, 50.0, 1]]])),
                _feature("c", {"type": "LineString", "coordinates": [[3.0, 50.0], [3.1, 50.2]]})]
    converted = convert_geojson(_resource(tmp_path / "in", _collection(*features)), tmp_path / "out")
    assert converted.geo is not None and converted.geo.geometry_types == ("LineString", "Point", "Polygon")
    written = json.loads((tmp_path / "out" / "zones.geojson").read_text(encoding="utf-8"))["features"]
    assert written[0]["geometry"]["coordinates"] == [3.0, 50.0, 12.5]
    geo = json.loads(pq.ParquetFile(tmp_path / "out" / "zones.parquet").schema_arrow.metadata[b"geo"])
    assert geo["columns"]["geometry"]["geometry_types"] == ["LineString", "Point Z", "Polygon Z"]
    assert geopandas.read_parquet(tmp_path / "out" / "zones.parquet").geometry.values[0].z == 12.5
    decoded = decode(_topology(tmp_path / "out" / str(converted.display_file)))
    assert not any(g.has_z for g in decoded)


def test_csv_of_polygons_has_only_the_properties(tmp_path: Path) -> None:
    convert_geojson(_typed_resource(tmp_path / "in"), tmp_path / "out")
    lines = (tmp_path / "out" / "zones.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code,nom,population,densite,littoral,creation,tags"
    # Quoted like the tabular conversion's CSV (every value is text there too).
    assert lines[1] == '"59001","Abancourt","466","61.26","false","1790-03-04","[""rural""]"'


def test_conversion_is_deterministic(tmp_path: Path) -> None:
    resource = _typed_resource(tmp_path / "in")
    convert_geojson(resource, tmp_path / "a")
    convert_geojson(resource, tmp_path / "b")
    script = ("import sys; from pathlib import Path; from tests.test_geo import _typed_resource;"
              "from pipeline.geo.convert import convert_geojson;"
              "convert_geojson(_typed_resource(Path(sys.argv[1]) / 'in'), Path(sys.argv[1]) / 'c')")
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONHASHSEED": "12345"})
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 5
    for name in names:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name


# --- the display TopoJSON -----------------------------------------------------------------------

def _neighbours() -> tuple[Polygon, Polygon]:
    """Two squares whose common border wiggles: simplified one by one, they overlap and part."""
    steps = 40
    border = [(3.05 + 0.003 * math.sin(i * 0.9) + 0.0008 * (-1) ** i, 50.0 + 0.1 * i / steps)
              for i in range(steps + 1)]
    border[0], border[-1] = (3.05, 50.0), (3.05, 50.1)
    left = Polygon([(3.0, 50.0), *border, (3.0, 50.1), (3.0, 50.0)])
    right = Polygon([(3.1, 50.0), (3.1, 50.1), *border[::-1], (3.1, 50.0)])
    return left, right


def _topology(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_display_topojson_keeps_shared_borders(tmp_path: Path) -> None:
    left, right = _neighbours()
    # The control: simplifying each polygon on its own opens gaps and overlaps.
    alone = [g.simplify(0.004) for g in (left, right)]
    assert alone[0].intersection(alone[1]).area > 1e-5
    features = [_feature(str(i), json.loads(shapely.to_geojson(g))) for i, g in enumerate((left, right))]
    resource = _resource(tmp_path / "in", _collection(*features))
    converted = convert_geojson(resource, tmp_path / "out", simplify_tolerance=0.004)
    topology = _topology(tmp_path / "out" / str(converted.display_file))
    assert list(topology["objects"]) == ["data"] and "transform" in topology  # quantized
    a, b = decode(topology)
    assert len(a.exterior.coords) < len(left.exterior.coords) / 2  # simplified
    assert a.is_valid and b.is_valid
    assert a.intersection(b).area < 1e-9  # no overlap
    union = shapely.union(a, b)
    assert union.geom_type == "Polygon" and not union.interiors  # no gap
    assert math.isclose(union.area, a.area + b.area, rel_tol=1e-9)
    assert math.isclose(union.area, 0.01, rel_tol=1e-3)
    assert [g["properties"]["code"] for g in topology["objects"]["data"]["geometries"]] == ["0", "1"]
    assert all("id" not in g for g in topology["objects"]["data"]["geometries"])


def test_display_topojson_is_compact_with_full_properties(tmp_path: Path) -> None:
    convert_geojson(_typed_resource(tmp_path / "in"), tmp_path / "out")
    text = (tmp_path / "out" / "zones.display.topojson").read_text(encoding="utf-8")
    topology = json.loads(text)
    assert text == json.dumps(topology, ensure_ascii=False, separators=(",", ":"))
    properties = [g["properties"] for g in topology["objects"]["data"]["geometries"]]
    written = json.loads((tmp_path / "out" / "zones.geojson").read_text(encoding="utf-8"))["features"]
    assert properties == [f["properties"] for f in written]


def test_display_topojson_of_points_and_polygons_is_faithful(tmp_path: Path) -> None:
    # topojson 2.2 corrupts such mixed layers when it simplifies them: they are only quantized.
    converted = convert_geojson(_typed_resource(tmp_path / "in"), tmp_path / "out")
    decoded = decode(_topology(tmp_path / "out" / str(converted.display_file)))
    source = [shape(f["geometry"]) for f in TYPED_FEATURES]
    assert max(shapely.hausdorff_distance(d, s) for d, s in zip(decoded, source, strict=True)) < 1e-5


def test_gdal_reads_the_display_topojson(tmp_path: Path) -> None:
    if "TopoJSON" not in pyogrio.list_drivers():
        pytest.skip("this GDAL has no TopoJSON driver")
    left, right = _neighbours()
    features = [_feature(str(i), json.loads(shapely.to_geojson(g))) for i, g in enumerate((left, right))]
    converted = convert_geojson(_resource(tmp_path / "in", _collection(*features)), tmp_path / "out")
    frame = pyogrio.read_dataframe(tmp_path / "out" / str(converted.display_file))
    assert sorted(frame["code"]) == ["0", "1"]
    assert math.isclose(shapely.union_all(frame.geometry.values).area, 0.01, rel_tol=1e-3)


# --- tables drawn as points -----------------------------------------------------------------------

POINT_SCHEMA: dict[str, Any] = {"fields": [
    {"name": "uai", "type": "string"},
    {"name": "nom", "type": "string"},
    {"name": "lat", "type": "number", "decimalChar": ","},
    {"name": "lon", "type": "number", "decimalChar": ","},
    {"name": "ouverture", "type": "date"},
]}


def _point_table(folder: Path, rows: str) -> Resource:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "colleges.csv"
    path.write_text("uai;nom;lat;lon;ouverture\n" + rows, encoding="utf-8")
    return Resource(name="colleges", title="Collèges", path=path, relpath=path.name, format="csv",
                    encoding="utf-8", dialect={"delimiter": ";"}, schema=POINT_SCHEMA, schema_source="inline",
                    map=MapSpec(kind="points", latitude="lat", longitude="lon", label="nom"), precision=5)


POINT_ROWS = ("0590001A;Collège Albert Camus;50,6292;3,0573;1970-09-01\n"
              "0590002B;Collège sans adresse;;;1980-09-01\n"
              "0590003C;Collège Jean Zay;50,2345678;3,1;\n"
              "0590004D;Collège du port;51,0343;2,3768;2001-09-01\n")


def test_point_table_conversion(tmp_path: Path) -> None:
    resource = _point_table(tmp_path / "in", POINT_ROWS)
    out = tmp_path / "out"
    convert_resource(resource, out)
    typed = pq.read_table(out / "colleges.parquet")  # as the build does
    files, display, summary = convert_point_table(resource, typed, out)
    assert [(f.format, f.filename) for f in files] == [("GeoJSON", "colleges.geojson"),
                                                       ("GeoParquet", "colleges.geo.parquet")]
    assert display == "colleges.display.topojson" and (out / display).is_file()
    assert summary.feature_count == 3  # the row without coordinates is left out
    assert summary.geometry_types == ("Point",)
    assert summary.bbox == (2.3768, 50.23457, 3.1, 51.0343)
    features = json.loads((out / "colleges.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["geometry"]["coordinates"] for f in features] == [[3.0573, 50.6292], [3.1, 50.23457],
                                                               [2.3768, 51.0343]]
    assert features[0]["properties"]["ouverture"] == "1970-09-01"
    assert features[1]["properties"]["ouverture"] is None
    frame = geopandas.read_parquet(out / "colleges.geo.parquet")
    assert list(frame["uai"]) == ["0590001A", "0590003C", "0590004D"]
    assert frame.crs.to_string() == "OGC:CRS84"
    decoded = decode(_topology(out / display))
    assert [(round(p.x, 4), round(p.y, 4)) for p in decoded] == [
        (3.0573, 50.6292), (3.1, 50.2346), (2.3768, 51.0343)]
    for file in files:
        assert file.sha256 == sha256_file(out / file.filename)


def test_point_table_out_of_range(tmp_path: Path) -> None:
    lambert = "0590005E;Collège Lambert;7059432;705123;\n"
    resource = _point_table(tmp_path / "datasets" / "geo", POINT_ROWS + lambert)
    problem = _single(validate_point_table(_dataset(resource), resource, tmp_path), "coordinate-error")
    assert problem.row == 6 and problem.field == "lat" and problem.value == "7.05943e+06"
    assert "Lambert-93" in (problem.hint or "")
    convert_resource(resource, tmp_path / "out")
    with pytest.raises(ValueError, match="row 6"):
        convert_point_table(resource, pq.read_table(tmp_path / "out" / "colleges.parquet"), tmp_path / "out")


def test_point_table_with_swapped_axes_warns(tmp_path: Path) -> None:
    resource = _point_table(tmp_path / "datasets" / "geo", "0590001A;Collège;3,0573;50,6292;\n")
    problem = _single(validate_point_table(_dataset(resource), resource, tmp_path), "coordinate-error")
    assert problem.severity == "warning" and "swapped" in problem.message


def test_point_table_valid_has_no_problem(tmp_path: Path) -> None:
    resource = _point_table(tmp_path / "datasets" / "geo", POINT_ROWS)
    assert validate_point_table(_dataset(resource), resource, tmp_path) == []


# --- the real communes of the Nord ----------------------------------------------------------------

NORD_SCHEMA: dict[str, Any] = {"fields": [
    {"name": "code", "type": "string", "constraints": {"pattern": "59[0-9]{3}"}},
    {"name": "nom", "type": "string"}]}


def _nord(tmp_path: Path, name: str, key: list[str] | None = None) -> Resource:
    source = SHARED_DATA / "geo" / f"{name}.geojson"
    schema = {**NORD_SCHEMA, **({"primaryKey": key} if key else {})}
    if name.startswith("departement"):
        schema = {"fields": [{"name": "code", "type": "string"}, {"name": "nom", "type": "string"}]}
    return Resource(name=name, title=name, path=source, relpath=source.name, format="geojson",
                    encoding="utf-8", dialect={}, schema=schema, schema_source="inline",
                    map=MapSpec(kind="shapes"), precision=5)


@requires_shared_data()
def test_nord_communes_validate_and_convert(tmp_path: Path) -> None:
    resource = _nord(tmp_path, "communes-59-nord", ["code"])
    started = time.perf_counter()
    problems = validate_geojson(_dataset(resource), resource, SHARED_DATA)
    validated = time.perf_counter()
    assert problems == []
    converted = convert_geojson(resource, tmp_path / "out")
    done = time.perf_counter()
    assert converted.geo is not None
    assert converted.rows == converted.geo.feature_count == 648
    assert converted.geo.geometry_types == ("MultiPolygon", "Polygon")
    display = tmp_path / "out" / str(converted.display_file)
    geojson = tmp_path / "out" / "communes-59-nord.geojson"
    print(f"\n648 communes: validated in {validated - started:.2f} s, converted in {done - validated:.2f} s; "
          f"GeoJSON {geojson.stat().st_size:,} bytes, display TopoJSON {display.stat().st_size:,} bytes")
    assert display.stat().st_size < geojson.stat().st_size / 3
    # Precision 5 = the source's: the GeoJSON download keeps every position.
    source = json.loads(resource.path.read_text(encoding="utf-8"))["features"]
    written = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert all(shapely.equals(shape(s["geometry"]), shape(w["geometry"]))
               for s, w in zip(source, written, strict=True))
    # No gaps, no overlaps between the simplified communes.
    decoded = decode(_topology(display))
    areas = sum(g.area for g in decoded)
    assert math.isclose(shapely.union_all(decoded).area, areas, rel_tol=1e-6)
    original = shapely.union_all([shape(f["geometry"]) for f in source]).area
    assert math.isclose(areas, original, rel_tol=1e-3)
    assert all(g.is_valid for g in decoded)


@requires_shared_data()
def test_nord_departement_is_a_bare_feature(tmp_path: Path) -> None:
    resource = _nord(tmp_path, "departement-59-nord")
    assert validate_geojson(_dataset(resource), resource, SHARED_DATA) == []
    converted = convert_geojson(resource, tmp_path / "out")
    assert converted.geo is not None and converted.geo.feature_count == 1
    assert converted.geo.geometry_types == ("MultiPolygon",)
    assert converted.preview == (("59", "Nord"),)


def _colleges(latitude: str, longitude: str) -> Resource:
    path = SHARED_DATA / "nord" / "colleges-geolocalisation-59-nord.csv"
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    numbers = {"coordonnee_x", "coordonnee_y", "latitude", "longitude"}
    schema = {"fields": [{"name": n, "type": "number" if n in numbers else "string"} for n in header]}
    return Resource(name="colleges", title="Collèges", path=path, relpath=path.name, format="csv",
                    encoding="utf-8", dialect={"delimiter": ";"}, schema=schema, schema_source="inline",
                    map=MapSpec(kind="points", latitude=latitude, longitude=longitude), precision=6)


@requires_shared_data()
def test_nord_colleges_as_points(tmp_path: Path) -> None:
    resource = _colleges("latitude", "longitude")
    assert validate_point_table(_dataset(resource), resource, SHARED_DATA) == []
    convert_resource(resource, tmp_path)
    typed = pq.read_table(tmp_path / "colleges.parquet")
    _, display, summary = convert_point_table(resource, typed, tmp_path)
    assert typed.num_rows == 291 and summary.feature_count == 289  # 2 collèges have no coordinates
    west, south, east, north = summary.bbox
    assert 2.0 < west < east < 4.3 and 50.0 < south < north < 51.1
    assert len(decode(_topology(tmp_path / display))) == 289


@requires_shared_data()
def test_nord_colleges_in_lambert93_are_refused(tmp_path: Path) -> None:
    resource = _colleges("coordonnee_y", "coordonnee_x")  # metres, not degrees
    problems = validate_point_table(_dataset(resource), resource, SHARED_DATA)
    assert len(problems) == 289 and {p.code for p in problems} == {"coordinate-error"}
    assert problems[0].row == 2 and problems[0].field == "coordonnee_y"
    assert "Lambert-93" in (problems[0].hint or "")
