"""What a rendered map is made of, for the templates and the publish stage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LegendClass:
    label: str  # e.g. "de 1 200 à 3 400"
    color: str
    css_class: str  # the swatch colour comes from the theme's CSS (no inline style under CSP)
    count: int


@dataclass(frozen=True)
class RenderedMap:
    id: str  # stable, used in file names and anchors
    dataset_slug: str
    resource_name: str
    title: str
    kind: str  # points, shapes, choropleth
    element_id: str  # id of the map's <div>, as the script expects
    script: str  # JavaScript drawing the map (served as a file: CSP forbids inline scripts)
    legend: tuple[LegendClass, ...]
    legend_title: str
    table_caption: str
    table_columns: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]
    numeric_columns: tuple[int, ...]  # indexes of columns sorted as numbers
    feature_count: int
    unjoined: tuple[str, ...] = ()

    @property
    def script_path(self) -> str:
        return f"cartes/{self.id}.js"

    @property
    def kind_label(self) -> str:
        return {"points": "Carte de points", "shapes": "Carte de zones",
                "choropleth": "Carte choroplèthe"}[self.kind]
