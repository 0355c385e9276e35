"""The cells of one column, read as frictionless' cell reader reads each of them.

A cell is blank (a missing value, or absent from a short row), read by a vectorised
parser when it has the type's canonical form (digits for integers, YYYY-MM-DD for
dates…), or else read by frictionless' own cell reader, once per distinct value. The
vectorised parsers only accept strings that frictionless accepts with the same value, so
agreement does not depend on re-implementing its corner cases: those go to frictionless.
Constraints are vectorised where the comparison is exact (or re-checked by frictionless
where it might not be: float ties with a bound, non-ASCII text under a pattern).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.fastpath.arrays import buffers, np_bool, only, scatter
from pipeline.fastpath.constraints import vector_checks
from pipeline.fastpath.keys import KEY_KINDS, Interner, add_key
from pipeline.fastpath.parsers import ARROW_TYPES, Batch, parser_for

TYPE_ERROR = np.uint32(1)  # bit 0; constraint k of FieldChecker.checks is bit k + 1


@dataclass
class Checked:
    """What frictionless' cell reader makes of each cell of a column."""

    values: pa.Array  # typed as the conversion writes them; null if missing or invalid
    flags: np.ndarray  # uint32: TYPE_ERROR, or one bit per broken constraint
    blank: np.ndarray  # bool: a missing value or an absent cell (frictionless' blank cell)
    key: pa.Array | None = None  # equality key of the value (null for None), if asked
    crashes: dict[int, BaseException] = field(default_factory=dict)  # the reader raises
    key_crashes: dict[int, BaseException] = field(default_factory=dict)  # hash() raises
    unconvertible: bool = False  # a valid value the Parquet type cannot hold


class FieldChecker:
    """Reads the cells of one field as `field.create_cell_reader()` does."""

    def __init__(self, fl_field: Any, *, want_key: bool = False,
                 interner: Interner | None = None) -> None:
        self.field = fl_field
        self.type = fl_field.type
        self.format = fl_field.format
        self.reader = fl_field.create_cell_reader()
        self.value_reader = fl_field.create_value_reader()
        self.missing = list(fl_field.missing_values)
        if not fl_field.has_defined("missing_values") and fl_field.schema:
            self.missing = list(fl_field.schema.missing_values)
        self.missing_set = pa.array([m for m in self.missing if isinstance(m, str)], pa.string())
        constraints = fl_field.constraints
        self.checks = [name for name in type(fl_field).supported_constraints
                       if constraints.get(name) is not None]
        self.type_note = f'type is "{self.type}/{self.format}"'
        self.notes = [f'constraint "{name}" is "{constraints[name]}"' for name in self.checks]
        self.want_key = want_key
        self.key_kind = KEY_KINDS.get(self.type, "py") if want_key else None
        self.interner = interner or Interner()
        self.arrow_type = ARROW_TYPES.get(self.type, pa.string())
        self._parse = parser_for(self)
        self._vector_checks = vector_checks(self)

    @property
    def key_type(self) -> pa.DataType:
        return {"str": pa.string(), "bool": pa.bool_(), "date": pa.date32()}.get(
            self.key_kind or "", pa.int64())

    @property
    def blank_is_empty(self) -> bool:
        """An empty string is a missing value of this field."""
        return "" in self.missing

    def bit(self, name: str) -> np.uint32:
        return np.uint32(1 << (self.checks.index(name) + 1))

    def notes_of(self, flags: int) -> list[tuple[str, str]]:
        """(error type, note) pairs, in frictionless' order, for a cell's flags."""
        if flags & TYPE_ERROR:
            return [("type-error", self.type_note)]
        return [("constraint-error", note) for k, note in enumerate(self.notes)
                if flags & (1 << (k + 1))]

    def value_of(self, raw: str | None) -> Any:
        """The Python value frictionless reads from a raw cell (None if blank or invalid)."""
        value, _notes = self.reader(raw)
        return value

    # Reading a column

    def check(self, text: pa.Array) -> Checked:
        size = len(text)
        batch = Batch()
        blank = self._blank(text)
        present = ~blank
        flags = np.zeros(size, np.uint32)
        if "required" in self.checks and self.field.constraints["required"]:
            flags |= blank * self.bit("required")
        fast, values, wrong = np.zeros(size, bool), None, np.zeros(size, bool)
        if present.any():
            fast, values, wrong = self._parse(text, present, batch)
        flags |= wrong * TYPE_ERROR
        residual = present & ~fast & ~wrong
        if self._vector_checks is None:
            residual |= fast
            fast = np.zeros(size, bool)
        elif fast.any() and self._vector_checks:
            broken = np.zeros(size, np.uint32)
            recheck = np.zeros(size, bool)
            for vector_check in self._vector_checks:
                check_flags, check_recheck = vector_check(text, values, fast)
                broken |= check_flags
                recheck |= check_recheck
            recheck &= fast
            residual |= recheck
            fast &= ~recheck
            flags |= broken * fast
        if values is None or self.type not in ARROW_TYPES:
            values = pa.nulls(size, self.arrow_type)
        result = Checked(values=values, flags=flags, blank=blank)
        if residual.any():
            self._read_in_python(text, residual, result, batch)
        if self.type not in ARROW_TYPES:
            result.values = self._text_values(text, result)
        if self.want_key:
            add_key(self, text, result, batch)
        return result

    def _blank(self, text: pa.Array) -> np.ndarray:
        """Absent cells (null) and missing values."""
        blank = np_bool(text.is_null()) if text.null_count else np.zeros(len(text), bool)
        if self.missing == [""]:
            offsets, _data = buffers(text)
            return blank | (offsets[1:] == offsets[:-1])
        if len(self.missing_set):
            blank |= np_bool(pc.is_in(text, value_set=self.missing_set))
        return blank

    # Frictionless' own reader, once per distinct value

    def _read_in_python(self, text: pa.Array, rows: np.ndarray, result: Checked,
                        batch: Batch) -> None:
        positions = np.flatnonzero(rows)
        encoded = pc.dictionary_encode(text.filter(pa.array(rows)))
        distinct = encoded.dictionary.to_pylist()
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        flags = np.zeros(len(distinct), np.uint32)
        values: list[Any] = [None] * len(distinct)
        crashed: dict[int, BaseException] = {}
        for index, raw in enumerate(distinct):
            try:
                value, notes = self.reader(raw)
            except Exception as exc:  # frictionless would raise reading this cell
                crashed[index] = exc
                continue
            flags[index] = self._flags_of(notes)
            if value is not None and not flags[index] & TYPE_ERROR:
                values[index] = value
        result.flags[positions] |= flags[indices]
        if crashed:
            for position, index in zip(positions, indices, strict=True):
                if index in crashed:
                    result.crashes[int(position)] = crashed[index]
        if self.type in ARROW_TYPES:
            arrow_values, unconvertible = self._to_arrow(values)
            result.unconvertible |= unconvertible
            typed = arrow_values.take(pa.array(indices))
            result.values = scatter(len(text), positions, typed, result.values)
        batch.python = (positions, indices, values)

    def _flags_of(self, notes: dict[str, str] | None) -> np.uint32:
        if not notes:
            return np.uint32(0)
        if "type" in notes:
            return TYPE_ERROR
        flags = 0
        for name in notes:
            flags |= 1 << (self.checks.index(name) + 1)
        return np.uint32(flags)

    def _to_arrow(self, values: list[Any]) -> tuple[pa.Array, bool]:
        """Python values as the typed column holds them (see typing_arrow)."""
        kind = self.type
        unconvertible = False
        out: list[Any] = []
        for value in values:
            try:
                out.append(None if value is None else _arrow_value(kind, value))
            except (ValueError, OverflowError, ArithmeticError):
                out.append(None)
                unconvertible = True
        if kind in {"integer", "year"}:
            big = [v is not None and not -2**63 <= v < 2**63 for v in out]
            if any(big):
                unconvertible = True
                out = [None if b else v for v, b in zip(out, big, strict=True)]
        return pa.array(out, self.arrow_type), unconvertible

    def _text_values(self, text: pa.Array, result: Checked) -> pa.Array:
        """Text-typed fields keep the cell's text (arrays and objects as canonical JSON)."""
        valid = ~result.blank & ~(result.flags & TYPE_ERROR).astype(bool)
        if self.type in {"array", "object"}:
            encoded = pc.dictionary_encode(text.filter(pa.array(valid)))
            distinct = [json.dumps(json.loads(v), ensure_ascii=False)
                        for v in encoded.dictionary.to_pylist()]
            canonical = pa.array(distinct, pa.string()).take(encoded.indices)
            return scatter(len(text), np.flatnonzero(valid), canonical)
        return only(text, valid)


# Helpers


def _only(text: pa.Array, valid: np.ndarray) -> pa.Array:
    """The text where valid, null elsewhere."""
    if valid.all():
        return text
    return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))


def _arrow_value(kind: str, value: Any) -> Any:
    if kind in {"integer", "year"}:
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "datetime" and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if kind == "time":
        return value.replace(tzinfo=None)
    return value


