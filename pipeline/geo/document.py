"""Read a GeoJSON file into its list of features, or say precisely why it cannot be read.

Shared by validation and conversion so that both see the same features: a bare Feature is
read as a collection of one (RFC 7946 allows either at the top level).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.geo.geometry import KNOWN

EXPORT_HINT = ("Export the layer again as GeoJSON in WGS84 (QGIS: Export > Save Features As, "
               "format GeoJSON, CRS EPSG:4326; or ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson in.shp).")
WGS84_NAMES = ("CRS84", "EPSG::4326", "EPSG:4326")


class GeoJSONError(ValueError):
    """The file is not a GeoJSON FeatureCollection or Feature: message says why, hint what to do."""

    def __init__(self, message: str, hint: str, code: str = "geojson-error") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


def read_features(path: Path) -> list[Any]:
    """The features of the file, unchecked (each may still be broken: see validate)."""
    data = path.read_bytes()
    if not data.strip():
        raise GeoJSONError("The file is empty.", EXPORT_HINT)
    document = _parse(_decode(data))
    if not isinstance(document, dict):
        raise GeoJSONError(f"The file holds a JSON {json_kind(document)}, not a GeoJSON object.",
                           "The file must be a FeatureCollection. " + EXPORT_HINT)
    kind = document.get("type")
    _check_crs(document)
    if kind == "Feature":
        return [document]
    if kind != "FeatureCollection":
        shown = "no \"type\"" if kind is None else f"type {json.dumps(kind, ensure_ascii=False)}"
        hint = ("A bare geometry must be wrapped in a Feature: "
                '{"type": "Feature", "properties": {...}, "geometry": ...}.'
                if kind in KNOWN else "The file must be a FeatureCollection. " + EXPORT_HINT)
        raise GeoJSONError(f"The file's top-level object has {shown}: expected \"FeatureCollection\" "
                           "or \"Feature\".", hint)
    features = document.get("features")
    if not isinstance(features, list):
        raise GeoJSONError('The FeatureCollection has no "features" list.',
                           'Write the features as "features": [{"type": "Feature", ...}, ...].')
    return features


def _decode(data: bytes) -> str:
    """GeoJSON is UTF-8 (RFC 7946); a byte order mark is tolerated, as GDAL and browsers do."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = " ".join(f"0x{b:02X}" for b in data[exc.start:exc.end])
        raise GeoJSONError(
            f"The file is not valid UTF-8: byte {byte} on line {line} cannot be decoded.",
            "GeoJSON must be UTF-8 (RFC 7946): export it again with the encoding UTF-8 "
            "(QGIS: Save Features As, Encoding UTF-8; ogr2ogr -lco ENCODING=UTF-8).",
            code="encoding-error") from exc


def _parse(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise GeoJSONError(f"The file contains {name}, which is not valid JSON.",
                           "Replace NaN and Infinity by null, or remove the feature.")

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise GeoJSONError(
            f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            "Look at that place in a text editor: a missing comma or bracket, a trailing comma or "
            "single quotes are the usual causes. " + EXPORT_HINT) from exc
    except RecursionError as exc:
        raise GeoJSONError("The file's arrays are nested too deeply to be GeoJSON.", EXPORT_HINT) from exc


def _check_crs(document: dict[str, Any]) -> None:
    """The 2008 `crs` member is obsolete; one naming another system means unprojected data is wrong."""
    crs = document.get("crs")
    if not isinstance(crs, dict):
        return
    properties = crs.get("properties")
    name = str(properties.get("name", "")) if isinstance(properties, dict) else ""
    if name and not name.upper().endswith(WGS84_NAMES):
        raise GeoJSONError(
            f"The file declares the coordinate system {name!r}: GeoJSON coordinates must be "
            "longitude and latitude in WGS84.",
            "Reproject the layer to WGS84 (EPSG:4326) and export it again. " + EXPORT_HINT,
            code="coordinate-error")


def json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def feature_id(feature: Any, key: Sequence[str]) -> str | None:
    """How a data officer finds the feature: its `id`, else its primary-key properties."""
    if not isinstance(feature, dict):
        return None
    if feature.get("id") is not None:
        return str(feature["id"])
    properties = feature.get("properties")
    if key and isinstance(properties, dict):
        values = [properties.get(name) for name in key]
        if all(v is not None for v in values):
            return ", ".join(str(v) for v in values)
    return None


def feature_label(number: int, feature: Any, key: Sequence[str]) -> str:
    """'Feature 12 (id "59350")', numbered from 1 as the report shows it."""
    ident = feature_id(feature, key)
    return f"Feature {number}" + ("" if ident is None else f' (id "{ident}")')
