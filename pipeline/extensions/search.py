"""Full-text search with Pagefind: the index, the search page and its filters.

After rendering, Pagefind indexes the staging folder in French (stemming, accents ignored:
"mediation" finds "médiation") and writes its bundle to pagefind/: a small JS API, a WASM
search engine and the index split in fragments, all served by the site itself. A failure
refuses the build.

The page recherche/ runs the query of ?q= (the header's search form) with the JS API and
theme/static/js/search.js; filters by theme, keyword, format, publisher, canton and update
frequency are checkboxes. Without JavaScript it says so and offers the catalogue's plain
links (themes, keywords, publishers…). Dataset pages give Pagefind their theme and
formats (data-pagefind-meta, in search/dataset_meta.html) to show with each result.

The filters are not Pagefind's (data-pagefind-filter): Pagefind 1.5 writes its filter
index in a different order at every run, and two builds of one commit must be identical.
They live in recherche/filtres.json instead: every dataset with its filter values and the
id Pagefind gives its page (the name of the page's fragment), so the browser filters
Pagefind's results by id without loading them, and lists datasets by filter alone
without searching.

What is indexed, and when the last index is reused: pipeline/search/.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import SiteSettings
from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, Page
from pipeline.extensions.facets import FacetsData, collect_facets, frequency_label, sort_key
from pipeline.model import PublishedDataset
from pipeline.report import Problem
from pipeline.search.pagefind import BUNDLE_DIR, CACHE_DIR, IndexStats, index_site, page_ids
from pipeline.site import dataset_url
from pipeline.text import first_sentence
from pipeline.vocab import THEMES

SEARCH_URL = "recherche/"
FILTERS_FILE = "recherche/filtres.json"
WHOLE_TERRITORY = "Tout le département"
# The filter that tells dataset pages from the others ("only datasets").
DATASET_TYPE = "Jeu de données"


@dataclass(frozen=True)
class FilterGroup:
    key: str  # the Pagefind filter key, also the checkbox name and the URL parameter
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class SearchData:
    """opendata.extras["search"]: the filters of the search page and of each dataset page."""

    groups: tuple[FilterGroup, ...]
    dataset_filters: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    bundle: str = BUNDLE_DIR
    url: str = SEARCH_URL
    filters_file: str = FILTERS_FILE
    dataset_type: str = DATASET_TYPE  # the "type" filter of every dataset

    def filters_for(self, slug: str) -> tuple[tuple[str, str], ...]:
        """(key, value) pairs of one dataset, as the search page's checkboxes name them."""
        return self.dataset_filters.get(slug, ())


def canton_labels(published: PublishedDataset, settings: SiteSettings) -> list[str]:
    """Where a dataset applies, as the canton filter names it; communes are not mapped."""
    territory = settings.territory
    labels = []
    for value in published.dataset.spatial:
        kind, _, code = value.partition(":")
        if kind == territory.kind and code == territory.code:
            whole = kind == "departement"
            labels.append(WHOLE_TERRITORY if whole else f"Tout le territoire ({territory.name})")
        elif kind == "departement":
            labels.append(f"Département {code}")
        elif kind == "canton":
            canton = territory.canton(code)
            labels.append(canton.name if canton else f"Canton {code}")
    return list(dict.fromkeys(labels))


def dataset_filters(published: PublishedDataset, facets: FacetsData,
                    settings: SiteSettings) -> tuple[tuple[str, str], ...]:
    d = published.dataset
    pairs: list[tuple[str, str]] = [("type", DATASET_TYPE), ("theme", d.theme.label)]
    # Keywords and publishers under their facet's spelling, so that two spellings of one
    # keyword are one checkbox.
    for keyword in d.keywords:
        value = facets.keyword(keyword)
        if value:
            pairs.append(("keyword", value.label))
    pairs += [("format", f) for f in published.formats]
    publisher = facets.publisher(d.publisher) if d.publisher else None
    if publisher:
        pairs.append(("publisher", publisher.label))
    pairs += [("canton", c) for c in canton_labels(published, settings)]
    pairs.append(("frequency", frequency_label(published)))
    return tuple(dict.fromkeys(pairs))


def filter_groups(datasets: Iterable[PublishedDataset], facets: FacetsData,
                  settings: SiteSettings) -> tuple[FilterGroup, ...]:
    datasets = tuple(datasets)
    themes = {p.dataset.theme_id for p in datasets}
    cantons = {c for p in datasets for c in canton_labels(p, settings)}
    canton_order = sorted(cantons - {WHOLE_TERRITORY}, key=sort_key)
    if WHOLE_TERRITORY in cantons:
        canton_order.insert(0, WHOLE_TERRITORY)

    def labels(facet_id: str) -> tuple[str, ...]:
        return tuple(v.label for v in facets.get(facet_id).values)

    groups = (
        FilterGroup("theme", "Thème", tuple(t.label for t in THEMES.values() if t.slug in themes)),
        FilterGroup("keyword", "Mot-clé", labels("keyword")),
        FilterGroup("format", "Format", labels("format")),
        FilterGroup("publisher", "Producteur", labels("publisher")),
        FilterGroup("canton", "Canton", tuple(canton_order)),
        FilterGroup("frequency", "Fréquence de mise à jour", labels("frequency")),
    )
    return tuple(g for g in groups if g.values)


def filters_index(datasets: Iterable[PublishedDataset], data: SearchData, ids: Mapping[str, str],
                  site_path: str = "/") -> bytes:
    """recherche/filtres.json: every dataset, its Pagefind id and its filter values."""
    entries = []
    for published in sorted(datasets, key=lambda p: sort_key(p.dataset.title)):
        url = dataset_url(published.slug)
        filters: dict[str, list[str]] = {}
        for key, value in data.filters_for(published.slug):
            filters.setdefault(key, []).append(value)
        entries.append({
            "id": ids[site_path + url],
            "url": url,
            "title": published.dataset.title,
            "theme": published.dataset.theme.label,
            "formats": ", ".join(published.formats),
            "summary": first_sentence(published.dataset.description, 180),
            "filters": filters,
        })
    text = json.dumps({"datasets": entries}, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def write_filters(output: Path, datasets: Iterable[PublishedDataset], data: SearchData) -> list[Problem]:
    datasets = tuple(datasets)
    try:
        ids = page_ids(output / BUNDLE_DIR)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        return [Problem("error", "search-filters",
                        f"Could not read the pages of Pagefind's index ({exc}).",
                        hint="pipeline/search/pagefind.py reads Pagefind 1.x fragments; check "
                             "the installed Pagefind version (pip show pagefind).")]
    missing = [p.slug for p in datasets if "/" + dataset_url(p.slug) not in ids]
    if missing:
        return [Problem("error", "search-filters",
                        f"Dataset pages missing from the search index: {', '.join(missing)}.",
                        hint="Dataset pages are indexed from their <main data-pagefind-body>; "
                             "check theme/templates/base.html and dataset.html.")]
    target = output / FILTERS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(filters_index(datasets, data, ids))
    return []


class SearchExtension(BaseExtension):
    name = "search"
    order = 95  # after the other extensions: it indexes what they wrote

    def __init__(self) -> None:
        self.last_stats: IndexStats | None = None  # of the last index written (bench, reports)

    @staticmethod
    def search_data(context: BuildContext) -> SearchData:
        facets = collect_facets(context.datasets)
        return SearchData(
            groups=filter_groups(context.datasets, facets, context.settings),
            dataset_filters={p.slug: dataset_filters(p, facets, context.settings)
                             for p in context.datasets},
        )

    def prepare(self, context: BuildContext) -> Contribution:
        data = self.search_data(context)
        return Contribution(
            self.name,
            data=data,
            pages=(Page(SEARCH_URL, "search/page", "search"),),
            head_partials=("search/head.html",),
            dataset_sections=("search/dataset_meta.html",),
        )

    def after_render(self, context: BuildContext, output: Path) -> list[Problem]:
        stats, problems = index_site(output, context.paths.cache / CACHE_DIR)
        self.last_stats = stats
        if problems:
            return problems
        return write_filters(output, context.datasets, self.search_data(context))


EXTENSION = SearchExtension()
