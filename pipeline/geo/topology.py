"""The display layer: a quantized, simplified TopoJSON that maps draw instead of the full GeoJSON.

Simplifying each polygon on its own opens gaps and overlaps between neighbours; the topojson
package simplifies each shared border (arc) once, so neighbouring communes keep a common edge.
The result is decoded and compared with the source geometries before it is written, because
topojson 2.2 corrupts layers that mix points with lines or polygons when it simplifies them:
such layers, and any layer that fails the check, are written quantized but not simplified.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import topojson
from shapely.geometry import mapping, shape

from pipeline.geo.files import compact_json

OBJECT_NAME = "data"
QUANTIZATION = 100_000  # grid of 1e5 steps over the layer's extent: about 1.5 m for a département
POINT_TYPES = {"Point", "MultiPoint"}


def write_display(path: Path, geometries: np.ndarray, properties: Sequence[Mapping[str, Any]],
                  tolerance: float) -> None:
    """Write the TopoJSON (object "data", full properties, no feature ids), compact.

    Altitudes are dropped: maps are flat, and topojson fails on layers mixing 2D and 3D.
    """
    geometries = shapely.force_2d(geometries)
    simplify = tolerance if tolerance > 0 and not _has_points(geometries) else 0.0
    topology = _build(geometries, properties, simplify)
    if simplify and not _faithful(topology, geometries, simplify):
        simplify = 0.0
        topology = _build(geometries, properties, simplify)
    if not _faithful(topology, geometries, simplify):
        raise ValueError("the display TopoJSON does not reproduce the geometries")
    path.write_text(compact_json(topology), encoding="utf-8")


def _build(geometries: np.ndarray, properties: Sequence[Mapping[str, Any]],
           tolerance: float) -> dict[str, Any]:
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": dict(props), "geometry": mapping(geometry)}
        for geometry, props in zip(geometries, properties, strict=True)]}
    built = topojson.Topology(collection, prequantize=QUANTIZATION, toposimplify=tolerance or False,
                              object_name=OBJECT_NAME)
    # Back through JSON: plain Python values (topojson leaves numpy scalars in its output).
    topology: dict[str, Any] = json.loads(built.to_json())
    for geometry in topology["objects"][OBJECT_NAME]["geometries"]:
        geometry.pop("id", None)  # generated "feature_0…": bytes the maps never use
    return topology


def _has_points(geometries: np.ndarray) -> bool:
    parts = shapely.get_parts(geometries[shapely.get_type_id(geometries) == 7])
    kinds = {g.geom_type for g in geometries} | {g.geom_type for g in parts}
    return bool(kinds & POINT_TYPES)


def _faithful(topology: dict[str, Any], geometries: np.ndarray, tolerance: float) -> bool:
    """Each decoded geometry within tolerance of its source (plus quantization error)."""
    decoded = decode(topology)
    if len(decoded) != len(geometries):
        return False
    scale = topology.get("transform", {}).get("scale", [0.0, 0.0])
    allowed = tolerance + 4 * max(scale)
    distances = shapely.hausdorff_distance(np.asarray(decoded, dtype=object), geometries)
    return bool(np.all(distances <= allowed))


def decode(topology: dict[str, Any]) -> list[Any]:
    """The shapely geometries of the object "data", in order (enough TopoJSON to check ours)."""
    transform = topology.get("transform")
    scale = transform["scale"] if transform else (1.0, 1.0)
    shift = transform["translate"] if transform else (0.0, 0.0)

    def position(p: Sequence[float]) -> tuple[float, float]:
        return (p[0] * scale[0] + shift[0], p[1] * scale[1] + shift[1])

    arcs = []
    for arc in topology["arcs"]:
        x = y = 0.0
        points = []
        for p in arc:
            x, y = (x + p[0], y + p[1]) if transform else (p[0], p[1])
            points.append(position((x, y)) if transform else (x, y))
        arcs.append(points)

    def line(indexes: Sequence[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for i in indexes:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    def geojson(g: dict[str, Any]) -> dict[str, Any]:
        kind = g["type"]
        if kind == "GeometryCollection":
            return {"type": kind, "geometries": [geojson(m) for m in g["geometries"]]}
        if kind == "Point":
            return {"type": kind, "coordinates": position(g["coordinates"])}
        if kind == "MultiPoint":
            return {"type": kind, "coordinates": [position(p) for p in g["coordinates"]]}
        if kind == "LineString":
            return {"type": kind, "coordinates": line(g["arcs"])}
        if kind in ("MultiLineString", "Polygon"):
            return {"type": kind, "coordinates": [line(r) for r in g["arcs"]]}
        return {"type": kind, "coordinates": [[line(r) for r in p] for p in g["arcs"]]}

    return [shape(geojson(g)) for g in topology["objects"][OBJECT_NAME]["geometries"]]
