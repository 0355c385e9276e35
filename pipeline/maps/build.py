"""Build every map of the site from the published datasets and their cached display layers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.config import SiteSettings
from pipeline.maps.classes import class_of, format_number, palette, quantile_breaks
from pipeline.maps.folium_render import TopoLayer, render_script
from pipeline.maps.layers import bare, escape, features_properties, load_topology, popup_html, restyle
from pipeline.maps.model import LegendClass, RenderedMap
from pipeline.model import ConvertedResource, MapSpec, PublishedDataset, Resource
from pipeline.report import Problem

POINT_COLOR = ("#b4360f",)
SHAPE_COLOR = ("#3a8f5c",)


@dataclass(frozen=True)
class _Layer:
    published: PublishedDataset
    resource: Resource
    converted: ConvertedResource
    files_dir: Path

    @property
    def topology_path(self) -> Path:
        return self.files_dir / (self.converted.display_file or "")

    def title_of(self, field: str | None) -> str:
        for f in self.resource.fields:
            if f.name == field:
                return f.title or f.name
        return field or ""


def build_maps(
    datasets: tuple[PublishedDataset, ...], files_dirs: Mapping[str, Path], settings: SiteSettings
) -> tuple[list[RenderedMap], list[Problem]]:
    """One map per resource that declares one (GeoJSON resources have one by default)."""
    layers = {
        (p.slug, resource.name): _Layer(p, resource, converted, files_dirs[p.slug])
        for p in datasets
        for resource, converted in p.resources
    }
    background = _background(settings, layers)
    maps: list[RenderedMap] = []
    problems: list[Problem] = []
    for layer in layers.values():
        spec = layer.resource.map
        if spec is None:
            continue
        if spec.kind == "choropleth":
            rendered, found = _choropleth(layer, spec, layers, settings)
            problems.extend(found)
        else:
            rendered = _features_map(layer, spec, settings, background)
        if rendered is not None:
            maps.append(rendered)
    return maps, problems


def _map_id(layer: _Layer) -> str:
    if layer.resource.name == layer.published.slug:
        return layer.published.slug
    return f"{layer.published.slug}--{layer.resource.name}"


def _element_id(map_id: str) -> str:
    return "map_" + map_id.replace("-", "_")


def _background(settings: SiteSettings, layers: Mapping[tuple[str, str], _Layer]) -> dict | None:
    for (slug, _), layer in layers.items():
        if slug == settings.map_background and layer.converted.display_file:
            return bare(load_topology(layer.topology_path))
    return None


def _features_map(layer: _Layer, spec: MapSpec, settings: SiteSettings,
                  background: dict | None) -> RenderedMap | None:
    """Points or shapes drawn as they are, with a tooltip and a popup per feature."""
    if not layer.converted.display_file or layer.converted.geo is None:
        return None
    topology = load_topology(layer.topology_path)
    label = spec.label or _first_string_field(layer.resource)
    shown = [f for f in spec.popup if f != label] or [
        f.name for f in layer.resource.fields if f.name != label][:4]

    def describe(props: dict[str, Any]) -> tuple[str, str, int]:
        rows = [(layer.title_of(f), _show(props.get(f))) for f in shown]
        return escape(props.get(label)), popup_html(str(props.get(label, "")), rows), 0

    is_points = set(layer.converted.geo.geometry_types) <= {"Point", "MultiPoint"}
    colors = POINT_COLOR if is_points else SHAPE_COLOR
    drawn = [TopoLayer(restyle(topology, describe), colors, stroke="#ffffff" if is_points else "#1d5e38",
                       weight=1.5 if is_points else 1, fill_opacity=0.9 if is_points else 0.6)]
    if background is not None and is_points:
        drawn.insert(0, TopoLayer(background, ("#f4f4f4",), stroke="#8a8a8a", weight=0.8,
                                  fill_opacity=1, interactive=False))
    columns = [label, *shown]
    rows = sorted(
        (tuple(_show(props.get(c)) for c in columns) for props in features_properties(topology)),
        key=lambda row: row[0].lower(),
    )
    map_id = _map_id(layer)
    element_id = _element_id(map_id)
    return RenderedMap(
        id=map_id, dataset_slug=layer.published.slug, resource_name=layer.resource.name,
        title=spec.title, kind="points" if is_points else "shapes", element_id=element_id,
        script=render_script(element_id, drawn, layer.converted.geo.bbox, settings.map_tile_url,
                             settings.map_tile_attribution),
        legend=(LegendClass(layer.resource.title, colors[0], "swatch-points" if is_points
                            else "swatch-shapes", len(rows)),),
        legend_title="Légende",
        table_caption=f"{spec.title} : les {len(rows)} éléments de la carte",
        table_columns=tuple(layer.title_of(c) for c in columns),
        table_rows=tuple(rows),
        numeric_columns=tuple(i for i, c in enumerate(columns) if _is_numeric(layer.resource, c)),
        feature_count=layer.converted.geo.feature_count,
    )


def _choropleth(layer: _Layer, spec: MapSpec, layers: Mapping[tuple[str, str], _Layer],
                settings: SiteSettings) -> tuple[RenderedMap | None, list[Problem]]:
    boundary = _boundary_layer(spec, layers)
    if boundary is None:
        return None, [_problem(layer, "map-boundaries",
                               f"The boundary layer {spec.boundaries!r} of the map is not a published "
                               "GeoJSON resource.",
                               "Set map.boundaries to the slug of a dataset with a GeoJSON resource "
                               "(dataset or dataset/resource).")]
    values = _values_by_key(layer, spec)
    topology = load_topology(boundary.topology_path)
    label = spec.boundary_label or _first_string_field(boundary.resource, exclude=spec.boundary_key)
    keys = {str(props.get(spec.boundary_key)): props for props in features_properties(topology)}
    unjoined = tuple(sorted(k for k in values if k not in keys))
    joined = [values[k] for k in keys if k in values]
    breaks = quantile_breaks(joined, spec.classes)
    if all(float(v).is_integer() for v in joined):  # counts: class bounds are whole numbers
        breaks = sorted({round(b) for b in breaks})
    colors = palette(len(breaks) + 1)
    value_title = layer.title_of(spec.value)

    def describe(props: dict[str, Any]) -> tuple[str, str, int]:
        key = str(props.get(spec.boundary_key))
        name = str(props.get(label, key))
        if key not in values:
            return escape(f"{name} : pas de donnée"), "", -1
        value = values[key]
        return escape(f"{name} : {format_number(value)}"), "", class_of(value, breaks)

    drawn = TopoLayer(restyle(topology, describe), colors)
    rows = [
        (key, str(props.get(label, "")), format_number(values[key]) if key in values else "pas de donnée",
         str(class_of(values[key], breaks) + 1) if key in values else "")
        for key, props in keys.items()
    ]
    rows.sort(key=lambda r: (-values.get(r[0], float("-inf")), r[1].lower()))
    map_id = _map_id(layer)
    element_id = _element_id(map_id)
    rendered = RenderedMap(
        id=map_id, dataset_slug=layer.published.slug, resource_name=layer.resource.name,
        title=spec.title, kind="choropleth", element_id=element_id,
        script=render_script(element_id, [drawn], boundary.converted.geo.bbox,  # type: ignore[union-attr]
                             settings.map_tile_url, settings.map_tile_attribution),
        legend=_legend(joined, breaks, colors),
        legend_title=value_title + (f" ({_period_text(layer, spec)})" if spec.period else ""),
        table_caption=f"{spec.title} : {value_title} par zone ({len(rows)} zones)",
        table_columns=(boundary.title_of(spec.boundary_key), boundary.title_of(label), value_title, "Classe"),
        table_rows=tuple(rows),
        numeric_columns=(2, 3),
        feature_count=len(keys),
        unjoined=unjoined,
    )
    problems = []
    if unjoined:
        problems.append(_problem(
            layer, "map-unjoined",
            f"{len(unjoined)} value(s) of column {spec.join!r} match no feature of {spec.boundaries}: "
            f"{', '.join(unjoined[:10])}{' …' if len(unjoined) > 10 else ''}.",
            f"Check the codes in {spec.join!r} against {spec.boundary_key!r} of the boundary layer.",
            severity="warning"))
    return rendered, problems


def _values_by_key(layer: _Layer, spec: MapSpec) -> dict[str, float]:
    """The value per join key: latest period only if declared, summed over duplicates."""
    table = pq.read_table(layer.files_dir / f"{layer.resource.name}.parquet")
    if spec.period:
        latest = pc.max(table[spec.period])
        table = table.filter(pc.equal(table[spec.period], latest))
    table = table.select([spec.join, spec.value]).drop_null()
    keys = pc.cast(table[spec.join], pa.string())
    grouped = pa.table({"k": keys, "v": pc.cast(table[spec.value], pa.float64())}).group_by("k").aggregate(
        [("v", "sum")])
    return dict(zip(grouped["k"].to_pylist(), grouped["v_sum"].to_pylist(), strict=True))


def _period_text(layer: _Layer, spec: MapSpec) -> str:
    table = pq.read_table(layer.files_dir / f"{layer.resource.name}.parquet", columns=[spec.period])
    latest = pc.max(table[spec.period]).as_py()
    return latest.isoformat() if hasattr(latest, "isoformat") else str(latest)


def _legend(values: list[float], breaks: list[float], colors: tuple[str, ...]) -> tuple[LegendClass, ...]:
    if not values:
        return ()
    bounds = [min(values), *breaks, max(values)]
    counts = [0] * len(colors)
    for value in values:
        counts[class_of(value, breaks)] += 1
    classes = []
    for index, color in enumerate(colors):
        low, high = bounds[index], bounds[index + 1]
        text = f"de {format_number(low)} à {format_number(high)}"
        classes.append(LegendClass(text, color, f"swatch-{len(colors)}-{index + 1}", counts[index]))
    return tuple(classes)


def _boundary_layer(spec: MapSpec, layers: Mapping[tuple[str, str], _Layer]) -> _Layer | None:
    slug, _, name = (spec.boundaries or "").partition("/")
    for (layer_slug, layer_name), layer in layers.items():
        if layer_slug == slug and (not name or layer_name == name) and layer.resource.is_geojson:
            return layer
    return None


def _first_string_field(resource: Resource, exclude: str | None = None) -> str:
    names = [f.name for f in resource.fields if f.name != exclude]
    strings = [f.name for f in resource.fields if f.type == "string" and f.name != exclude]
    for candidate in ("nom", "name", "libelle", "titre"):
        if candidate in names:
            return candidate
    return (strings or names)[0]


def _is_numeric(resource: Resource, column: str) -> bool:
    return any(f.name == column and f.type in {"integer", "number"} for f in resource.fields)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def _problem(layer: _Layer, code: str, message: str, hint: str, severity: Any = "error") -> Problem:
    return Problem(severity, code, message, dataset=layer.published.slug,
                   file=f"datasets/{layer.published.slug}/datapackage.yaml", hint=hint)
