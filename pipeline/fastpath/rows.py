"""The errors of one row, in the order frictionless emits them.

Frictionless reads a row lazily: the unique check reads the unique fields' cells (their
type and constraint errors come first), a duplicate makes it read the whole row (the
other cells' errors, extra and missing cells, or only "blank row"), then the primary
key's and the foreign keys' checks do the same; the cell-size check comes last. The
validator knows each row's cells, flags and keys; this puts them in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from frictionless import errors as fl_errors

if TYPE_CHECKING:
    from pipeline.fastpath.engine import ResourceValidator


class Crash(Exception):
    """Frictionless raises this exception validating the resource (and so do we)."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def row_errors(validator: ResourceValidator, number: int, position: int | None, unique_prev: dict,
               primary_prev: np.ndarray | None, primary_none: np.ndarray | None,
               group_match: list) -> list[Any]:
    """The errors of row `number` (at `position` among the keys), as frictionless lists
    them; raises Crash where frictionless raises. `unique_prev`, `primary_prev`: the
    latest earlier row with the same key (0: none); `group_match`: per foreign key, rows
    whose key is all None and rows whose key is found."""
    event = validator.events.get(number)
    width = validator.layout.width
    if event is not None:
        cells = event.cells
    else:
        cells = [None] * width
        for index, text in validator.key_texts.items():
            cells[index] = text[position].as_py()
    shown = ["" if cell is None else str(cell) for cell in cells]
    out: list[Any] = []
    processed: set[int] = set()
    full = [False]

    def raw(index: int) -> str | None:
        return cells[index] if index < len(cells) else None

    def process(index: int) -> None:
        if index in processed:
            return
        processed.add(index)
        if event is not None and index in event.crashes:
            raise Crash(event.crashes[index])
        flags = event.flags.get(index, 0) if event is not None else 0
        for kind, note in validator.checkers[index].notes_of(flags):
            error_class = fl_errors.TypeError if kind == "type-error" else fl_errors.ConstraintError
            out.append(error_class(note=note, cells=shown, row_number=number,
                                   cell=str(raw(index)), field_name=validator.names[index],
                                   field_number=index + 1))

    def finish() -> None:
        if full[0]:
            return
        for index in range(width):
            process(index)
        if event is not None:
            for offset, cell in enumerate(cells[width:], start=width + 1):
                out.append(fl_errors.ExtraCellError(
                    note="", cells=shown, row_number=number, cell=str(cell),
                    field_name="", field_number=offset))
            for index in range(len(cells), width):
                out.append(fl_errors.MissingCellError(
                    note="", cells=shown, row_number=number, cell="",
                    field_name=validator.names[index], field_number=index + 1))
            if event.blank:
                out[:] = [fl_errors.BlankRowError(note="", cells=shown, row_number=number)]
        full[0] = True

    def value(index: int) -> Any:
        return validator.checkers[index].value_of(raw(index))

    for index in validator.unique:
        process(index)
        if position is None or validator.key_null[index][position]:
            continue
        raise_key_crash(validator, number, [index])
        previous = int(unique_prev[index][position])
        if previous:
            finish()
            out.append(fl_errors.UniqueError(
                note=f"the same as in the row at position {previous}", cells=shown,
                row_number=number, cell=str(value(index)), field_name=validator.names[index],
                field_number=index + 1))
    if validator.has_primary and position is not None:
        for index in validator.primary:
            process(index)
        if primary_none[position]:
            finish()
            out.append(fl_errors.PrimaryKeyError(
                note='cells composing the primary keys are all "None"', cells=shown,
                row_number=number))
        else:
            raise_key_crash(validator, number, validator.primary)
            previous = int(primary_prev[position])
            if previous:
                finish()
                out.append(fl_errors.PrimaryKeyError(
                    note=f"the same as in the row at position {previous}", cells=shown,
                    row_number=number))
    if validator.lookup is not None:
        present = [i for i in validator.lookup_fields if i is not None]
        for index in present:
            process(index)
        if position is not None and not all(validator.key_null[i][position] for i in present):
            raise_key_crash(validator, number, present)
        return out
    for group, (none, match) in zip(validator.groups, group_match, strict=True):
        for index in group.target:
            process(index)
        if position is None or none[position]:
            continue
        raise_key_crash(validator, number, group.target)
        if not match[position]:
            finish()
            values = [value(i) for i in group.target]
            note = 'for "{}": values "{}" not found in the lookup table "{}" as "{}"'.format(
                ", ".join(group.target_names), ", ".join(str(v) for v in values),
                group.source_name, ", ".join(group.source_fields))
            out.append(fl_errors.ForeignKeyError(
                note=note, cells=shown, row_number=number,
                field_names=list(group.target_names),
                field_cells=["" if v is None else str(v) for v in values],
                reference_name=group.source_name,
                reference_field_names=list(group.source_fields)))
    finish()
    if event is not None:
        for index, length in event.cell_sizes:
            out.append(validator.cell_size_error(number, shown, validator.names[index], index + 1,
                                            str(value(index)), length))
    return out



def raise_key_crash(validator: ResourceValidator, number: int, indices: Any) -> None:
    """Raise as frictionless does when it hashes a key it cannot (a list, a signalling NaN)."""
    for index in indices:
        if (number, index) in validator.keys.crashes:
            raise Crash(validator.keys.crashes[(number, index)])


