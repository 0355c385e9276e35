"""What the history of a dataset is made of: commits, versions and their changes. All frozen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

# A change is "small" when its cells can be listed on the page; beyond, a diff CSV.
MAX_CELLS = 50
MAX_ROWS_LISTED = 50

HistorySource = Literal["git", "shallow", "none"]
ResourceStatus = Literal["created", "added", "modified", "unchanged", "removed", "baseline"]
ComparedBy = Literal["key", "row", "none"]
SchemaChangeKind = Literal["field-added", "field-removed", "type-changed", "primary-key-changed"]


@dataclass(frozen=True)
class Commit:
    sha: str  # full hash
    date: datetime  # committer date, timezone-aware (UTC)
    author: str
    subject: str
    body: str = ""
    parents: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        return self.sha[:12]


@dataclass(frozen=True)
class CellChange:
    """One changed cell of a row identified by its key (the primary key's values)."""

    key: tuple[str, ...]
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class SchemaChange:
    kind: SchemaChangeKind
    field: str = ""
    old: str = ""
    new: str = ""

    @property
    def label(self) -> str:
        """The change in French, for pages and feeds."""
        from pipeline.pelican_plugin.filters import type_fr

        if self.kind == "field-added":
            return f"champ « {self.field} » ajouté ({type_fr(self.new)})"
        if self.kind == "field-removed":
            return f"champ « {self.field} » retiré"
        if self.kind == "type-changed":
            return f"type du champ « {self.field} » : {type_fr(self.old)} → {type_fr(self.new)}"
        return f"clé primaire : {self.old or 'aucune'} → {self.new or 'aucune'}"


@dataclass(frozen=True)
class DiffCounts:
    """How the rows of one resource changed between two versions, from the cache or a diff."""

    rows_before: int | None
    rows_after: int | None
    rows_added: int = 0
    rows_removed: int = 0
    rows_changed: int = 0
    cells_changed: int = 0
    # Kept only for small changes (cells_changed ≤ MAX_CELLS).
    cells: tuple[CellChange, ...] = ()
    # Keys of added/removed rows, kept when there are at most MAX_ROWS_LISTED of them.
    added_keys: tuple[tuple[str, ...], ...] = ()
    removed_keys: tuple[tuple[str, ...], ...] = ()
    # Changed cells per field, e.g. (("montant", 56),), in the order of the schema.
    fields_changed: tuple[tuple[str, int], ...] = ()
    key_fields: tuple[str, ...] = ()
    compared_by: ComparedBy = "none"
    notes: tuple[str, ...] = ()
    # The full diff as CSV in the history cache, for large changes.
    diff_file: Path | None = None

    @property
    def large(self) -> bool:
        return self.diff_file is not None


@dataclass(frozen=True)
class ResourceChange:
    """One resource (keyed on its descriptor name) in one version, compared with the previous."""

    name: str
    title: str
    path: str  # path in the repository at this version ("" when removed)
    format: str
    status: ResourceStatus
    blob: str = ""  # git blob of the data file at this version
    previous_path: str = ""  # set when the file was renamed in this version
    counts: DiffCounts = DiffCounts(None, None)
    schema_changes: tuple[SchemaChange, ...] = ()
    tabular: bool = True

    @property
    def changed(self) -> bool:
        return (self.status != "unchanged" or bool(self.schema_changes) or bool(self.previous_path)
                or bool(self.counts.notes))

    @property
    def renamed(self) -> bool:
        return bool(self.previous_path) and self.previous_path != self.path


@dataclass(frozen=True)
class VersionFile:
    """A file of the dataset folder as it was at a commit."""

    path: str  # relative to the repository's top folder
    name: str  # relative to the dataset folder
    blob: str


@dataclass(frozen=True)
class Version:
    """The dataset as one commit left it, compared with the previous version."""

    commit: Commit
    resources: tuple[ResourceChange, ...]
    files: tuple[VersionFile, ...]
    initial: bool = False  # the commit that created the dataset
    # The oldest commit of a shallow clone: nothing to compare it with.
    partial: bool = False
    metadata_changed: bool = False  # datapackage.yaml changed
    notes: tuple[str, ...] = ()

    @property
    def rows_added(self) -> int:
        return sum(r.counts.rows_added for r in self.resources)

    @property
    def rows_removed(self) -> int:
        return sum(r.counts.rows_removed for r in self.resources)

    @property
    def rows_changed(self) -> int:
        return sum(r.counts.rows_changed for r in self.resources)

    @property
    def changed_resources(self) -> tuple[ResourceChange, ...]:
        return tuple(r for r in self.resources if r.changed)

    @property
    def anchor(self) -> str:
        return f"version-{self.commit.short}"


@dataclass(frozen=True)
class DatasetHistory:
    """Every version of one dataset, newest first."""

    slug: str
    versions: tuple[Version, ...]
    source: HistorySource
    # The working tree holds changes of this dataset not yet committed.
    uncommitted: bool = False

    @property
    def current(self) -> Version | None:
        return self.versions[0] if self.versions else None

    @property
    def shallow(self) -> bool:
        return self.source == "shallow"

    @property
    def earlier(self) -> tuple[Version, ...]:
        return self.versions[1:]


@dataclass(frozen=True)
class RepositoryHistory:
    """The history of every dataset of a build, read with one `git log`."""

    source: HistorySource
    head: str  # full hash of HEAD, "" without git
    datasets: dict[str, DatasetHistory]

    def of(self, slug: str) -> DatasetHistory:
        return self.datasets.get(slug) or DatasetHistory(slug, (), self.source)
