"""Every dataset's versions from one `git log` of the datasets folder.

The log is replayed oldest first to know each dataset's files at each commit (path →
blob); each version is read with its own descriptor and schema and compared with the
previous readable version, resource by resource (matched on the descriptor's name, or
through git's rename detection when the name followed the file's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.history.cache import DiffCache
from pipeline.history.diff import diff_csv, diff_tables, schema_changes
from pipeline.history.git import BlobReader, FileChange, GitUnavailable, LoggedCommit, Repository
from pipeline.history.model import (
    MAX_CELLS,
    MAX_ROWS_LISTED,
    DatasetHistory,
    DiffCounts,
    RepositoryHistory,
    ResourceChange,
    Version,
    VersionFile,
)
from pipeline.history.read import CanonicalTable, read_canonical
from pipeline.history.snapshot import DESCRIPTOR, OldResource, Snapshot, read_snapshot
from pipeline.schemas import SchemaCache

NOTE_SAME_VALUES = "fichier réécrit sans changement de valeur"
NOTE_UNREADABLE = "fichier absent de l'historique local : comparaison impossible"


def read_history(datasets_dir: Path, slugs: Sequence[str], cache_dir: Path,
                 schemas: SchemaCache) -> RepositoryHistory:
    """The versions of each dataset in slugs; without git, no versions and source "none"."""
    try:
        repo = Repository.find(datasets_dir)
        prefix = repo.relative(datasets_dir)
        log = repo.log(prefix)
        dirty = {_slug_of(path, prefix) for path in repo.dirty_paths(prefix)}
        head = repo.head()
    except (GitUnavailable, ValueError):
        return RepositoryHistory("none", "", {s: DatasetHistory(s, (), "none") for s in slugs})
    source = "shallow" if repo.is_shallow else "git"
    commits = _by_dataset(log, prefix, set(slugs))
    cache = DiffCache(cache_dir)
    with repo.blobs() as blobs:
        reader = _Reader(prefix, blobs, schemas, cache, repo.shallow_commits)
        histories = {
            slug: DatasetHistory(slug, reader.versions(slug, commits.get(slug, [])), source,
                                 uncommitted=slug in dirty)
            for slug in slugs
        }
    return RepositoryHistory(source, head, histories)


@dataclass(frozen=True)
class _Touch:
    """A commit that changed a dataset's folder, with the folder's files after it."""

    logged: LoggedCommit
    changes: tuple[FileChange, ...]
    files: Mapping[str, str]  # path → blob


def _slug_of(path: str, prefix: str) -> str:
    rest = path[len(prefix) + 1:] if prefix and prefix != "." else path
    return rest.split("/", 1)[0] if "/" in rest else ""


def _by_dataset(log: Iterable[LoggedCommit], prefix: str, wanted: set[str]) -> dict[str, list[_Touch]]:
    state: dict[str, dict[str, str]] = {}
    touches: dict[str, list[_Touch]] = {}
    for logged in log:
        changed: dict[str, list[FileChange]] = {}
        for change in logged.changes:
            if change.old_path and change.status == "R":
                old_slug = _slug_of(change.old_path, prefix)
                state.setdefault(old_slug, {}).pop(change.old_path, None)
                changed.setdefault(old_slug, []).append(change)
            slug = _slug_of(change.path, prefix)
            files = state.setdefault(slug, {})
            if change.status == "D":
                files.pop(change.path, None)
            else:
                files[change.path] = change.blob
            changed.setdefault(slug, []).append(change)
        for slug, changes in changed.items():
            if slug in wanted:
                touches.setdefault(slug, []).append(
                    _Touch(logged, tuple(changes), dict(state.get(slug, {}))))
    return touches


@dataclass
class _Previous:
    """The last readable version: its snapshot and each resource's row count."""

    snapshot: Snapshot
    rows: dict[str, int | None] = field(default_factory=dict)


class _Reader:
    def __init__(self, prefix: str, blobs: BlobReader, schemas: SchemaCache, cache: DiffCache,
                 shallow: frozenset[str]) -> None:
        self.prefix = prefix
        self.blobs = blobs
        self.schemas = schemas
        self.cache = cache
        self.shallow = shallow
        # The last table read: version n's "after" is version n+1's "before".
        self._last: tuple[tuple[str, str], CanonicalTable] | None = None

    def versions(self, slug: str, touches: list[_Touch]) -> tuple[Version, ...]:
        folder = f"{self.prefix}/{slug}" if self.prefix not in {"", "."} else slug
        previous: _Previous | None = None
        versions: list[Version] = []
        for index, touch in enumerate(touches):
            commit = touch.logged.commit
            snapshot = read_snapshot(folder, touch.files, self.blobs, self.schemas)
            partial = index == 0 and commit.sha in self.shallow
            files = tuple(VersionFile(path, path[len(folder) + 1:], blob)
                          for path, blob in sorted(touch.files.items()))
            metadata = any(c.path == f"{folder}/{DESCRIPTOR}" for c in touch.changes)
            if not snapshot.readable:
                versions.append(Version(commit, (), files, initial=index == 0, partial=partial,
                                        metadata_changed=metadata, notes=snapshot.notes))
                continue
            resources = self._compare(previous, snapshot, touch.changes, baseline=partial)
            versions.append(Version(commit, resources, files, initial=previous is None and not partial,
                                    partial=partial, metadata_changed=metadata, notes=snapshot.notes))
            previous = _Previous(snapshot, {r.name: r.counts.rows_after for r in resources
                                            if r.status != "removed"})
        return tuple(reversed(versions))

    def _compare(self, previous: _Previous | None, snapshot: Snapshot,
                 changes: tuple[FileChange, ...], baseline: bool) -> tuple[ResourceChange, ...]:
        if previous is None:
            status = "baseline" if baseline else "created"
            return tuple(self._alone(r, status) for r in snapshot.resources)
        before = previous.snapshot.by_name()
        pairs = _match(before, snapshot.resources, changes)
        result = []
        for new in snapshot.resources:
            old = pairs.get(new.name)
            if old is None:
                result.append(self._alone(new, "added"))
            else:
                result.append(self._pair(old, new, previous.rows.get(old.name)))
        matched = {old.name for old in pairs.values()}
        for old in previous.snapshot.resources:
            if old.name not in matched:
                rows = previous.rows.get(old.name)
                result.append(ResourceChange(
                    old.name, old.title, "", old.format, "removed", previous_path=old.path,
                    counts=DiffCounts(rows, None, rows_removed=rows or 0), tabular=old.tabular))
        return tuple(result)

    def _alone(self, resource: OldResource, status: str) -> ResourceChange:
        """A resource without a previous version: its rows are counted, all new."""
        rows = self._count(resource) if resource.tabular else None
        added = (rows or 0) if status != "baseline" else 0
        counts = DiffCounts(None, rows, rows_added=added)
        return ResourceChange(resource.name, resource.title, resource.path, resource.format,
                              status, resource.blob, counts=counts,  # type: ignore[arg-type]
                              tabular=resource.tabular)

    def _pair(self, old: OldResource, new: OldResource, rows: int | None) -> ResourceChange:
        changes = schema_changes(old, new)
        renamed = old.path if old.path != new.path else ""
        same = old.blob == new.blob and old.reading_spec() == new.reading_spec()
        counts = DiffCounts(rows, rows) if same or not new.tabular else self._diff(old, new, rows)
        if not new.tabular:
            status = "modified" if old.blob != new.blob else "unchanged"
        elif _counted(counts):
            status = "modified"
        else:
            status = "unchanged"
            if old.blob != new.blob:
                counts = replace(counts, notes=(*counts.notes, NOTE_SAME_VALUES))
        return ResourceChange(new.name, new.title, new.path, new.format, status, new.blob,
                              previous_path=renamed, counts=counts, schema_changes=changes,
                              tabular=new.tabular)

    def _count(self, resource: OldResource) -> int | None:
        key = self.cache.key("count", resource.blob, resource.reading_spec())
        cached = self.cache.load(key)
        if cached is not None:
            return cached.rows_after
        table = self._table(resource)
        if table is None:
            return None
        return self.cache.store(key, DiffCounts(None, table.num_rows), None).rows_after

    def _diff(self, old: OldResource, new: OldResource, rows: int | None) -> DiffCounts:
        key_fields = _key(old, new)
        key = self.cache.key("diff", old.blob, old.reading_spec(), new.blob, new.reading_spec(),
                             ",".join(key_fields))
        cached = self.cache.load(key)
        if cached is not None:
            return cached
        before, after = self._table(old), self._table(new)
        if before is None or after is None:
            return DiffCounts(rows, None, notes=(NOTE_UNREADABLE,))
        diff = diff_tables(before, after, key_fields)
        small_rows = len(diff.added) + len(diff.removed) <= MAX_ROWS_LISTED
        counts = DiffCounts(
            rows_before=before.num_rows,
            rows_after=after.num_rows,
            rows_added=len(diff.added),
            rows_removed=len(diff.removed),
            rows_changed=len(diff.changed),
            cells_changed=diff.cells_changed,
            cells=tuple(diff.cells()) if diff.cells_changed <= MAX_CELLS else (),
            added_keys=tuple(diff.key_of(r, diff.new_fields) for r in diff.added) if small_rows else (),
            removed_keys=tuple(diff.key_of(r, diff.old_fields) for r in diff.removed)
            if small_rows else (),
            fields_changed=diff.fields_changed(),
            key_fields=diff.key_fields,
            compared_by=diff.compared_by,  # type: ignore[arg-type]
            notes=tuple(diff.notes),
        )
        return self.cache.store(key, counts, diff_csv(diff) if diff.large else None)


    def _table(self, resource: OldResource) -> CanonicalTable | None:
        key = (resource.blob, resource.reading_spec())
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        content = self.blobs.read(resource.blob) if resource.blob else None
        if content is None:
            return None
        table = read_canonical(resource, content, self.cache.scratch)
        self._last = (key, table)
        return table


def _counted(counts: DiffCounts) -> bool:
    return bool(counts.rows_added or counts.rows_removed or counts.rows_changed)


def _key(old: OldResource, new: OldResource) -> tuple[str, ...]:
    """The new primary key if the old version has its fields, else the old one if usable."""
    for key in (new.primary_key, old.primary_key):
        if key and all(k in old.fields and k in new.fields for k in key):
            return key
    return ()


def _match(before: dict[str, OldResource], after: Sequence[OldResource],
           changes: tuple[FileChange, ...]) -> dict[str, OldResource]:
    """New resource name → its previous version: same name, else the file git saw renamed."""
    pairs = {r.name: before[r.name] for r in after if r.name in before}
    taken = {old.name for old in pairs.values()}
    renamed_from = {c.path: c.old_path for c in changes if c.status == "R"}
    by_path = {r.path: r for r in before.values() if r.name not in taken}
    for resource in after:
        if resource.name in pairs:
            continue
        old = by_path.get(renamed_from.get(resource.path, ""))
        if old is not None and old.name not in taken:
            pairs[resource.name] = old
            taken.add(old.name)
    return pairs

