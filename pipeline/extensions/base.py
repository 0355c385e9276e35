"""What an extension is: a module that adds pages, files or data to the site.

Transparency pages (projects, MIE…), participation, search, catalogues for harvesting:
each is one module in pipeline/extensions/ exposing EXTENSION, found automatically, and
plugged into the same two moments of the build: prepare (before anything is written,
so its problems can still refuse the build) and after_render (on the staging folder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import BuildPaths, SiteSettings
from pipeline.model import PublishedDataset, Resource
from pipeline.report import Problem


@dataclass(frozen=True)
class Page:
    """A page to render: url "projets/rd-917/" is written as projets/rd-917/index.html."""

    url: str
    template: str  # theme template name without .html, e.g. "projects/project"
    kind: str  # the page kind, as listed in the quality gates
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GeneratedFile:
    """A non-HTML file of the site (feed, calendar, catalogue), path relative to the root."""

    path: str
    content: bytes


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str  # relative to the site root, e.g. "projets/"
    order: int = 50


@dataclass(frozen=True)
class Contribution:
    """What one extension adds. `data` is available to templates as opendata.extras[name]."""

    name: str
    data: Any = None
    pages: tuple[Page, ...] = ()
    files: tuple[GeneratedFile, ...] = ()
    problems: tuple[Problem, ...] = ()
    # Informational lines for the build report: they never fail a build, even --strict.
    notes: tuple[str, ...] = ()
    nav: tuple[NavLink, ...] = ()
    # Templates included in every page's <head> (e.g. a link to the DCAT catalogue).
    head_partials: tuple[str, ...] = ()
    # Templates included in each dataset page, after its standard sections.
    dataset_sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildContext:
    """Everything an extension may read; it writes nothing itself before render."""

    paths: BuildPaths
    settings: SiteSettings
    datasets: tuple[PublishedDataset, ...]
    files_dirs: Mapping[str, Path]  # slug → folder holding the dataset's converted files
    build_date: Any
    commit: str

    def of_kind(self, kind: str) -> list[PublishedDataset]:
        return [d for d in self.datasets if d.dataset.kind == kind]

    def table(self, published: PublishedDataset, resource_name: str) -> pa.Table:
        """The typed table of a resource, read back from its Parquet download."""
        return pq.read_table(self.files_dirs[published.slug] / f"{resource_name}.parquet")

    def resource(self, published: PublishedDataset, resource_name: str) -> Resource | None:
        return next((r for r, _ in published.resources if r.name == resource_name), None)


class Extension(Protocol):
    name: str
    order: int
    # The value of `kind:` in datapackage.yaml that this extension reads, if any. Such an
    # extension is left out of a build that has no dataset of its kind.
    dataset_kind: str | None

    def prepare(self, context: BuildContext) -> Contribution: ...

    def after_render(self, context: BuildContext, output: Path) -> list[Problem]: ...


class BaseExtension:
    """Defaults for the optional parts of an extension."""

    name = "base"
    order = 50
    dataset_kind: str | None = None

    def prepare(self, context: BuildContext) -> Contribution:
        return Contribution(self.name)

    def after_render(self, context: BuildContext, output: Path) -> list[Problem]:
        return []
