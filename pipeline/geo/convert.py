"""Convert geodata into downloads and a display layer: GeoJSON resources and point tables.

A GeoJSON resource gives <name>.geojson (normalised), <name>.parquet (GeoParquet), <name>.csv
(its properties, plus longitude/latitude for points) and <name>.schema.json; a table with a
"points" map gives <name>.geojson and <name>.geo.parquet beside its CSV/Parquet/JSON. Both
write <name>.display.topojson for the maps. Coordinates are rounded to the resource's
precision once, so every file holds the same positions; two runs write the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from pipeline.convert import as_text_table, column_profile, example_values, preview_rows, write_csv
from pipeline.geo.document import read_features
from pipeline.geo.files import (
    json_properties,
    write_geojson,
    write_geoparquet,
    write_schema,
)
from pipeline.geo.geometry import bounds, range_hint, to_shapely, type_names
from pipeline.geo.points import first_row
from pipeline.geo.properties import typed_table
from pipeline.geo.topology import write_display
from pipeline.model import ConvertedResource, DataFile, GeoSummary, Resource
from pipeline.typing_arrow import normalised_schema

POINT_COLUMNS = (
    {"name": "longitude", "type": "number", "title": "Longitude",
     "description": "Longitude of the point in decimal degrees (WGS84), from the geometry.",
     "constraints": {"minimum": -180, "maximum": 180}},
    {"name": "latitude", "type": "number", "title": "Latitude",
     "description": "Latitude of the point in decimal degrees (WGS84), from the geometry.",
     "constraints": {"minimum": -90, "maximum": 90}},
)


def convert_geojson(resource: Resource, out_dir: Path,
                    simplify_tolerance: float = 0.002) -> ConvertedResource:
    """Write the downloads of a valid GeoJSON resource and its display TopoJSON.

    simplify_tolerance is in degrees (0.002° ≈ 150-220 m in France): enough for a map of a
    département, where the full outlines would make the page heavy.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    features = read_features(resource.path)
    if not features:
        raise ValueError("the FeatureCollection has no feature")
    geometries = to_shapely([f["geometry"] for f in features], resource.precision)
    typed = typed_table(features, resource.schema)
    properties = json_properties(typed, _kinds(resource))
    table, csv_schema = _with_point_columns(typed, geometries, normalised_schema(resource.schema))
    text = as_text_table(table)
    name = resource.name
    files = (
        write_geojson(out_dir / f"{name}.geojson", geometries, properties, [f.get("id") for f in features]),
        write_geoparquet(out_dir / f"{name}.parquet", typed, geometries, resource.schema),
        write_csv(text, out_dir / f"{name}.csv"),
        write_schema(csv_schema, out_dir / f"{name}.schema.json"),
    )
    display = f"{name}.display.topojson"
    write_display(out_dir / display, geometries, properties, simplify_tolerance)
    return ConvertedResource(
        name=name,
        rows=len(features),
        files=files,
        columns=tuple(table.column_names),
        preview=preview_rows(text),
        profile=tuple(column_profile(table.column(i), n) for i, n in enumerate(table.column_names)),
        examples=example_values(text),
        geo=summarise(geometries),
        display_file=display,
    )


def convert_point_table(resource: Resource, typed: pa.Table, out_dir: Path
                        ) -> tuple[list[DataFile], str, GeoSummary]:
    """GeoJSON, GeoParquet and display TopoJSON of a table whose map is of kind "points".

    Rows with a missing (or NaN) latitude or longitude are left out of the geo files: their
    number is typed.num_rows - summary.feature_count. A coordinate out of range raises
    ValueError naming the row (validate_point_table reports it earlier, as a Problem).
    """
    spec = resource.map
    if spec is None or spec.latitude is None or spec.longitude is None:
        raise ValueError(f"resource {resource.name} has no points map with latitude and longitude")
    lat = pc.cast(typed.column(spec.latitude), pa.float64())
    lon = pc.cast(typed.column(spec.longitude), pa.float64())
    located = pc.and_(pc.and_(pc.is_valid(lat), pc.is_valid(lon)),
                      pc.and_(pc.invert(pc.is_nan(lat)), pc.invert(pc.is_nan(lon))))
    located = pc.fill_null(located, False)
    kept = typed.filter(located)
    if kept.num_rows == 0:
        raise ValueError(f"none of the {typed.num_rows} rows has both a latitude and a longitude")
    rows = np.flatnonzero(located.to_numpy(zero_copy_only=False)) + first_row(resource)
    _check_ranges(lon.filter(located).to_pylist(), lat.filter(located).to_pylist(), rows)
    geometries = _points(lon.filter(located).to_pylist(), lat.filter(located).to_pylist(), resource.precision)
    properties = json_properties(kept, _kinds(resource))
    name = resource.name
    files = [
        write_geojson(out_dir / f"{name}.geojson", geometries, properties),
        write_geoparquet(out_dir / f"{name}.geo.parquet", kept, geometries, resource.schema),
    ]
    display = f"{name}.display.topojson"
    write_display(out_dir / display, geometries, properties, 0.0)
    return files, display, summarise(geometries)


def summarise(geometries: np.ndarray) -> GeoSummary:
    return GeoSummary(feature_count=len(geometries), geometry_types=type_names(geometries),
                      bbox=bounds(geometries))


def _kinds(resource: Resource) -> dict[str, str]:
    return {f.name: f.type for f in resource.fields}


def _with_point_columns(typed: pa.Table, geometries: np.ndarray, schema: dict[str, Any]
                        ) -> tuple[pa.Table, dict[str, Any]]:
    """Add longitude and latitude to the CSV when every geometry is a Point (and the names are free)."""
    free = not {c["name"] for c in POINT_COLUMNS} & set(typed.column_names)
    if not free or not all(g.geom_type == "Point" for g in geometries):
        return typed, schema
    table = typed.append_column("longitude", pa.array(shapely.get_x(geometries), pa.float64()))
    table = table.append_column("latitude", pa.array(shapely.get_y(geometries), pa.float64()))
    return table, {**schema, "fields": [*schema["fields"], *POINT_COLUMNS]}


def _check_ranges(lons: list[float], lats: list[float], rows: np.ndarray) -> None:
    for lon, lat, row in zip(lons, lats, rows, strict=True):
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"row {int(row)}: the position (longitude {lon}, latitude {lat}) is out "
                             f"of range. {range_hint(lon, lat)}")


def _points(lons: list[float], lats: list[float], precision: int) -> np.ndarray:
    xs = [round(v, precision) for v in lons]
    ys = [round(v, precision) for v in lats]
    return shapely.points(np.array(xs, dtype=float), np.array(ys, dtype=float))
