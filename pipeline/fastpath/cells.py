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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.fastpath.arrays import (
    buffers,
    byte_set,
    civil_days,
    fixed_width,
    match_classes,
    parse_template,
    rows_with_bytes_outside,
    scatter,
)
from pipeline.fastpath.patterns import fixed_classes, to_re2
from pipeline.fastpath.reader import Unsupported

TYPE_ERROR = np.uint32(1)  # bit 0; constraint k of FieldChecker.checks is bit k + 1
INT_BYTES = byte_set("0123456789-")
FLOAT_BYTES = byte_set("0123456789.+-eE")
INT_PATTERN = r"^-?[0-9]{1,18}$"
FLOAT_PATTERN = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
BOUNDS = {"minimum": pc.greater_equal, "maximum": pc.less_equal,
          "exclusiveMinimum": pc.greater, "exclusiveMaximum": pc.less}
ARROW_TYPES = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
               "date": pa.date32(), "datetime": pa.timestamp("us"), "time": pa.time64("us"),
               "year": pa.int64()}
# Equality of parsed values, as an Arrow key: frictionless compares Python values.
KEY_KINDS = {"string": "str", "any": "str", "integer": "int", "year": "int", "boolean": "bool",
             "date": "date", "datetime": "datetime", "yearmonth": "yearmonth"}
MAX_KEY_YEAR = 1 << 50
REPEAT_SAMPLE = 4096  # below, a column of dates is read directly


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


class Interner:
    """Python-equality classes of parsed values as int64 tokens, shared by the resources
    of a package (foreign keys compare values across them). NaN equals nothing."""

    def __init__(self) -> None:
        self.tokens: dict[Any, int] = {}
        self.next_nan = -1

    def token(self, value: Any) -> int | BaseException | None:
        """The token; None for NaN (each occurrence is distinct); the exception hashing raises."""
        try:
            hash(value)
        except TypeError as exc:
            return exc
        if _is_nan(value):
            return None
        return self.tokens.setdefault(value, len(self.tokens))

    def nan_tokens(self, count: int) -> np.ndarray:
        start = self.next_nan
        self.next_nan -= count
        return np.arange(start, start - count, -1, dtype=np.int64)


def _is_nan(value: Any) -> bool:
    if isinstance(value, float | Decimal):
        return value != value
    if isinstance(value, tuple):
        return any(_is_nan(item) for item in value)
    return False


@dataclass
class _Batch:
    """What the steps of reading one column tell each other."""

    aware: np.ndarray | None = None  # datetimes read with a final "Z"
    yearmonth: np.ndarray | None = None  # year * 16 + month of the yearmonths read
    python: tuple[np.ndarray, np.ndarray, list] | None = None  # cells read by frictionless


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
        self._parse = self._parser()
        self._vector_checks = self._constraint_checks()

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
        batch = _Batch()
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
            self._add_key(text, result, batch)
        return result

    def _blank(self, text: pa.Array) -> np.ndarray:
        """Absent cells (null) and missing values."""
        blank = _np_bool(text.is_null()) if text.null_count else np.zeros(len(text), bool)
        if self.missing == [""]:
            offsets, _data = buffers(text)
            return blank | (offsets[1:] == offsets[:-1])
        if len(self.missing_set):
            blank |= _np_bool(pc.is_in(text, value_set=self.missing_set))
        return blank

    # Vectorised parsers: (read by them, their values, certain type errors)

    def _parser(self) -> Callable[..., tuple[np.ndarray, pa.Array | None, np.ndarray]]:
        kind, fmt = self.type, self.format
        if kind == "any" or (kind == "string" and fmt == "default"):
            return self._parse_text
        if kind == "string" and fmt == "uuid":
            return self._parse_uuid
        if kind == "integer":
            return self._parse_integer
        if kind == "number" and not getattr(self.field, "float_number", False):
            return self._parse_number
        if kind == "boolean":
            return self._parse_boolean
        if kind in {"date", "datetime", "time", "year", "yearmonth"}:
            templates = self._templates()
            if templates:
                return lambda text, present, batch: self._parse_temporal(text, present, batch, templates)
        return self._parse_none

    def _parse_none(self, text: pa.Array, present: np.ndarray, batch: _Batch) -> tuple:
        return np.zeros(len(text), bool), None, np.zeros(len(text), bool)

    def _parse_text(self, text: pa.Array, present: np.ndarray, batch: _Batch) -> tuple:
        return present.copy(), text, np.zeros(len(text), bool)

    def _parse_uuid(self, text: pa.Array, present: np.ndarray, batch: _Batch) -> tuple:
        fast = present & _np_bool(pc.match_substring_regex(text, UUID_PATTERN))
        return fast, text, np.zeros(len(text), bool)

    def _parse_integer(self, text: pa.Array, present: np.ndarray, batch: _Batch) -> tuple:
        considered = present.copy()
        if getattr(self.field, "bare_number", True) is False:
            considered &= _np_bool(pc.string_is_ascii(text))
            text = _strip_non_numeric(text)
        return (*_cast_canonical(text, considered, INT_BYTES, INT_PATTERN, pa.int64()),
                np.zeros(len(text), bool))

    def _parse_number(self, text: pa.Array, present: np.ndarray, batch: _Batch) -> tuple:
        size = len(text)
        wrong = np.zeros(size, bool)
        considered = present.copy()
        defined = set(self.field.list_defined()) & {"group_char", "decimal_char", "bare_number"}
        if defined:
            group, decimal = self.field.group_char, self.field.decimal_char
            if len(group) > 1 or len(decimal) != 1 or group == decimal:
                return self._parse_none(text, present, batch)
            if not self.field.bare_number:
                considered &= _np_bool(pc.string_is_ascii(text))
                text = _strip_non_numeric(text)
            if group:
                text = pc.replace_substring(text, group, "")
            if decimal != ".":
                wrong = considered & _np_bool(pc.match_substring(text, "."))
                considered &= ~wrong
                text = pc.replace_substring(text, decimal, ".")
        fast, values = _cast_canonical(text, considered, FLOAT_BYTES, FLOAT_PATTERN, pa.float64())
        return fast, values, wrong

    def _parse_boolean(self, text: pa.Array, present: np.ndarray, batch: _Batch) -> tuple:
        # frictionless maps the true values, then the false ones (a value in both is false).
        mapping = {v: True for v in self.field.true_values if isinstance(v, str)}
        mapping.update({v: False for v in self.field.false_values if isinstance(v, str)})
        found = pc.index_in(text, value_set=pa.array(list(mapping), pa.string()))
        index = found.fill_null(-1).to_numpy(zero_copy_only=False)
        meaning = np.array([*mapping.values(), False], bool)  # index -1: not a boolean
        fast = present & (index >= 0)
        values = pa.array(meaning[index], pa.bool_(), mask=~fast)
        return fast, values, present & ~fast

    def _templates(self) -> list[tuple[list[tuple[str, int]], bool]]:
        """Fixed-width forms whose strings frictionless reads as the template says:
        (parts, aware) where aware means a final "Z" (UTC)."""
        kind, fmt = self.type, self.format
        defaults = {"date": ["%Y-%m-%d"], "datetime": ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
                    "time": ["%H:%M:%S"], "year": ["%Y"], "yearmonth": ["%Y-%m"]}
        if fmt == "default":
            forms = [(parse_template(f), False) for f in defaults[kind]]
            if kind == "datetime":
                forms += [(parse_template(f + "Z"), True) for f in defaults[kind]]
            return [(parts, aware) for parts, aware in forms if parts]
        if kind in {"date", "datetime"} and fmt != "any":
            parts = parse_template(fmt)
            return [(parts, False)] if parts else []
        return []

    def _parse_temporal(self, text: pa.Array, present: np.ndarray, batch: _Batch,
                        templates: list) -> tuple:
        encoded = None
        if len(text) > REPEAT_SAMPLE and not text.null_count and self.type != "datetime":
            encoded = pc.dictionary_encode(text)  # dates repeat: read each distinct one once
        if encoded is not None and len(encoded.dictionary) * 2 < len(text):
            once = _Batch()
            distinct = encoded.dictionary
            fast, values, _wrong = self._parse_fixed(distinct, np.ones(len(distinct), bool), once,
                                                     templates)
            indices = encoded.indices.to_numpy(zero_copy_only=False)
            fast = fast[indices] & present
            values = values.take(encoded.indices)
            if self.type != "yearmonth":
                values = pc.if_else(pa.array(fast), values, pa.scalar(None, values.type))
            if once.yearmonth is not None:
                batch.yearmonth = once.yearmonth[indices]
            return fast, values, np.zeros(len(text), bool)
        return self._parse_fixed(text, present, batch, templates)

    def _parse_fixed(self, text: pa.Array, present: np.ndarray, batch: _Batch,
                     templates: list) -> tuple:
        size = len(text)
        fast = np.zeros(size, bool)
        numbers: dict[str, np.ndarray] = {}
        aware = np.zeros(size, bool)
        for parts, is_aware in templates:
            todo = present & ~fast
            if not todo.any():
                break
            match, found = fixed_width(text, parts, None if not fast.any() else todo)
            match &= todo
            if not match.any():
                continue
            ok, days = _valid_fields(self.type, found, size)
            ok &= match
            found["days"] = days
            if not numbers:  # the first template: its numbers, as they are
                numbers = found
            else:
                for name, values in found.items():
                    numbers.setdefault(name, np.zeros(size, np.int32))[ok] = values[ok]
            if is_aware:
                aware |= ok
            fast |= ok
        kind = self.type
        if not fast.any():  # no value of the canonical forms: all left to frictionless
            return fast, (text if kind == "yearmonth" else pa.nulls(size, self.arrow_type)), fast
        year, month = (numbers.get(n, np.full(size, v, np.int32)) for n, v in (("Y", 1900), ("m", 1)))
        days = numbers.get("days")
        if kind in {"datetime", "time"}:
            seconds = sum(numbers[n].astype(np.int64) * f
                          for n, f in (("H", 3600), ("M", 60), ("S", 1)) if n in numbers)
        if kind == "date":
            values = pa.array(days.astype(np.int32), pa.date32(), mask=~fast)
        elif kind == "datetime":
            micros = (days.astype(np.int64) * 86400 + seconds) * 1_000_000
            values = pa.array(micros, pa.timestamp("us"), mask=~fast)
            batch.aware = aware
        elif kind == "time":
            values = pa.array(np.asarray(seconds, np.int64) * 1_000_000, pa.time64("us"), mask=~fast)
        elif kind == "year":
            values = pa.array(year.astype(np.int64), pa.int64(), mask=~fast)
        else:  # yearmonth: text; the key needs the numbers
            values = text
            batch.yearmonth = year.astype(np.int64) * 16 + month
        return fast, values, np.zeros(size, bool)

    # Constraints

    def _constraint_checks(self) -> list | None:
        """Vectorised constraint checks, or None if one of them must be read in Python."""
        checks = []
        constraints = self.field.constraints
        for name in self.checks:
            value = constraints[name]
            if name == "required":
                continue
            check = self._vector_check(name, value)
            if check is None:
                return None
            checks.append(check)
        return checks

    def _vector_check(self, name: str, constraint: Any) -> Callable | None:
        """A function (text, values, fast) -> (broken, recheck) for one constraint."""
        kind = self.type
        bit = self.bit(name)
        if name in {"minLength", "maxLength"} and kind == "string":
            if isinstance(constraint, bool) or not isinstance(constraint, int | float):
                return None
            compare = np.greater_equal if name == "minLength" else np.less_equal

            def check_length(text: pa.Array, values: pa.Array, fast: np.ndarray) -> tuple:
                offsets, data = buffers(text)
                lengths = offsets[1:] - offsets[:-1]  # bytes: characters if ASCII
                if (data[offsets[0]:offsets[-1]] >= 0x80).any():
                    lengths = pc.utf8_length(text).fill_null(0).to_numpy(zero_copy_only=False)
                return _flagged(~compare(lengths, constraint), bit), np.zeros(len(text), bool)
            return check_length
        if name == "pattern" and kind == "string":
            classes = fixed_classes(constraint)
            if classes is not None:
                def check_classes(text: pa.Array, values: pa.Array, fast: np.ndarray) -> tuple:
                    match, plain = match_classes(text, classes)
                    return _flagged(~match & plain, bit), ~plain
                return check_classes
            translated = to_re2(constraint)
            if translated is None:
                return None

            def check_pattern(text: pa.Array, values: pa.Array, fast: np.ndarray) -> tuple:
                plain = _np_bool(pc.string_is_ascii(text)) & ~_np_bool(pc.match_substring(text, "\n"))
                ok = _np_bool(pc.match_substring_regex(text, translated))
                return _flagged(~ok & plain, bit), ~plain
            return check_pattern
        if name == "enum":
            return self._enum_check(constraint, bit)
        if name in BOUNDS:
            return self._bound_check(name, constraint, bit)
        return None

    def _enum_check(self, constraint: Any, bit: np.uint32) -> Callable | None:
        if not isinstance(constraint, list):
            return None
        members = [self.value_reader(item) for item in constraint]
        kind = self.type
        if kind in {"string", "any"} and self.format in {"default", "uuid"}:
            arrow_members = pa.array([m for m in members if isinstance(m, str)], pa.string())
        elif kind in {"integer", "year"}:
            arrow_members = pa.array([m for m in members if type(m) is int and -2**63 <= m < 2**63],
                                     pa.int64())
        elif kind == "boolean":
            arrow_members = pa.array([m for m in members if isinstance(m, bool)], pa.bool_())
        elif kind == "date":
            arrow_members = pa.array([m for m in members if type(m) is date], pa.date32())
        else:
            return None

        def check_enum(text: pa.Array, values: pa.Array, fast: np.ndarray) -> tuple:
            ok = _np_bool(pc.is_in(values, value_set=arrow_members))
            return _flagged(~ok, bit), np.zeros(len(text), bool)
        return check_enum

    def _bound_check(self, name: str, constraint: Any, bit: np.uint32) -> Callable | None:
        bound = self.value_reader(constraint)
        kind = self.type
        compare = BOUNDS[name]
        if kind in {"integer", "year"} and type(bound) is int and -2**63 <= bound < 2**63:
            scalar = pa.scalar(bound, pa.int64())
        elif kind == "date" and type(bound) is date:
            scalar = pa.scalar(bound, pa.date32())
        elif kind == "number" and isinstance(bound, Decimal | int) and not isinstance(bound, bool) \
                and bound == bound:
            scalar = pa.scalar(float(bound), pa.float64())
        else:
            return None

        def check_bound(text: pa.Array, values: pa.Array, fast: np.ndarray) -> tuple:
            ok = _np_bool(compare(values, scalar))
            # Two decimals can round to the same float: frictionless decides ties.
            tie = _np_bool(pc.equal(values, scalar)) if kind == "number" else np.zeros(len(text), bool)
            return _flagged(~ok & ~tie, bit), tie
        return check_bound

    # Frictionless' own reader, once per distinct value

    def _read_in_python(self, text: pa.Array, rows: np.ndarray, result: Checked,
                        batch: _Batch) -> None:
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
        return _only(text, valid)

    # Keys

    def _add_key(self, text: pa.Array, result: Checked, batch: _Batch) -> None:
        """The equality key of each value: null for None; equal keys, equal Python values."""
        valid = ~result.blank & ~(result.flags & TYPE_ERROR).astype(bool)
        kind = self.key_kind
        if kind == "str":
            result.key = _only(text, valid)
        elif kind in {"int", "bool", "date"}:
            if result.unconvertible:
                raise Unsupported("an integer beyond 64 bits in a key")
            result.key = result.values
        elif kind == "datetime":
            result.key = self._datetime_key(text, valid, result, batch)
        elif kind == "yearmonth":
            result.key = self._yearmonth_key(text, valid, batch)
        else:
            result.key = self._py_key(text, valid, result)

    def _distinct_values(self, text: pa.Array, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        positions = np.flatnonzero(valid)
        encoded = pc.dictionary_encode(text.filter(pa.array(valid)))
        distinct = [self.value_of(raw) for raw in encoded.dictionary.to_pylist()]
        return positions, encoded.indices.to_numpy(zero_copy_only=False), distinct

    def _py_key(self, text: pa.Array, valid: np.ndarray, result: Checked) -> pa.Array:
        positions, indices, distinct = self._distinct_values(text, valid)
        tokens = np.zeros(len(distinct), np.int64)
        nan = np.zeros(len(distinct), bool)
        crash: dict[int, BaseException] = {}
        for index, value in enumerate(distinct):
            token = self.interner.token(value)
            if isinstance(token, BaseException):
                crash[index] = token
            elif token is None:
                nan[index] = True
            else:
                tokens[index] = token
        row_tokens = tokens[indices]
        row_nan = nan[indices]
        if row_nan.any():
            row_tokens[row_nan] = self.interner.nan_tokens(int(row_nan.sum()))
        for position, index in zip(positions, indices, strict=True):
            if index in crash:
                result.key_crashes[int(position)] = crash[index]
        return scatter(len(text), positions, pa.array(row_tokens, pa.int64()))

    def _datetime_key(self, text: pa.Array, valid: np.ndarray, result: Checked, batch: _Batch
                      ) -> pa.Array:
        """Microseconds (UTC for aware values) times two, plus one if aware: Python never
        finds a naive datetime equal to an aware one."""
        aware = batch.aware if batch.aware is not None else np.zeros(len(text), bool)
        micros = result.values.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        key = micros * 2 + aware
        if batch.python is not None:
            positions, indices, values = batch.python
            for position, index in zip(positions, indices, strict=True):
                value = values[index]
                if value is not None:
                    key[position] = _datetime_token(value)
        return pa.array(key, pa.int64(), mask=~valid)

    def _yearmonth_key(self, text: pa.Array, valid: np.ndarray, batch: _Batch) -> pa.Array:
        key = batch.yearmonth.copy() if batch.yearmonth is not None else np.zeros(len(text), np.int64)
        if batch.python is not None:
            positions, indices, values = batch.python
            for position, index in zip(positions, indices, strict=True):
                value = values[index]
                if value is not None:
                    if abs(value.year) >= MAX_KEY_YEAR:
                        raise Unsupported("a year too large for a key")
                    key[position] = value.year * 16 + value.month
        return pa.array(key, pa.int64(), mask=~valid)


# Helpers


def _np_bool(array: pa.Array) -> np.ndarray:
    return array.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _only(text: pa.Array, valid: np.ndarray) -> pa.Array:
    """The text where valid, null elsewhere."""
    if valid.all():
        return text
    return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))


def _flagged(mask: np.ndarray, bit: np.uint32) -> np.ndarray:
    return mask * np.uint32(bit)


def _strip_non_numeric(text: pa.Array) -> pa.Array:
    """frictionless' bareNumber: false, re.sub(r"((^[^-\\d]*)|(\\D*$))", "", cell) on ASCII text."""
    text = pc.replace_substring_regex(text, "^[^-0-9]*", "")
    return pc.replace_substring_regex(text, "[^0-9]*$", "")


def _cast_canonical(text: pa.Array, considered: np.ndarray, allowed: np.ndarray, pattern: str,
                    arrow_type: pa.DataType) -> tuple[np.ndarray, pa.Array]:
    """The cells in the canonical form of a number, and their values. Arrow's parser
    accepts, over these bytes, a subset of what Python's int()/Decimal() accept, with the
    same value; the regular expression locates the others when the cast fails."""
    candidates = considered & ~rows_with_bytes_outside(text, allowed)
    null = pa.scalar(None, pa.string())
    try:
        chosen = text if candidates.all() else pc.if_else(pa.array(candidates), text, null)
        return candidates, pc.cast(chosen, arrow_type)
    except pa.ArrowInvalid:
        ok = candidates & _np_bool(pc.match_substring_regex(text, pattern))
        return ok, pc.cast(pc.if_else(pa.array(ok), text, null), arrow_type)


def _valid_fields(kind: str, values: dict[str, np.ndarray], size: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Ranges Python's strptime and dateutil's isoparse accept for the template's numbers
    (a directive the template lacks takes strptime's default); days since 1970 of dates."""
    ok = np.ones(size, bool)
    for name, highest in (("H", 23), ("M", 59), ("S", 59)):
        if name in values:
            ok &= values[name] <= highest
    days = np.zeros(size, np.int32)
    if kind in {"date", "datetime"}:
        year = values.get("Y", np.full(size, 1900, np.int32))
        month = values.get("m", np.ones(size, np.int32))
        day = values.get("d", np.ones(size, np.int32))
        valid, days = civil_days(year, month, day)
        ok &= valid
    if kind == "yearmonth":
        ok &= (values["m"] >= 1) & (values["m"] <= 12)
    return ok, days


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


def _datetime_token(value: datetime) -> int:
    epoch = datetime(1970, 1, 1)
    if value.tzinfo is not None and value.utcoffset() is not None:
        utc = value.astimezone(UTC).replace(tzinfo=None)
        return ((utc - epoch) // _MICROSECOND) * 2 + 1
    return ((value.replace(tzinfo=None) - epoch) // _MICROSECOND) * 2


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1) - datetime(1970, 1, 1)
