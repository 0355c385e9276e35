"""One GeoJSON geometry: is it well formed and in WGS84 degrees? Then shapely geometries for output.

The structure is checked by hand before shapely sees it, because shapely silently closes
open rings and reports malformed arrays as bare exceptions; data officers need to know
which ring or which position is wrong.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

# How deep the arrays of positions are nested in `coordinates`, by geometry type.
DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
         "MultiPolygon": 3}
KNOWN = (*DEPTH, "GeometryCollection")
# Lambert-93 and other projected systems give metres: thousands, not degrees.
PROJECTED_MAGNITUDE = 1000.0

GEOMETRY_HINT = ("Repair the geometry (QGIS: Vector > Geometry Tools > Fix Geometries, or "
                 "Processing > Check Validity) and export the layer again as GeoJSON.")
TYPE_HINT = f"Use one of the GeoJSON geometry types: {', '.join(KNOWN)} (the case matters)."
MISSING_HINT = ("Every feature needs a geometry to be drawn: draw it, or remove the feature "
                "(a table without geometry belongs in a CSV resource).")
GENERIC_RANGE_HINT = (
    "GeoJSON positions are [longitude, latitude] in WGS84 degrees. Check that latitude and "
    "longitude are not swapped, and that the layer is not in Lambert-93 (EPSG:2154) or another "
    "projected system: if it is, reproject it to WGS84 (QGIS: Save Features As, CRS EPSG:4326; "
    "ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson).")
PROJECTED_HINT = (
    "These values are metres in a projected system, probably Lambert-93 (EPSG:2154), not degrees: "
    "reproject the layer to WGS84 (QGIS: Save Features As, CRS EPSG:4326; "
    "ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson).")
SWAPPED_HINT = (
    "Latitude and longitude seem swapped: GeoJSON writes [longitude, latitude] (x then y). Swap "
    "the two values of every position (QGIS: Processing > Swap X and Y coordinates).")


@dataclass(frozen=True)
class Issue:
    """What is wrong with a geometry, to be prefixed with the feature's label."""

    code: str  # geometry-error or coordinate-error
    message: str
    hint: str
    value: str | None = None  # the offending position, shown in the report


def geometry_issues(geometry: Any) -> list[Issue]:
    """The first structural or range problem of a geometry; [] when shapely may read it."""
    if geometry is None:
        return [Issue("geometry-error", "has no geometry (null or missing)", MISSING_HINT)]
    if not isinstance(geometry, dict):
        return [Issue("geometry-error", "has a geometry that is not a JSON object", TYPE_HINT)]
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        return _collection_issues(geometry)
    if kind not in DEPTH:
        shown = "no type" if kind is None else f"the unknown type {_show(kind)}"
        return [Issue("geometry-error", f"has a geometry with {shown}", TYPE_HINT)]
    coordinates = geometry.get("coordinates")
    problem = _structure(kind, coordinates)
    if problem:
        return [Issue("geometry-error", f"has a malformed {kind}: {problem}",
                      "Each position is [longitude, latitude] (two numbers). " + GEOMETRY_HINT)]
    return _range_issues(coordinates, DEPTH[kind])


def _collection_issues(geometry: dict[str, Any]) -> list[Issue]:
    members = geometry.get("geometries")
    if not isinstance(members, list) or not members:
        return [Issue("geometry-error", 'has a GeometryCollection without "geometries"', GEOMETRY_HINT)]
    for number, member in enumerate(members, 1):
        for issue in geometry_issues(member):
            message = issue.message.removeprefix("has ")
            return [Issue(issue.code, f"has, as geometry {number} of its collection, {message}",
                          issue.hint, issue.value)]
    return []


def _structure(kind: str, coordinates: Any) -> str | None:
    """Why the coordinates do not fit the type, or None."""
    if kind == "Point":
        return _position_problem(coordinates)
    if not isinstance(coordinates, list) or not coordinates:
        return "its coordinates are empty or not an array (an empty geometry cannot be drawn)"
    if kind.startswith("Multi"):
        single = kind.removeprefix("Multi")
        part = {"Point": "point", "LineString": "line", "Polygon": "polygon"}[single]
        for number, member in enumerate(coordinates, 1):
            problem = _structure(single, member)
            if problem:
                return f"{part} {number}: {problem}"
        return None
    if kind == "LineString":
        return _line_problem(coordinates, 2, "line")
    for number, ring in enumerate(coordinates, 1):
        problem = _line_problem(ring, 4, f"ring {number}")
        if problem:
            return problem
        if ring[0] != ring[-1]:
            return (f"ring {number} is not closed: it starts at {_show(ring[0])} but ends at "
                    f"{_show(ring[-1])} (repeat the first position at the end)")
    return None


def _line_problem(positions: Any, minimum: int, name: str) -> str | None:
    if not isinstance(positions, list):
        return f"{name} is not an array of positions"
    for number, position in enumerate(positions, 1):
        problem = _position_problem(position)
        if problem:
            return f"{name}, position {number}: {problem}"
    if len(positions) < minimum:
        return f"{name} has {len(positions)} position(s), at least {minimum} are needed"
    return None


def _position_problem(position: Any) -> str | None:
    if not isinstance(position, list) or not 2 <= len(position) <= 3:
        return f"{_show(position)} is not a position [longitude, latitude]"
    for value in position:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{_show(position)} holds {_show(value)}, which is not a number"
    return None


def _range_issues(coordinates: Any, depth: int) -> list[Issue]:
    for number, (lon, lat, *_) in enumerate(_positions(coordinates, depth), 1):
        bad = []
        if not -180 <= lon <= 180:
            bad.append(f"longitude {_show(lon)} is not within [-180, 180]")
        if not -90 <= lat <= 90:
            bad.append(f"latitude {_show(lat)} is not within [-90, 90]")
        if bad:
            message = f"has position {number} {_show([lon, lat])} out of range: {' and '.join(bad)}"
            return [Issue("coordinate-error", message, range_hint(lon, lat), _show([lon, lat]))]
    return []


def range_hint(lon: float, lat: float) -> str:
    """Name the likely cause: a projected layer, swapped axes, or either."""
    if min(abs(lon), abs(lat)) > PROJECTED_MAGNITUDE:
        return PROJECTED_HINT
    if abs(lon) <= 90 < abs(lat) <= 180:
        return SWAPPED_HINT
    return GENERIC_RANGE_HINT


def _positions(coordinates: Any, depth: int) -> Iterator[Sequence[float]]:
    if depth == 0:
        yield coordinates
        return
    for member in coordinates:
        yield from _positions(member, depth - 1)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def to_shapely(geometries: Sequence[Any], precision: int) -> np.ndarray:
    """Shapely geometries rounded to `precision` decimals, polygons wound as RFC 7946 asks.

    Rounding uses Python's round() so that every coordinate prints with at most `precision`
    decimals in JSON; the same values go to GeoJSON, GeoParquet and TopoJSON.
    """
    shapes = np.empty(len(geometries), dtype=object)
    shapes[:] = [shape(g) for g in geometries]

    def rounded(coords: np.ndarray) -> np.ndarray:
        values = [round(v, precision) for v in coords.ravel().tolist()]
        return np.array(values, dtype=float).reshape(coords.shape)

    shapes = shapely.transform(shapes, rounded, include_z=None)
    return shapely.orient_polygons(shapes, exterior_cw=False)


def type_names(geometries: np.ndarray, with_z: bool = False) -> tuple[str, ...]:
    """Sorted distinct geometry types; GeoParquet adds ' Z' to three-dimensional ones."""
    names = {g.geom_type + (" Z" if with_z and g.has_z else "") for g in geometries}
    return tuple(sorted(names))


def bounds(geometries: np.ndarray) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geometries))
    return (minx, miny, maxx, maxy)
