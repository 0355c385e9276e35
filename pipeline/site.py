"""What the templates receive: the site's settings and its published datasets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.accessibility import AccessibilityAudit
from pipeline.config import SiteSettings
from pipeline.extensions.base import NavLink, Page
from pipeline.maps.model import RenderedMap
from pipeline.model import DataFile, PublishedDataset
from pipeline.vocab import THEMES, Theme

DOWNLOADS_DIR = "donnees"
DATASETS_DIR = "jeux-de-donnees"
THEMES_DIR = "themes"


@dataclass(frozen=True)
class SiteData:
    settings: SiteSettings
    datasets: tuple[PublishedDataset, ...]
    build_date: datetime
    commit: str
    accessibility: AccessibilityAudit
    maps: tuple[RenderedMap, ...] = ()
    # What the extensions contributed (pipeline/extensions/): their data by name, pages,
    # navigation links and template partials.
    extras: Mapping[str, Any] = field(default_factory=dict)
    pages: tuple[Page, ...] = ()
    nav: tuple[NavLink, ...] = ()
    head_partials: tuple[str, ...] = ()
    dataset_sections: tuple[str, ...] = ()

    def maps_for(self, slug: str) -> list[RenderedMap]:
        return [m for m in self.maps if m.dataset_slug == slug]

    @property
    def total_rows(self) -> int:
        return sum(d.rows for d in self.datasets)

    def themes_with_datasets(self) -> list[tuple[Theme, list[PublishedDataset]]]:
        """Themes in vocabulary order, each with its datasets sorted by title; empty ones left out."""
        grouped: list[tuple[Theme, list[PublishedDataset]]] = []
        for theme in THEMES.values():
            members = sorted((d for d in self.datasets if d.dataset.theme_id == theme.slug),
                             key=lambda d: d.dataset.title.lower())
            if members:
                grouped.append((theme, members))
        return grouped

    def latest(self, count: int = 6) -> list[PublishedDataset]:
        return sorted(self.datasets, key=lambda d: (d.dates.modified, d.slug), reverse=True)[:count]

    def spatial_label(self, value: str) -> str:
        kind, _, code = value.partition(":")
        territory = self.settings.territory
        if kind == territory.kind and code == territory.code:
            return f"Département du {territory.name} ({code})"
        if kind == "canton":
            canton = territory.canton(code)
            return f"{canton.label[:1].upper()}{canton.label[1:]} ({code})" if canton else f"Canton {code}"
        if kind == "commune":
            return f"Commune (code INSEE {code})"
        if kind == "departement":
            return f"Département {code}"
        return value


def dataset_url(slug: str) -> str:
    return f"{DATASETS_DIR}/{slug}/"


def theme_url(slug: str) -> str:
    return f"{THEMES_DIR}/{slug}/"


def download_url(slug: str, file: DataFile) -> str:
    return f"{DOWNLOADS_DIR}/{slug}/{file.filename}"
