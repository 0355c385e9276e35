"""What changed in each project's data between published versions, from git.

The dataset's history (pipeline.history) gives row-level diffs keyed on each table's
primary key; rows whose key starts with the project id (projets by `id`; phases,
deliberations, documents by `projet`) are attributed to that project.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from pipeline.history.model import DatasetHistory
from pipeline.model import Resource

OWN_KEYS = ("id", "projet")


@dataclass(frozen=True)
class ProjectChange:
    date: datetime
    summary: str
    details: tuple[str, ...] = ()
    url: str = ""


def project_changes(history: DatasetHistory, resource_of: Callable[[str], Resource | None],
                    version_url: Callable[[str], str]) -> dict[str, list[ProjectChange]]:
    """Per project id, newest first: one entry per version and table that touched it."""
    found: dict[str, list[ProjectChange]] = {}
    for version in history.versions:
        if version.initial:
            continue
        for change in version.resources:
            resource = resource_of(change.name)
            if resource is None or not resource.primary_key or resource.primary_key[0] not in OWN_KEYS:
                continue
            per_project = _by_project(change.counts.cells, change.counts.added_keys,
                                      change.counts.removed_keys)
            for project, details in per_project.items():
                found.setdefault(project, []).append(ProjectChange(
                    date=version.commit.date,
                    summary=f"{resource.title} : {version.commit.subject}",
                    details=tuple(details),
                    url=version_url(version.anchor),
                ))
    return found


def _by_project(cells: Iterable, added: Iterable[tuple[str, ...]],
                removed: Iterable[tuple[str, ...]]) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for cell in cells:
        details.setdefault(cell.key[0], []).append(f"{cell.field} : « {cell.old} » → « {cell.new} »")
    for key in added:
        details.setdefault(key[0], []).append(f"ligne ajoutée ({' / '.join(key)})")
    for key in removed:
        details.setdefault(key[0], []).append(f"ligne retirée ({' / '.join(key)})")
    return details
