"""Contributions to a call, after moderation: volume per theme, reasons for removal.

Reads the datasets of kind `contributions` (resource contributions; schema in
schemas/site/contributions/) and adds /contributions/: how many contributions each theme
received, how many were removed and why (the charter is content/pages/charte.md), and
the published contributions themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, Page
from pipeline.model import PublishedDataset
from pipeline.participation.budget_render import BarChart, bar_chart
from pipeline.report import Problem

KIND = "contributions"
PUBLISHED, REFUSED = "publiée", "refusée"
AUTHOR_TYPES = ("habitant", "association", "élu", "collectivité")


@dataclass(frozen=True)
class Entry:
    id: int
    theme: str
    day: date
    text: str
    author: str
    decision: str
    reason: str


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    published: int
    refused: int

    @property
    def total(self) -> int:
        return self.published + self.refused


@dataclass(frozen=True)
class Summary:
    """What the page shows for all the contributions of the site."""

    entries: tuple[Entry, ...]
    themes: tuple[ThemeCount, ...]
    chart: BarChart

    @property
    def published(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.decision == PUBLISHED)

    @property
    def refused(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.decision == REFUSED)

    @property
    def reasons(self) -> list[tuple[str, int]]:
        return sorted(Counter(e.reason for e in self.refused).items(), key=lambda x: (-x[1], x[0]))

    @property
    def authors(self) -> list[tuple[str, int, int]]:
        """(type, published, refused) for each type of author, in the schema's order."""
        return [(a, sum(e.author == a for e in self.published), sum(e.author == a for e in self.refused))
                for a in AUTHOR_TYPES]

    def published_in(self, theme: str) -> list[Entry]:
        return sorted((e for e in self.published if e.theme == theme), key=lambda e: (e.day, e.id))

    @property
    def first_day(self) -> date:
        return min(e.day for e in self.entries)

    @property
    def last_day(self) -> date:
        return max(e.day for e in self.entries)


def check(rows: Sequence[Mapping[str, Any]], dataset: str, file: str) -> tuple[list[Entry], list[Problem]]:
    """The rows as entries; a removed contribution keeps its reason and loses its text."""
    entries, problems = [], []
    for index, row in enumerate(rows):
        number = index + 2  # header = row 1
        text, reason = (row.get("texte") or "").strip(), (row.get("motif") or "").strip()
        where = {"dataset": dataset, "file": file, "row": number}
        if row["decision"] == REFUSED and not reason:
            problems.append(Problem("error", "refusal-without-reason", "A removed contribution must say why.",
                                    field="motif", hint="Name the rule of the charter it broke.", **where))
        if row["decision"] == REFUSED and text:
            problems.append(Problem("error", "removed-text-published",
                                    "The text of a removed contribution would be republished.",
                                    field="texte", **where,
                                    hint="Empty texte for a contribution refused by moderation."))
        if row["decision"] == PUBLISHED and not text:
            problems.append(Problem("error", "published-without-text",
                                    "A published contribution has no text.", field="texte", **where,
                                    hint="Fill in the text, or set decision to refusée."))
        if row["decision"] == PUBLISHED and reason:
            problems.append(Problem("warning", "reason-for-published",
                                    "A published contribution has a reason for removal.", field="motif",
                                    value=reason, hint="Empty motif, or set decision to refusée.", **where))
        entries.append(Entry(int(row["id"]), row["theme"], row["date"], text, row["auteur_type"],
                             row["decision"], reason))
    return entries, problems


def summarise(entries: Sequence[Entry], themes: Sequence[str]) -> Summary:
    known = list(themes) + sorted({e.theme for e in entries} - set(themes))
    counts = tuple(
        ThemeCount(t, sum(e.theme == t and e.decision == PUBLISHED for e in entries),
                   sum(e.theme == t and e.decision == REFUSED for e in entries))
        for t in known
    )
    chart = bar_chart("graphique-contributions", "Contributions reçues par thème",
                      [(t.theme[:1].upper() + t.theme[1:], t.total, False) for t in counts], label_width=340)
    return Summary(tuple(sorted(entries, key=lambda e: (e.day, e.id))), counts, chart)


def _themes(published: PublishedDataset) -> list[str]:
    resource = next((r for r, _ in published.resources if r.name == "contributions"), None)
    field = next((f for f in (resource.fields if resource else ()) if f.name == "theme"), None)
    return list((field.constraints or {}).get("enum", [])) if field else []


class ContributionsExtension(BaseExtension):
    name = "contributions"
    order = 32
    dataset_kind = KIND

    def prepare(self, context: BuildContext) -> Contribution:
        entries: list[Entry] = []
        problems: list[Problem] = []
        themes: list[str] = []
        datasets = context.of_kind(KIND)
        for published in datasets:
            resource = context.resource(published, "contributions")
            if resource is None:
                problems.append(Problem(
                    "error", "missing-resource", f"A dataset of kind {KIND!r} needs a resource named "
                    "'contributions'.", dataset=published.slug,
                    file=f"datasets/{published.slug}/datapackage.yaml",
                    hint=f"Add a resource with name: contributions and schema: site:{KIND}/contributions."))
                continue
            rows = context.table(published, "contributions").to_pylist()
            found, issues = check(rows, published.slug, f"datasets/{published.slug}/{resource.relpath}")
            entries += found
            problems += issues
            themes += [t for t in _themes(published) if t not in themes]
        if not entries:
            return Contribution(self.name, problems=tuple(problems))
        summary = summarise(entries, themes)
        page = Page("contributions/", "contributions/index", "contributions",
                    {"summary": summary, "contribution_datasets": datasets})
        return Contribution(self.name, data=summary, pages=(page,), problems=tuple(problems),
                            dataset_sections=("contributions/_dataset_section.html",))


EXTENSION = ContributionsExtension()
