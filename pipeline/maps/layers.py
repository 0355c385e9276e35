"""Prepare the display TopoJSON of a layer: the few properties Leaflet needs, escaped."""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Properties = dict[str, Any]


def load_topology(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def geometries(topology: dict[str, Any]) -> list[dict[str, Any]]:
    return topology["objects"]["data"]["geometries"]


def features_properties(topology: dict[str, Any]) -> Iterator[Properties]:
    for geometry in geometries(topology):
        yield geometry.get("properties") or {}


def restyle(
    topology: dict[str, Any], describe: Callable[[Properties], tuple[str, str, int]]
) -> dict[str, Any]:
    """A copy whose features carry only t (tooltip), h (popup HTML) and c (class index)."""
    result = copy.deepcopy(topology)
    for geometry in geometries(result):
        tooltip, popup, css_class = describe(geometry.get("properties") or {})
        properties: Properties = {"c": css_class}
        if tooltip:
            properties["t"] = tooltip
        if popup:
            properties["h"] = popup
        geometry["properties"] = properties
        geometry.pop("id", None)
    result.pop("bbox", None)
    return result


def bare(topology: dict[str, Any]) -> dict[str, Any]:
    """A copy with no properties: a background layer."""
    return restyle(topology, lambda _: ("", "", 0))


def escape(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def popup_html(title: str, rows: list[tuple[str, str]]) -> str:
    """Escaped popup: a heading and a definition list of the chosen columns."""
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    heading = f"<strong>{escape(title)}</strong>"
    return f"{heading}<dl>{items}</dl>" if rows else heading
