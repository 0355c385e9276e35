"""The map of a project's location: one point, over the site's background layer if it has one.

Drawn with pipeline.maps like the datasets' point maps (folium, Leaflet served by the site,
a table of the same data after the map); the script is written as a file of the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.config import SiteSettings
from pipeline.maps.build import POINT_COLOR
from pipeline.maps.folium_render import TopoLayer, render_script
from pipeline.maps.layers import bare, escape, load_topology, popup_html, restyle
from pipeline.maps.model import LegendClass, RenderedMap
from pipeline.model import PublishedDataset
from pipeline.projects.model import Project

# Half the size of the frame around the point, in degrees: about 9 km by 11 km.
SPAN_LON, SPAN_LAT = 0.08, 0.05


def background_layer(settings: SiteSettings, datasets: tuple[PublishedDataset, ...],
                     files_dirs: Mapping[str, Path]) -> dict[str, Any] | None:
    """The display layer of `map_background` (e.g. the cantons), without its properties."""
    for published in datasets:
        if published.slug != settings.map_background:
            continue
        for _, converted in published.resources:
            if converted.display_file:
                return bare(load_topology(files_dirs[published.slug] / converted.display_file))
    return None


def project_map(project: Project, status_label: str, settings: SiteSettings,
                background: dict[str, Any] | None) -> RenderedMap | None:
    if project.latitude is None or project.longitude is None:
        return None
    geometry = {"type": "Point", "coordinates": [project.longitude, project.latitude], "properties": {}}
    point = {"type": "Topology", "arcs": [],
             "objects": {"data": {"type": "GeometryCollection", "geometries": [geometry]}}}
    rows = [("Lieu", project.lieu), ("Statut", status_label)]
    layer = restyle(point, lambda _: (escape(project.titre), popup_html(project.titre, rows), 0))
    layers = [TopoLayer(layer, POINT_COLOR, stroke="#ffffff", weight=1.5, fill_opacity=0.9, radius=9)]
    if background is not None:
        layers.insert(0, TopoLayer(background, ("#f4f4f4",), stroke="#8a8a8a", weight=0.8, fill_opacity=1,
                                   interactive=False))
    map_id = f"projet-{project.id}"
    element_id = "map_" + map_id.replace("-", "_")
    bbox = (project.longitude - SPAN_LON, project.latitude - SPAN_LAT,
            project.longitude + SPAN_LON, project.latitude + SPAN_LAT)
    return RenderedMap(
        id=map_id, dataset_slug=project.dataset_slug, resource_name="projets",
        title="Localisation du projet", kind="points", element_id=element_id,
        script=render_script(element_id, layers, bbox, settings.map_tile_url, settings.map_tile_attribution),
        legend=(LegendClass("Emplacement du projet", POINT_COLOR[0], "swatch-points", 1),),
        legend_title="Légende",
        table_caption="Localisation du projet : coordonnées du point (WGS84)",
        table_columns=("Projet", "Lieu", "Latitude", "Longitude"),
        table_rows=((project.titre, project.lieu, _degrees(project.latitude), _degrees(project.longitude)),),
        numeric_columns=(2, 3),
        feature_count=1,
    )


def _degrees(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".").replace(".", ",")
