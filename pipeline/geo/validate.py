"""Validate a GeoJSON resource: the document, every geometry, and the properties against the schema.

Frictionless reads .geojson as plain JSON, so nothing here is left to it but the properties.
Every problem is collected, never raised, and names its feature: `row` is the feature's number
(1-based, shown as "feature N") and the message starts with 'Feature N (id "…")'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from frictionless import FrictionlessException
from shapely.errors import ShapelyError
from shapely.geometry import shape

from pipeline.geo.document import GeoJSONError, feature_label, json_kind, read_features
from pipeline.geo.geometry import GEOMETRY_HINT, SWAPPED_HINT, bounds, geometry_issues
from pipeline.geo.properties import (
    ERROR_LIMIT,
    absent_fields,
    extra_properties,
    field_names,
    frictionless_errors,
    inline_rows,
)
from pipeline.model import Dataset, Resource
from pipeline.report import Problem, Severity
from pipeline.validate import GENERIC_HINTS, HINTS

MAX_VALUE_CHARS = 80
# Geometry problems name the feature's "geometry" member as their field, for --json readers.
GEOMETRY_FIELD = "geometry"
# Metropolitan France (min lon, min lat, max lon, max lat): a layer that fits it only once its
# axes are swapped lies in East Africa as written, a classic export mistake.
METROPOLE = (-5.3, 41.3, 9.6, 51.2)
SELF_INTERSECTION_HINT = ("A self-intersection is usually a ring drawn as a figure of eight "
                          "(a \"bow-tie\") or two parts of a multipolygon that overlap. ")
JSON_TYPE_HINTS = {
    "string": 'Write the property as a JSON string, in double quotes: "59350", not 59350.',
    "integer": "Write a whole number without quotes or decimals, e.g. 12000, or null if the value "
               "is missing.",
    "number": "Write a JSON number without quotes, with '.' as decimal separator, e.g. 12.5, or null "
              "if the value is missing.",
    "boolean": "Write true or false (JSON booleans, without quotes), or null if unknown.",
}


@dataclass(frozen=True)
class _Where:
    """The dataset and file every problem of this resource is about."""

    dataset: str
    file: str

    def problem(self, code: str, message: str, hint: str, row: int | None = None,
                field: str | None = None, value: str | None = None,
                severity: Severity = "error") -> Problem:
        return Problem(severity, code, message, dataset=self.dataset, file=self.file, row=row,
                       field=field, value=value, hint=hint)


def validate_geojson(dataset: Dataset, resource: Resource, root: Path) -> list[Problem]:
    """Every problem of the GeoJSON resource; [] when it can be converted."""
    where = _Where(dataset.slug, relative_to_root(resource.path, root))
    try:
        features = read_features(resource.path)
    except GeoJSONError as exc:
        return [where.problem(exc.code, exc.message, exc.hint)]
    if not features:
        return [where.problem("no-rows", "The FeatureCollection has no feature.",
                              "Add the features, or remove the resource until there is data.")]
    problems = _geometry_problems(features, resource.primary_key, where)
    problems.extend(_property_problems(features, resource, where))
    if len(problems) > ERROR_LIMIT:
        problems = problems[:ERROR_LIMIT]
        problems.append(where.problem("too-many-errors", f"Validation stopped after {ERROR_LIMIT} errors.",
                                      "Check the coordinate system and the properties' names first: "
                                      "one wrong setting breaks every feature."))
    return problems


def _geometry_problems(features: Sequence[Any], key: Sequence[str], where: _Where) -> list[Problem]:
    problems: list[Problem] = []
    readable: list[tuple[int, dict[str, Any]]] = []
    for number, feature in enumerate(features, 1):
        label = feature_label(number, feature, key)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            if not isinstance(feature, dict):
                shown = f"a JSON {json_kind(feature)}"
            elif feature.get("type") is None:
                shown = 'an object without "type": "Feature"'
            else:
                shown = f"an object of type {_show(feature['type'])}"
            problems.append(where.problem(
                "geojson-error", f"{label} is not a GeoJSON Feature: it is {shown}.",
                'Each element of "features" must be {"type": "Feature", "properties": {...}, '
                '"geometry": {...}}.', row=number))
            continue
        if feature.get("properties") is not None and not isinstance(feature["properties"], dict):
            problems.append(where.problem(
                "geojson-error", f"{label} has properties that are not a JSON object.",
                'Write the properties as an object: "properties": {"code": "59350", ...}.', row=number))
        issues = geometry_issues(feature.get("geometry"))
        problems.extend(where.problem(i.code, f"{label} {i.message}.", i.hint, row=number,
                                      field=GEOMETRY_FIELD, value=i.value) for i in issues)
        if not issues:
            readable.append((number, feature))
    invalid, shapes = _validity_problems(readable, key, where)
    problems.extend(invalid)
    if not problems:
        problems.extend(_swapped_axes(shapes, where))
    return problems


def _validity_problems(readable: list[tuple[int, dict[str, Any]]], key: Sequence[str],
                       where: _Where) -> tuple[list[Problem], np.ndarray]:
    """Shapely's verdict on every well-formed geometry (self-intersections, holes outside…)."""
    problems = []
    shapes = []
    for number, feature in readable:
        label = feature_label(number, feature, key)
        try:
            geometry = shape(feature["geometry"])
            reason = shapely.is_valid_reason(geometry)
        except (ShapelyError, ValueError, TypeError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        if reason == "Valid Geometry":
            shapes.append(geometry)
            continue
        hint = (SELF_INTERSECTION_HINT if "Self-intersection" in reason else "") + GEOMETRY_HINT
        problems.append(where.problem("geometry-error", f"{label} has an invalid geometry: {reason}.",
                                      hint, row=number, field=GEOMETRY_FIELD, value=_shorten(reason)))
    array = np.empty(len(shapes), dtype=object)
    array[:] = shapes
    return problems, array


def _swapped_axes(shapes: np.ndarray, where: _Where) -> list[Problem]:
    """Warn when the layer fits metropolitan France only with latitude and longitude swapped."""
    if not len(shapes):
        return []
    bbox = bounds(shapes)
    message = swapped_message(bbox)
    if message is None:
        return []
    return [where.problem("coordinate-error", message, SWAPPED_HINT, value=_json(bbox), severity="warning")]


def swapped_message(bbox: tuple[float, float, float, float], things: str = "features") -> str | None:
    """Why the layer (min lon, min lat, max lon, max lat) looks swapped, or None."""
    minx, miny, maxx, maxy = bbox
    west, south, east, north = METROPOLE

    def inside(x0: float, y0: float, x1: float, y1: float) -> bool:
        return west <= x0 and x1 <= east and south <= y0 and y1 <= north

    if not inside(miny, minx, maxy, maxx) or inside(minx, miny, maxx, maxy):
        return None
    return (f"All {things} lie between longitudes {minx:g} and {maxx:g} and latitudes {miny:g} and "
            f"{maxy:g}, in East Africa; with latitude and longitude swapped they would be in France.")


def _property_problems(features: Sequence[Any], resource: Resource, where: _Where) -> list[Problem]:
    names = field_names(resource.schema)
    key = resource.primary_key
    problems = []
    for name, (first, count) in extra_properties(features, names).items():
        label = feature_label(first, features[first - 1], key)
        problems.append(where.problem(
            "extra-label", f'{label} has the property "{name}", which the schema does not declare '
            f"({count} feature(s) have it).",
            f'Declare "{name}" in the schema\'s fields, or remove it from the features. '
            f"The schema declares: {', '.join(names)}.", row=first, field=name))
    absent = absent_fields(features, names)
    for name in absent:
        problems.append(where.problem(
            "missing-label", f'No feature has the property "{name}" that the schema declares.',
            f'Add "{name}" to the features\' properties (null where unknown), or remove it from the '
            "schema; names are case-sensitive.", field=name))
    rows = inline_rows(features, names)
    try:
        errors = frictionless_errors(rows, resource.schema)
    except FrictionlessException as exc:
        message = f"The properties cannot be checked: {exc.error.message}"
        return [*problems, where.problem("schema-error", message, GENERIC_HINTS["schema-error"])]
    typed_wrong = {(e.row_number, e.field_name) for e in errors if e.type == "type-error"}
    for error in errors:
        if getattr(error, "field_name", None) in absent:
            continue  # already reported once as missing-label
        if error.type == "primary-key" and any((error.row_number, k) in typed_wrong for k in key):
            continue  # the key's type error says it already
        problems.append(_from_frictionless(error, features, rows, resource, where))
    return problems


def _from_frictionless(error: Any, features: Sequence[Any], rows: list[list[Any]], resource: Resource,
                       where: _Where) -> Problem:
    """A frictionless error on the inline table, located by feature with the JSON value."""
    names = field_names(resource.schema)
    row_number = getattr(error, "row_number", None)
    number = row_number - 1 if row_number else None
    label = feature_label(number, features[number - 1], resource.primary_key) if number else "The file"
    name = getattr(error, "field_name", None) or None
    field = _field(resource.schema, name)
    raw = rows[number - 1][names.index(name)] if number and name in names else None
    value = None if raw is None else _shorten(raw if isinstance(raw, str) else _json(raw))
    kind = field.get("type", "string")
    if error.type == "type-error":
        fmt = field.get("format", "default")
        shown = f" in the format {fmt!r}" if fmt not in ("default", "") else ""
        message = f'{label}: the property "{name}" is {_show(raw)}, which is not a valid {kind}{shown}.'
        hint = JSON_TYPE_HINTS.get(kind) or HINTS["type-error"](error, field, resource)
    elif error.type == "constraint-error" and raw is None:
        message = f'{label}: the property "{name}" is required but is missing or null.'
        hint = f'Give every feature a value for "{name}".'
    elif error.type == "constraint-error":
        message = f'{label}: the property "{name}" is {_show(raw)}, which breaks the rule {error.note}.'
        hint = HINTS["constraint-error"](error, field, resource)
    elif error.type == "unique-error":
        message = (f'{label}: the property "{name}" is {_show(raw)}, like {_earlier(error)}; '
                   "it must be unique.")
        hint = f'Each feature must have a distinct "{name}": remove the duplicate feature or fix the value.'
    elif error.type == "primary-key":
        return _primary_key(error, number, label, rows, resource, where)
    else:
        message = f"{label}: {error.message}"
        hint = GENERIC_HINTS.get(error.type, "Correct the file and run `python build.py validate` again.")
    return where.problem(error.type, message, hint, row=number, field=name, value=value)


def _earlier(error: Any) -> str:
    """The feature that first had the value, from frictionless' note "…row at position N"."""
    found = re.search(r"row at position (\d+)", error.note or "")
    return f"feature {int(found.group(1)) - 1}" if found else "another feature"


def _primary_key(error: Any, number: int | None, label: str, rows: list[list[Any]], resource: Resource,
                 where: _Where) -> Problem:
    names = field_names(resource.schema)
    key = [k for k in resource.primary_key if k in names]
    cells = [rows[number - 1][names.index(k)] if number else None for k in key]
    shown = ", ".join("null" if c is None else str(c) for c in cells)
    if all(c is None for c in cells):
        message = f"{label}: the primary key ({', '.join(key)}) is missing or null."
    else:
        message = f"{label}: the primary key ({', '.join(key)} = {shown}) is the same as {_earlier(error)}."
    return where.problem("primary-key", message,
                         "Each feature must have a distinct primary key: remove the duplicate feature or "
                         "fix the key.", row=number, field=", ".join(key) or None, value=_shorten(shown))


def _field(schema: Mapping[str, Any], name: str | None) -> Mapping[str, Any]:
    for field in schema.get("fields", []):
        if field.get("name") == name:
            return field
    return {}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _show(value: Any) -> str:
    """A property's value as JSON, shortened: messages stay readable with long texts."""
    return _shorten(_json(value))


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def relative_to_root(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
