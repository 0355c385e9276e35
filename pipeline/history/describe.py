"""Changes told in French, the same way on pages and in feeds."""

from __future__ import annotations

from pipeline.history.model import DiffCounts, ResourceChange, Version
from pipeline.text import format_int


def _count(n: int, singular: str, plural: str) -> str:
    return f"{format_int(n)} {singular if n < 2 else plural}"


def describe_counts(counts: DiffCounts) -> str:
    """ "3 lignes ajoutées, 1 ligne retirée, 2 lignes modifiées (5 cellules)" """
    parts = []
    if counts.rows_added:
        parts.append(_count(counts.rows_added, "ligne ajoutée", "lignes ajoutées"))
    if counts.rows_removed:
        parts.append(_count(counts.rows_removed, "ligne retirée", "lignes retirées"))
    if counts.rows_changed:
        cells = _count(counts.cells_changed, "cellule", "cellules")
        parts.append(f"{_count(counts.rows_changed, 'ligne modifiée', 'lignes modifiées')} ({cells})")
    return ", ".join(parts) or "aucune ligne ajoutée, retirée ni modifiée"


def describe_change(change: ResourceChange) -> str:
    """What happened to one resource in one version."""
    rows = change.counts.rows_after
    size = f" : {_count(rows, 'ligne', 'lignes')}" if rows is not None else ""
    if change.status == "created":
        return f"publication{size}"
    if change.status == "baseline":
        return f"version la plus ancienne disponible{size}"
    if change.status == "added":
        return f"ressource ajoutée{size}"
    if change.status == "removed":
        before = change.counts.rows_before
        return "ressource retirée" + (f" ({_count(before, 'ligne', 'lignes')})" if before else "")
    if not change.tabular:
        return "fichier modifié" if change.status == "modified" else "fichier inchangé"
    if change.status == "unchanged":
        return "aucun changement de valeur"
    return describe_counts(change.counts)


def describe_version(version: Version) -> str:
    """One line per changed resource: « title » : what changed ; schema changes."""
    if version.partial:
        return "Version la plus ancienne disponible (historique partiel)."
    lines = []
    for change in version.changed_resources:
        text = f"« {change.title} » : {describe_change(change)}"
        if change.renamed:
            text += f" ; fichier renommé ({change.previous_path} → {change.path})"
        if change.schema_changes:
            text += " ; schéma : " + ", ".join(c.label for c in change.schema_changes)
        lines.append(text + ".")
    if not lines:
        lines.append("Métadonnées modifiées, données inchangées." if version.metadata_changed
                     else "Données inchangées.")
    return "\n".join(lines)
