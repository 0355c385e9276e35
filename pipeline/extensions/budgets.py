"""Participatory budgets: editions, projects, winners computed from the votes, follow-up.

Reads the datasets of kind `budget-participatif` (resources editions, phases, projets,
suivi; schemas in schemas/site/budget-participatif/) and adds /budgets/, one page per
edition at /budgets/<edition>/ and its results in the Pabulib format beside it.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from pipeline.extensions.base import (
    BaseExtension,
    BuildContext,
    Contribution,
    GeneratedFile,
    NavLink,
    Page,
)
from pipeline.model import PublishedDataset
from pipeline.participation.budget_editions import Edition, assemble
from pipeline.participation.budget_pabulib import pabulib
from pipeline.participation.budget_render import BarChart, bar_chart, shorten
from pipeline.participation.common import duplicate_ids
from pipeline.report import Problem

KIND = "budget-participatif"
PARIS = ZoneInfo("Europe/Paris")
RESOURCES = ("editions", "phases", "projets", "suivi")


def today(context: BuildContext) -> date:
    """The build date, as a day in the Département's time zone: "today" for every status."""
    return context.build_date.astimezone(PARIS).date()


def read_editions(context: BuildContext, published: PublishedDataset) -> tuple[list[Edition], list[Problem]]:
    """The editions of one dataset, on the build date."""
    tables, files, problems = {}, {}, []
    for name in RESOURCES:
        resource = context.resource(published, name)
        if resource is None:
            problems.append(Problem(
                "error", "missing-resource",
                f"A dataset of kind {KIND!r} needs a resource named {name!r}.",
                dataset=published.slug, file=f"datasets/{published.slug}/datapackage.yaml",
                hint=f"Add a resource with name: {name} and schema: site:{KIND}/{name}."))
            continue
        tables[name] = context.table(published, name).to_pylist()
        files[name] = f"datasets/{published.slug}/{resource.relpath}"
    if problems:
        return [], problems
    editions, found = assemble(tables, files, published.slug, today(context))
    return editions, problems + found


def votes_chart(edition: Edition) -> BarChart:
    """Votes of the eligible projects in the order of the results; winners marked."""
    items = [
        (f"{'✓ ' if p.selected else ''}{p.id} {shorten(p.title, 30)}", p.votes or 0, p.selected)
        for p in edition.ranked
    ]
    return bar_chart(f"graphique-{edition.id}", f"Voix obtenues par projet – {edition.title}", items)


class BudgetsExtension(BaseExtension):
    name = "budgets"
    order = 30
    dataset_kind = KIND

    def prepare(self, context: BuildContext) -> Contribution:
        editions: list[tuple[Edition, PublishedDataset]] = []
        problems: list[Problem] = []
        for published in context.of_kind(KIND):
            found, issues = read_editions(context, published)
            editions += [(e, published) for e in found]
            problems += issues
        problems += duplicate_ids(editions, "edition")
        if not editions:
            return Contribution(self.name, problems=tuple(problems))
        all_editions = [e for e, _ in editions]
        pages = [Page("budgets/", "budgets/index", "budgets-index", {
            "editions": all_editions,
            "department_editions": [e for e in all_editions if not e.for_school],
            "school_editions": sorted((e for e in all_editions if e.for_school),
                                      key=lambda e: (-e.year, e.commune, e.school)),
            "budget_datasets": context.of_kind(KIND),
            "today": today(context),
        })]
        files = []
        for edition, published in editions:
            pages.append(Page(edition.url, "budgets/edition", "budget-edition", {
                "edition": edition,
                "chart": votes_chart(edition) if edition.results_out else None,
                "source": published,
                "pabulib_file": edition.pabulib_path if edition.results_out else None,
            }))
            if edition.results_out:
                text = pabulib(edition, context.settings.owner, published.dataset.sample)
                files.append(GeneratedFile(edition.pabulib_path, text.encode("utf-8")))
        return Contribution(
            name=self.name,
            data={"editions": all_editions,
                  "by_dataset": {p.slug: [e for e, d in editions if d.slug == p.slug]
                                 for p in context.of_kind(KIND)}},
            pages=tuple(pages),
            files=tuple(files),
            problems=tuple(problems),
            nav=(NavLink("Budgets participatifs", "budgets/", order=30),),
            dataset_sections=("budgets/_dataset_section.html",),
        )


EXTENSION = BudgetsExtension()
