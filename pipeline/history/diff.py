"""Row-level differences between two versions of a table, and between their schemas.

Rows are matched on the primary key and compared on every field the two versions share.
Without a usable key (none declared, or duplicated values in an old invalid version) the
rows are compared whole: a changed row then counts as one removed and one added.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.history.model import MAX_CELLS, MAX_ROWS_LISTED, CellChange, SchemaChange
from pipeline.history.read import CanonicalTable, Cell
from pipeline.history.snapshot import OldResource

NOTE_NO_KEY = ("sans clé primaire : lignes comparées en entier (une ligne modifiée compte "
               "comme une retirée et une ajoutée)")
NOTE_DUPLICATE_KEY = ("clé primaire en double dans une des versions : lignes comparées en entier")
NOTE_TEXT = "une des versions n'a pas pu être lue avec son schéma : valeurs comparées comme texte"

OP_ADDED, OP_REMOVED, OP_BEFORE, OP_AFTER = "ajout", "suppression", "avant", "après"


@dataclass
class TableDiff:
    """The differences, with every change kept for the diff CSV."""

    key_fields: tuple[str, ...]
    compared_by: str  # "key" or "row"
    fields: tuple[str, ...]  # compared fields
    added: list[tuple[Cell, ...]] = field(default_factory=list)  # full rows of the new version
    removed: list[tuple[Cell, ...]] = field(default_factory=list)  # full rows of the old version
    changed: list[tuple[tuple[Cell, ...], tuple[Cell, ...], tuple[str, ...]]] = field(
        default_factory=list)  # (old row, new row, changed fields)
    notes: list[str] = field(default_factory=list)
    old_fields: tuple[str, ...] = ()
    new_fields: tuple[str, ...] = ()

    @property
    def cells_changed(self) -> int:
        return sum(len(names) for _, _, names in self.changed)

    @property
    def large(self) -> bool:
        return self.cells_changed > MAX_CELLS or len(self.added) + len(self.removed) > MAX_ROWS_LISTED

    def fields_changed(self) -> tuple[tuple[str, int], ...]:
        counts = Counter(name for _, _, names in self.changed for name in names)
        return tuple((name, counts[name]) for name in self.new_fields if counts[name])

    def key_of(self, row: tuple[Cell, ...], fields: tuple[str, ...]) -> tuple[str, ...]:
        names = self.key_fields or self.fields
        return tuple(_text(row[fields.index(n)]) for n in names if n in fields)

    def cells(self) -> Iterator[CellChange]:
        for old, new, names in self.changed:
            key = self.key_of(new, self.new_fields)
            for name in names:
                yield CellChange(key, name, old[self.old_fields.index(name)],
                                 new[self.new_fields.index(name)])


def diff_tables(old: CanonicalTable, new: CanonicalTable, key: tuple[str, ...]) -> TableDiff:
    """Compare two versions on key (the primary key; () compares whole rows)."""
    shared = tuple(f for f in new.fields if f in old.fields)
    notes = [] if old.typed and new.typed else [NOTE_TEXT]
    old_rows, new_rows = old.rows(old.fields), new.rows(new.fields)
    usable = bool(key) and all(k in shared for k in key)
    if usable:
        result = _by_key(old, new, old_rows, new_rows, key, shared)
        if result is not None:
            result.notes[:0] = notes
            return result
        notes.append(NOTE_DUPLICATE_KEY)
    else:
        notes.append(NOTE_NO_KEY)
    result = _by_row(old, new, old_rows, new_rows, shared)
    result.notes[:0] = notes
    return result


def _by_key(old: CanonicalTable, new: CanonicalTable, old_rows: list, new_rows: list,
            key: tuple[str, ...], shared: tuple[str, ...]) -> TableDiff | None:
    old_key = [old.fields.index(k) for k in key]
    new_key = [new.fields.index(k) for k in key]
    before = {tuple(row[i] for i in old_key): row for row in old_rows}
    after_keys = [tuple(row[i] for i in new_key) for row in new_rows]
    if len(before) != len(old_rows) or len(set(after_keys)) != len(new_rows):
        return None
    pairs = [(old.fields.index(f), new.fields.index(f), f) for f in shared if f not in key]
    diff = TableDiff(key, "key", shared, old_fields=old.fields, new_fields=new.fields)
    for row_key, row in zip(after_keys, new_rows, strict=True):
        previous = before.pop(row_key, None)
        if previous is None:
            diff.added.append(row)
            continue
        names = tuple(name for i, j, name in pairs if previous[i] != row[j])
        if names:
            diff.changed.append((previous, row, names))
    diff.removed.extend(before.values())
    return diff


def _by_row(old: CanonicalTable, new: CanonicalTable, old_rows: list, new_rows: list,
            shared: tuple[str, ...]) -> TableDiff:
    old_index = [old.fields.index(f) for f in shared]
    new_index = [new.fields.index(f) for f in shared]
    remaining = Counter(tuple(row[i] for i in old_index) for row in old_rows)
    diff = TableDiff((), "row", shared, old_fields=old.fields, new_fields=new.fields)
    for row in new_rows:
        projected = tuple(row[i] for i in new_index)
        if remaining[projected] > 0:
            remaining[projected] -= 1
        else:
            diff.added.append(row)
    for row in old_rows:
        projected = tuple(row[i] for i in old_index)
        if remaining[projected] > 0:
            remaining[projected] -= 1
            diff.removed.append(row)
    return diff


def diff_csv(diff: TableDiff) -> bytes:
    """Every change, one line per row: operation, changed fields, then the row's values.

    A changed row is written twice, "avant" (old values) then "après" (new values).
    Columns are the new version's fields, then those only the old version had.
    """
    columns = diff.new_fields + tuple(f for f in diff.old_fields if f not in diff.new_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("operation", "champs_modifies", *columns))

    def line(op: str, row: tuple[Cell, ...], fields: tuple[str, ...], names: tuple[str, ...] = ()
             ) -> tuple[str, ...]:
        values = {f: row[i] for i, f in enumerate(fields)}
        return (op, ";".join(names), *(_text(values.get(c)) for c in columns))

    for row in diff.removed:
        writer.writerow(line(OP_REMOVED, row, diff.old_fields))
    for old, new, names in diff.changed:
        writer.writerow(line(OP_BEFORE, old, diff.old_fields, names))
        writer.writerow(line(OP_AFTER, new, diff.new_fields, names))
    for row in diff.added:
        writer.writerow(line(OP_ADDED, row, diff.new_fields))
    return buffer.getvalue().encode("utf-8")


def schema_changes(old: OldResource, new: OldResource) -> tuple[SchemaChange, ...]:
    """Fields added, removed or retyped, and a changed primary key."""
    if old.schema is None or new.schema is None:
        return ()
    before, after = old.fields, new.fields
    changes = [SchemaChange("field-added", name, "", kind)
               for name, kind in after.items() if name not in before]
    changes += [SchemaChange("field-removed", name, kind, "")
                for name, kind in before.items() if name not in after]
    changes += [SchemaChange("type-changed", name, before[name], kind)
                for name, kind in after.items() if name in before and before[name] != kind]
    if old.primary_key != new.primary_key:
        changes.append(SchemaChange("primary-key-changed", "", ", ".join(old.primary_key),
                                    ", ".join(new.primary_key)))
    return tuple(changes)


def _text(value: Cell) -> str:
    return "" if value is None else value
