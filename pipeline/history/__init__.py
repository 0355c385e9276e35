"""The version history of every dataset, from git, with row-level differences.

    history = read_history(datasets_dir, slugs, cache_dir, SchemaCache(root / "schemas"))
    for version in history.of("budget-primitif").versions:        # newest first
        version.commit.date, version.commit.subject, version.rows_added
        for change in version.changed_resources:
            change.counts.cells, change.schema_changes, change.counts.diff_file

In a build, `history_for(context)` reads it once and shares it between extensions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.history.collect import read_history
from pipeline.history.model import (
    MAX_CELLS,
    CellChange,
    Commit,
    DatasetHistory,
    DiffCounts,
    RepositoryHistory,
    ResourceChange,
    SchemaChange,
    Version,
    VersionFile,
)
from pipeline.schemas import SchemaCache

if TYPE_CHECKING:
    from pipeline.extensions.base import BuildContext

__all__ = [
    "MAX_CELLS",
    "CellChange",
    "Commit",
    "DatasetHistory",
    "DiffCounts",
    "RepositoryHistory",
    "ResourceChange",
    "SchemaChange",
    "Version",
    "VersionFile",
    "history_for",
    "read_history",
]

# The history of the build in progress, shared by the extensions that show it. Holding
# the context itself (not its id) makes the check exact: a new build never matches.
_current: list[tuple[BuildContext, RepositoryHistory]] = []


def history_for(context: BuildContext) -> RepositoryHistory:
    """The history of the build's datasets, read once per build."""
    if _current and _current[0][0] is context:
        return _current[0][1]
    history = read_history(context.paths.datasets, [d.slug for d in context.datasets],
                           context.paths.cache, SchemaCache.for_project(context.paths.root, context.settings))
    _current[:] = [(context, history)]
    return history
