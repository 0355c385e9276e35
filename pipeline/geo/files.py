"""Write the geo downloads: GeoJSON, GeoParquet, CSV and Table Schema, byte for byte reproducible.

GeoJSON is written one feature per line with compact separators (small, and diffs between
two releases stay readable); GeoParquet follows GeoParquet 1.1 with WKB geometries and no
`crs` key, which means OGC:CRS84 (longitude, latitude in WGS84).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from shapely.geometry import mapping

from pipeline.convert import PARQUET_OPTIONS, as_text_table, describe_file
from pipeline.geo.geometry import bounds, type_names
from pipeline.model import DataFile

GEOJSON_MEDIA_TYPE = "application/geo+json"
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
GEOPARQUET_VERSION = "1.1.0"
GEOMETRY_COLUMN = "geometry"


def compact_json(value: Any) -> str:
    """Deterministic JSON without spaces; UTF-8 text rather than \\u escapes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_properties(typed: pa.Table, kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each row as JSON values: numbers and booleans native, arrays and objects parsed, the rest
    (dates, times…) as the canonical text of the CSV; NaN and infinities become null."""
    text = as_text_table(typed)
    columns: list[list[Any]] = []
    for name in typed.column_names:
        kind = typed.column(name).type
        if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
            columns.append(typed.column(name).to_pylist())
        elif pa.types.is_floating(kind):
            columns.append([v if v is None or math.isfinite(v) else None
                            for v in typed.column(name).to_pylist()])
        elif kinds.get(name) in ("array", "object"):
            columns.append([None if v is None else json.loads(v) for v in text.column(name).to_pylist()])
        else:
            columns.append(text.column(name).to_pylist())
    names = typed.column_names
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)] if names else [
        {} for _ in range(typed.num_rows)]


def write_geojson(path: Path, geometries: np.ndarray, properties: Sequence[Mapping[str, Any]],
                  ids: Sequence[Any] | None = None) -> DataFile:
    """A FeatureCollection, one feature per line; `id` kept when the source feature had one."""
    last = len(properties) - 1
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        for index, (geometry, props) in enumerate(zip(geometries, properties, strict=True)):
            feature: dict[str, Any] = {"type": "Feature"}
            if ids is not None and ids[index] is not None:
                feature["id"] = ids[index]
            feature["properties"] = dict(props)
            feature["geometry"] = mapping(geometry)
            out.write(compact_json(feature) + (",\n" if index < last else "\n"))
        out.write("]}\n")
    return describe_file("GeoJSON", path, GEOJSON_MEDIA_TYPE)


def geo_metadata(geometries: np.ndarray, column: str = GEOMETRY_COLUMN) -> dict[str, Any]:
    """The GeoParquet `geo` file metadata; no `crs` key means OGC:CRS84."""
    return {
        "version": GEOPARQUET_VERSION,
        "primary_column": column,
        "columns": {
            column: {
                "encoding": "WKB",
                "geometry_types": list(type_names(geometries, with_z=True)),
                "bbox": list(bounds(geometries)),
                "orientation": "counterclockwise",
            }
        },
    }


def write_geoparquet(path: Path, typed: pa.Table, geometries: np.ndarray,
                     schema: Mapping[str, Any]) -> DataFile:
    """The typed columns plus a WKB `geometry` column, zstd, with `geo` and `table_schema` metadata."""
    wkb = shapely.to_wkb(geometries, output_dimension=3, byte_order=1, flavor="iso")
    table = typed.append_column(pa.field(GEOMETRY_COLUMN, pa.binary()), pa.array(wkb, pa.binary()))
    metadata = {
        b"geo": compact_json(geo_metadata(geometries)).encode(),
        b"table_schema": json.dumps(dict(schema), ensure_ascii=False).encode(),
    }
    pq.write_table(table.replace_schema_metadata(metadata), path, **PARQUET_OPTIONS)
    return describe_file("GeoParquet", path, PARQUET_MEDIA_TYPE)


def write_schema(schema: Mapping[str, Any], path: Path) -> DataFile:
    path.write_text(json.dumps(dict(schema), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return describe_file("Table Schema", path, "application/schema+json")
