"""Read the `map:` key of a resource into a MapSpec, checking it against the schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.model import MapSpec

KINDS = ("points", "shapes", "choropleth")
NUMERIC = {"number", "integer"}


@dataclass(frozen=True)
class MapSpecProblem:
    code: str
    message: str
    hint: str


def parse_map_spec(
    raw: Any, schema: Mapping[str, Any], fmt: str, title: str
) -> tuple[MapSpec | None, list[MapSpecProblem]]:
    """The resource's map, or None. GeoJSON resources get a map unless `map: false`."""
    if raw is False or (raw is None and fmt != "geojson"):
        return None, []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return None, [MapSpecProblem("bad-map", f"map must be a mapping, got {raw!r}.",
                                     "Write map: {kind: points, latitude: lat, longitude: lon}.")]
    kind = raw.get("kind", "shapes" if fmt == "geojson" else None)
    if kind not in KINDS:
        return None, [MapSpecProblem("bad-map", f"Unknown map kind {kind!r}.",
                                     f"Use kind: one of {', '.join(KINDS)}.")]
    fields = {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}
    spec = MapSpec(
        kind=kind,
        title=str(raw.get("title") or title),
        latitude=raw.get("latitude"),
        longitude=raw.get("longitude"),
        label=raw.get("label"),
        popup=tuple(raw.get("popup") or ()),
        boundaries=raw.get("boundaries"),
        join=raw.get("join"),
        boundary_key=raw.get("boundary_key"),
        boundary_label=raw.get("boundary_label"),
        value=raw.get("value"),
        period=raw.get("period"),
        classes=int(raw.get("classes", 5)),
    )
    return spec, _check(spec, fields, fmt)


def _unknown_field(key: str, value: str, fields: dict[str, str]) -> MapSpecProblem:
    return MapSpecProblem("bad-map", f"map.{key} names {value!r}, not a field of the schema.",
                          f"Use one of: {', '.join(fields)}.")


def _check(spec: MapSpec, fields: dict[str, str], fmt: str) -> list[MapSpecProblem]:
    problems: list[MapSpecProblem] = []

    def need_field(key: str, value: str | None, numeric: bool = False) -> None:
        if value is None:
            problems.append(MapSpecProblem(
                "bad-map", f"map.{key} is required for a {spec.kind} map.", f"Add map.{key}: <column name>."))
        elif value not in fields:
            problems.append(_unknown_field(key, value, fields))
        elif numeric and fields[value] not in NUMERIC:
            problems.append(MapSpecProblem("bad-map", f"map.{key} {value!r} is of type {fields[value]}, "
                                           "not a number.", "Choose a number or integer column."))

    if spec.kind == "points" and fmt != "geojson":
        need_field("latitude", spec.latitude, numeric=True)
        need_field("longitude", spec.longitude, numeric=True)
    if spec.kind == "choropleth":
        need_field("join", spec.join)
        need_field("value", spec.value, numeric=True)
        if spec.period is not None:
            need_field("period", spec.period)
        if not spec.boundaries or not spec.boundary_key:
            problems.append(MapSpecProblem(
                "bad-map", "A choropleth needs map.boundaries (the dataset holding the boundary layer) "
                "and map.boundary_key (its property matching map.join).",
                "E.g. boundaries: cantons-nord-schematique, boundary_key: code."))
        if not 3 <= spec.classes <= 7:
            problems.append(MapSpecProblem("bad-map", f"map.classes is {spec.classes}.",
                                           "Use between 3 and 7 classes."))
    for key, value in (("label", spec.label), *(("popup", p) for p in spec.popup)):
        if value is not None and value not in fields:
            problems.append(_unknown_field(key, value, fields))
    return problems
