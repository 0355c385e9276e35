"""Draw a layer with folium and return the JavaScript, with Leaflet served by the site.

folium builds the Leaflet calls; we keep only the script part, give every element a
stable name (folium's are random, which would make two builds differ), and let the site's
templates hold the HTML. Feature labels and popups are HTML-escaped before they reach
Leaflet, which inserts them as HTML.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from pipeline.maps.classes import NO_DATA


class LocalMap(folium.Map):
    """A folium map whose assets are the site's own copies (the templates load them)."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium's class attribute)
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


class TopoLayer(MacroElement):
    """A TopoJSON layer: polygons filled by class, points as circles, tooltips and popups.

    Each feature's properties are reduced to: t (tooltip text), h (popup HTML), c (class
    index, -1 for no data). The palette lives once in the script, not in every feature.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_data = {{ this.data|tojson }};
        var {{ this.get_name() }}_palette = {{ this.palette|tojson }};
        function {{ this.get_name() }}_style(feature) {
            var c = feature.properties.c;
            return {
                fillColor: c >= 0 ? {{ this.get_name() }}_palette[c] : {{ this.no_data|tojson }},
                color: {{ this.stroke|tojson }}, weight: {{ this.weight }},
                fillOpacity: {{ this.fill_opacity }}, opacity: 1
            };
        }
        var {{ this.get_name() }} = L.geoJson(
            topojson.feature({{ this.get_name() }}_data, {{ this.get_name() }}_data.objects.data),
            {
                style: {{ this.get_name() }}_style,
                interactive: {{ this.interactive|tojson }},
                pointToLayer: function (feature, latlng) {
                    return L.circleMarker(latlng, {{ this.get_name() }}_style(feature))
                        .setRadius({{ this.radius }});
                },
                onEachFeature: function (feature, layer) {
                    if (feature.properties.t) { layer.bindTooltip(feature.properties.t, {sticky: true}); }
                    if (feature.properties.h) { layer.bindPopup(feature.properties.h); }
                }
            }
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], palette: tuple[str, ...], *, stroke: str = "#444444",
                 weight: float = 0.6, fill_opacity: float = 0.85, radius: int = 6,
                 interactive: bool = True) -> None:
        super().__init__()
        self._name = "TopoLayer"
        self.data = data
        self.palette = list(palette)
        self.no_data = NO_DATA
        self.stroke = stroke
        self.weight = weight
        self.fill_opacity = fill_opacity
        self.radius = radius
        self.interactive = interactive


def render_script(
    element_id: str,
    layers: list[TopoLayer],
    bbox: tuple[float, float, float, float],
    tile_url: str = "",
    tile_attribution: str = "",
) -> str:
    """The JavaScript drawing the layers in the <div id=element_id>."""
    # Fractional zoom lets the elongated territory fill the frame when bounds are fitted.
    folium_map = LocalMap(tiles=None, control_scale=True, scrollWheelZoom=False, zoom_control=True,
                          location=None, zoomSnap=0.25, zoomDelta=0.5)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or " ").add_to(folium_map)
    for layer in layers:
        layer.add_to(folium_map)
    min_lon, min_lat, max_lon, max_lat = bbox
    folium_map.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    _stable_names(folium_map, element_id)
    figure = folium_map.get_root()
    figure.render()
    return figure.script.render().strip() + "\n"


def _stable_names(root: Element, element_id: str) -> None:
    """Replace folium's random ids by names derived from the map's id, in tree order."""
    prefix = element_id.removeprefix("map_")
    counter = 0

    def visit(element: Element) -> None:
        nonlocal counter
        element._id = f"{prefix}_{counter}" if counter else prefix
        counter += 1
        for child in element._children.values():
            visit(child)

    visit(root)
