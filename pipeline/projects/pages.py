"""The pages of the projects: the list and its facets, one page per project, the cantons.

Filtering works without JavaScript: every value of a facet (status, type, canton) has its own
pre-built page listing the matching projects; theme/static/js/projects.js only adds a form
that filters the list in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from pipeline.config import Canton, SiteSettings
from pipeline.extensions.base import Page
from pipeline.maps.model import RenderedMap
from pipeline.projects.budget import BudgetSummary, euros, signed_euros
from pipeline.projects.history import FORM_TITLES, Event, participation
from pipeline.projects.model import TYPES, Project
from pipeline.projects.status import STATUSES, Progress, Status
from pipeline.text import slugify


@dataclass(frozen=True)
class ProjectView:
    """A project with everything its pages show that is computed, not read."""

    project: Project
    progress: Progress
    events: tuple[Event, ...]
    budget: BudgetSummary
    chart: Markup
    map: RenderedMap | None = None
    sample: bool = False  # from a dataset of fictional sample data

    @property
    def status(self) -> Status:
        return self.progress.status

    @property
    def type_slug(self) -> str:
        return slugify(self.project.type)

    def phases(self) -> list[tuple[Any, str, bool]]:
        """(phase, state, is_current) in the project's order, for the timeline."""
        current = self.progress.current
        return [(p, self.progress.phase_state(p), p is current) for p in self.project.phases]


@dataclass(frozen=True)
class Facet:
    label: str
    url: str
    count: int
    value: str  # what the JavaScript filter compares (status slug, type slug, canton code)


@dataclass(frozen=True)
class FacetGroup:
    key: str  # statut, type, canton
    title: str
    facets: tuple[Facet, ...]


@dataclass(frozen=True)
class ProjectsIndex:
    """opendata.extras["projects"]: the projects, for other pages (home, canton pages…)."""

    projects: tuple[ProjectView, ...] = ()
    facets: tuple[FacetGroup, ...] = ()
    feed_path: str = "feeds/projets.atom.xml"
    by_canton: dict[str, tuple[ProjectView, ...]] = field(default_factory=dict)


def listing_order(views: Sequence[ProjectView]) -> list[ProjectView]:
    """Projects in progress first, then upcoming, finished and suspended; by title within."""
    rank = {status.slug: index for index, status in enumerate(STATUSES)}
    return sorted(views, key=lambda v: (rank[v.status.slug], v.project.titre.lower(), v.project.id))


def facet_groups(views: Sequence[ProjectView], settings: SiteSettings) -> tuple[FacetGroup, ...]:
    statuses = tuple(Facet(s.label, f"projets/statut/{s.slug}/", _count(views, lambda v, s=s: v.status == s),
                           s.slug) for s in STATUSES)
    types = tuple(Facet(t, f"projets/type/{slugify(t)}/", _count(views, lambda v, t=t: v.project.type == t),
                        slugify(t)) for t in TYPES)
    cantons = tuple(
        Facet(c.name, f"projets/canton/{c.slug}/", n, c.code)
        for c in settings.territory.cantons
        if (n := _count(views, lambda v, c=c: c in v.project.cantons))
    )
    return (FacetGroup("statut", "Statut", statuses), FacetGroup("type", "Type de projet", types),
            FacetGroup("canton", "Canton", cantons))


def build_pages(views: Sequence[ProjectView], settings: SiteSettings, index: ProjectsIndex, today: date,
                changes: Mapping[str, Sequence[Any]] | None = None) -> list[Page]:
    """Every page of the projects. `changes` maps a project id to what changed in its data
    between published versions (from git), shown in the project page's "Modifications"
    section: a sequence of objects with date, summary, and optionally details and url."""
    ordered = listing_order(views)
    changes = changes or {}
    common = {"facet_groups": index.facets, "today": today, "euros": euros, "signed_euros": signed_euros,
              "participation": participation, "form_titles": FORM_TITLES, "canton_label": canton_label,
              "projects_feed": index.feed_path}
    pages = [Page("projets/", "projects/index", "projects-index",
                  {**common, "projects": ordered, "selection": None})]
    matchers: dict[str, Callable[[ProjectView, Facet], bool]] = {
        "statut": lambda v, f: v.status.slug == f.value,
        "type": lambda v, f: v.type_slug == f.value,
        "canton": lambda v, f: any(c.code == f.value for c in v.project.cantons),
    }
    for group in index.facets:
        for facet in group.facets:
            chosen = [v for v in ordered if matchers[group.key](v, facet)]
            pages.append(Page(facet.url, "projects/index", "projects-facet",
                              {**common, "projects": chosen, "selection": (group, facet)}))
    for view in ordered:
        pages.append(Page(view.project.url, "projects/project", "project",
                          {**common, "view": view, "project_maps": [view.map] if view.map else [],
                           "changes": tuple(changes.get(view.project.id, ()))}))
    pages.append(Page("cantons/", "projects/cantons", "cantons-index",
                      {**common, "canton_counts": [(c, len(index.by_canton.get(c.code, ())))
                                                   for c in settings.territory.cantons]}))
    for canton in settings.territory.cantons:
        members = list(index.by_canton.get(canton.code, ()))
        pages.append(Page(canton_url(canton), "projects/canton", "canton",
                          {**common, "canton": canton, "projects": members}))
    return pages


def canton_label(canton: Canton) -> str:
    """« canton d'Armentières », « canton du Cateau-Cambrésis », « canton de Caudry »."""
    name = canton.name
    if name.startswith("Le "):
        return f"canton du {name[3:]}"
    if name.startswith("Les "):
        return f"canton des {name[4:]}"
    if name[:1].lower() in "aeiouyhâàéèêîïôœù":
        return f"canton d'{name}"
    return f"canton de {name}"


def canton_url(canton: Canton) -> str:
    return f"cantons/{canton.slug}/"


def by_canton(views: Sequence[ProjectView], settings: SiteSettings) -> dict[str, tuple[ProjectView, ...]]:
    ordered = listing_order(views)
    return {c.code: tuple(v for v in ordered if c in v.project.cantons) for c in settings.territory.cantons}


def _count(views: Sequence[ProjectView], match: Callable[[ProjectView], bool]) -> int:
    return sum(1 for v in views if match(v))
