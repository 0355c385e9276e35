"""Browse the catalogue without JavaScript: one page per keyword, publisher, frequency and format.

Pages: mots-cles/ (every keyword with its count) and mots-cles/<slug>/, producteurs/ and
producteurs/<slug>/, frequences/ and frequences/<slug>/, formats/ and formats/<slug>/, each
listing its datasets with the catalogue's dataset card. Dataset pages link their keywords
and publisher here (opendata.extras["facets"]); the catalogue's "Parcourir par…" block is
the partial facets/browse.html.

The same grouping feeds the search page's filters (pipeline/extensions/search.py), so a
keyword written "Collèges" in one dataset and "collèges" in another is one value everywhere.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, Page
from pipeline.model import PublishedDataset
from pipeline.text import LIGATURES, slugify
from pipeline.vocab import FREQUENCIES


def sort_key(text: str) -> tuple[str, str]:
    """French alphabetical order: accents and case ignored first, then used to break ties."""
    folded = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    base = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return base, text


@dataclass(frozen=True)
class FacetValue:
    """One keyword (publisher, frequency, format) and the datasets that have it."""

    facet: str  # the facet's directory, e.g. "mots-cles"
    slug: str
    label: str
    datasets: tuple[PublishedDataset, ...]

    @property
    def url(self) -> str:
        return f"{self.facet}/{self.slug}/"

    @property
    def count(self) -> int:
        return len(self.datasets)

    @property
    def count_label(self) -> str:
        return f"{self.count} jeu{'x' if self.count > 1 else ''} de données"


@dataclass(frozen=True)
class Facet:
    """A way to browse the catalogue: its pages' wording and its values."""

    id: str  # also the Pagefind filter key: keyword, publisher, frequency, format
    directory: str  # mots-cles, producteurs, frequences, formats
    title: str  # "Mots-clés": the index page's title
    singular: str  # "Mot-clé": before the value's label on its page
    intro: str
    values: tuple[FacetValue, ...]

    @property
    def url(self) -> str:
        return f"{self.directory}/"

    def find(self, label: str) -> FacetValue | None:
        slug = slugify(label)
        return next((v for v in self.values if v.slug == slug), None)


@dataclass(frozen=True)
class FacetsData:
    """opendata.extras["facets"]: the four facets, in the order the pages show them."""

    facets: tuple[Facet, ...]

    def get(self, facet_id: str) -> Facet:
        return next(f for f in self.facets if f.id == facet_id)

    # Helpers for the dataset page: the facet page of a keyword or a publisher, or None.
    def keyword(self, label: str) -> FacetValue | None:
        return self.get("keyword").find(label)

    def publisher(self, label: str) -> FacetValue | None:
        return self.get("publisher").find(label)


def frequency_label(published: PublishedDataset) -> str:
    """The short label of a dataset's frequency ("Ponctuelle", not its explanation)."""
    return published.dataset.frequency.label.split("(")[0].strip()


def _group(
    facet: str,
    datasets: Iterable[PublishedDataset],
    labels: Callable[[PublishedDataset], Iterable[str]],
    order: Callable[[FacetValue], object] | None = None,
) -> tuple[FacetValue, ...]:
    """Group datasets by the labels each one has; labels with one slug are one value.

    The label shown is the spelling most datasets use (ties: alphabetical order).
    """
    members: dict[str, dict[str, PublishedDataset]] = {}
    spellings: dict[str, Counter[str]] = {}
    for published in datasets:
        for label in dict.fromkeys(label.strip() for label in labels(published)):
            slug = slugify(label)
            if not slug:  # nothing left to put in a URL (a keyword of punctuation only)
                continue
            spellings.setdefault(slug, Counter())[label] += 1
            members.setdefault(slug, {})[published.slug] = published
    values = [
        FacetValue(
            facet=facet,
            slug=slug,
            label=min(spellings[slug].items(), key=lambda item: (-item[1], sort_key(item[0])))[0],
            datasets=tuple(sorted(found.values(), key=lambda p: sort_key(p.dataset.title))),
        )
        for slug, found in members.items()
    ]
    return tuple(sorted(values, key=order or (lambda v: sort_key(v.label))))


_FREQUENCY_ORDER = {slugify(f.label.split("(")[0]): i for i, f in enumerate(FREQUENCIES.values())}


def collect_facets(datasets: Iterable[PublishedDataset]) -> FacetsData:
    datasets = tuple(datasets)
    return FacetsData((
        Facet(
            "keyword", "mots-cles", "Mots-clés", "Mot-clé",
            "Tous les mots-clés des jeux de données, avec le nombre de jeux qui les emploient.",
            _group("mots-cles", datasets, lambda p: p.dataset.keywords),
        ),
        Facet(
            "publisher", "producteurs", "Producteurs", "Producteur",
            "Les services et organismes qui produisent les jeux de données publiés ici.",
            _group("producteurs", datasets, lambda p: [p.dataset.publisher] if p.dataset.publisher else []),
        ),
        Facet(
            "frequency", "frequences", "Fréquences de mise à jour", "Fréquence de mise à jour",
            "Les jeux de données selon le rythme auquel ils sont mis à jour.",
            _group("frequences", datasets, lambda p: [frequency_label(p)],
                   order=lambda v: _FREQUENCY_ORDER.get(v.slug, len(_FREQUENCY_ORDER))),
        ),
        Facet(
            "format", "formats", "Formats", "Format",
            "Les formats dans lesquels les jeux de données se téléchargent.",
            _group("formats", datasets, lambda p: p.formats),
        ),
    ))


class FacetsExtension(BaseExtension):
    name = "facets"
    order = 80

    def prepare(self, context: BuildContext) -> Contribution:
        data = collect_facets(context.datasets)
        pages: list[Page] = []
        for facet in data.facets:
            pages.append(Page(facet.url, "facets/index", "facet-index", {"facet": facet}))
            pages.extend(
                Page(value.url, "facets/facet", "facet", {"facet": facet, "value": value})
                for value in facet.values
            )
        return Contribution(self.name, data=data, pages=tuple(pages))


EXTENSION = FacetsExtension()
