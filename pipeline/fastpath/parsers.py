"""Vectorised readers of the canonical forms of each type.

Each reader takes a column's text and the cells to read (not blank), and returns the
cells it read, their values, and the cells it knows frictionless refuses. It only reads
a cell when frictionless would read the same value from it (digits for an integer,
YYYY-MM-DD for a date, a string of trueValues or falseValues for a boolean…); the other
cells are left to frictionless' own reader (FieldChecker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.fastpath.arrays import (
    byte_set,
    civil_days,
    fixed_width,
    np_bool,
    nulls_where_not,
    parse_template,
    rows_with_bytes_outside,
)

if TYPE_CHECKING:
    from pipeline.fastpath.cells import FieldChecker

INT_BYTES = byte_set("0123456789-")
FLOAT_BYTES = byte_set("0123456789.+-eE")
INT_PATTERN = r"^-?[0-9]{1,18}$"
FLOAT_PATTERN = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ARROW_TYPES = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
               "date": pa.date32(), "datetime": pa.timestamp("us"), "time": pa.time64("us"),
               "year": pa.int64()}


@dataclass
class Batch:
    """What the steps of reading one column tell each other."""

    aware: np.ndarray | None = None  # datetimes read with a final "Z"
    yearmonth: np.ndarray | None = None  # year * 16 + month of the yearmonths read
    python: tuple[np.ndarray, np.ndarray, list] | None = None  # cells read by frictionless


def parser_for(checker: FieldChecker) -> Callable[..., tuple[np.ndarray, pa.Array | None, np.ndarray]]:
    kind, fmt = checker.type, checker.format
    if kind == "any" or (kind == "string" and fmt == "default"):
        return partial(_parse_text, checker)
    if kind == "string" and fmt == "uuid":
        return partial(_parse_uuid, checker)
    if kind == "integer":
        return partial(_parse_integer, checker)
    if kind == "number" and not getattr(checker.field, "float_number", False):
        return partial(_parse_number, checker)
    if kind == "boolean":
        return partial(_parse_boolean, checker)
    if kind in {"date", "datetime", "time", "year", "yearmonth"}:
        templates = _templates(checker)
        if templates:
            # Every cell is read, repeated or not: the fixed-width reader costs less than
            # hashing the texts to read each distinct one once.
            return lambda text, present, batch: _parse_fixed(checker, text, present, batch, templates)
    return partial(_parse_none, checker)


def _parse_none(checker: FieldChecker, text: pa.Array, present: np.ndarray, batch: Batch) -> tuple:
    return np.zeros(len(text), bool), None, np.zeros(len(text), bool)


def _parse_text(checker: FieldChecker, text: pa.Array, present: np.ndarray, batch: Batch) -> tuple:
    return present.copy(), text, np.zeros(len(text), bool)


def _parse_uuid(checker: FieldChecker, text: pa.Array, present: np.ndarray, batch: Batch) -> tuple:
    fast = present & np_bool(pc.match_substring_regex(text, UUID_PATTERN))
    return fast, text, np.zeros(len(text), bool)


def _parse_integer(checker: FieldChecker, text: pa.Array, present: np.ndarray, batch: Batch) -> tuple:
    considered = present.copy()
    if getattr(checker.field, "bare_number", True) is False:
        considered &= np_bool(pc.string_is_ascii(text))
        text = _strip_non_numeric(text)
    return (*_cast_canonical(text, considered, INT_BYTES, INT_PATTERN, pa.int64()),
            np.zeros(len(text), bool))


def _parse_number(checker: FieldChecker, text: pa.Array, present: np.ndarray, batch: Batch) -> tuple:
    size = len(text)
    wrong = np.zeros(size, bool)
    considered = present.copy()
    defined = set(checker.field.list_defined()) & {"group_char", "decimal_char", "bare_number"}
    if defined:
        group, decimal = checker.field.group_char, checker.field.decimal_char
        if len(group) > 1 or len(decimal) != 1 or group == decimal:
            return _parse_none(checker, text, present, batch)
        if not checker.field.bare_number:
            considered &= np_bool(pc.string_is_ascii(text))
            text = _strip_non_numeric(text)
        if group:
            text = pc.replace_substring(text, group, "")
        if decimal != ".":
            wrong = considered & np_bool(pc.match_substring(text, "."))
            considered &= ~wrong
            text = pc.replace_substring(text, decimal, ".")
    fast, values = _cast_canonical(text, considered, FLOAT_BYTES, FLOAT_PATTERN, pa.float64())
    return fast, values, wrong


def _parse_boolean(checker: FieldChecker, text: pa.Array, present: np.ndarray, batch: Batch) -> tuple:
    # frictionless maps the true values, then the false ones (a value in both is false).
    mapping = {v: True for v in checker.field.true_values if isinstance(v, str)}
    mapping.update({v: False for v in checker.field.false_values if isinstance(v, str)})
    found = pc.index_in(text, value_set=pa.array(list(mapping), pa.string()))
    index = found.fill_null(-1).to_numpy(zero_copy_only=False)
    meaning = np.array([*mapping.values(), False], bool)  # index -1: not a boolean
    fast = present & (index >= 0)
    values = pa.array(np.take(meaning, index), pa.bool_(), mask=~fast)
    return fast, values, present & ~fast


def _templates(checker: FieldChecker) -> list[tuple[list[tuple[str, int]], bool]]:
    """Fixed-width forms whose strings frictionless reads as the template says:
    (parts, aware) where aware means a final "Z" (UTC)."""
    kind, fmt = checker.type, checker.format
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


def _parse_fixed(checker: FieldChecker, text: pa.Array, present: np.ndarray, batch: Batch,
                 templates: list) -> tuple:
    size = len(text)
    fast = np.zeros(size, bool)
    numbers: dict[str, np.ndarray] = {}
    aware = np.zeros(size, bool)
    for parts, is_aware in templates:
        todo = present & ~fast
        if not todo.any():
            break
        if not numbers:  # the first template read: its numbers, as they are
            match, found = fixed_width(text, parts)
            ok, found["days"] = _valid_fields(checker.type, found, size)
            ok &= match & todo
            if ok.any():
                numbers = found
        else:  # the cells left (few, mostly), apart: no pass over the whole column
            rows = np.flatnonzero(todo)
            match, found = fixed_width(text.take(pa.array(rows)), parts)
            ok, found["days"] = _valid_fields(checker.type, found, len(rows))
            ok &= match
            for name, values in found.items():
                numbers.setdefault(name, np.zeros(size, np.int32))[rows[ok]] = values[ok]
            read = np.zeros(size, bool)
            read[rows[ok]] = True
            ok = read
        if is_aware:
            aware |= ok
        fast |= ok
    kind = checker.type
    if not fast.any():  # no value of the canonical forms: all left to frictionless
        return fast, (text if kind == "yearmonth" else pa.nulls(size, checker.arrow_type)), fast
    year, month = (numbers.get(n, np.full(size, v, np.int32)) for n, v in (("Y", 1900), ("m", 1)))
    days = numbers.get("days")
    if kind in {"datetime", "time"}:
        seconds = _seconds_of_day(numbers, size)
    if kind == "date":
        values = pa.array(days.astype(np.int32), pa.date32(), mask=~fast)
    elif kind == "datetime":
        micros = days.astype(np.int64)
        micros *= 86400
        micros += seconds
        micros *= 1_000_000
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


def _seconds_of_day(numbers: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Hours, minutes and seconds read (two digits each: int32 holds them) in seconds."""
    seconds = np.zeros(size, np.int32)
    for name, factor in (("H", 3600), ("M", 60), ("S", 1)):
        if name in numbers:
            seconds += numbers[name] * np.int32(factor)
    return seconds


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
    try:
        return candidates, pc.cast(nulls_where_not(text, candidates), arrow_type)
    except pa.ArrowInvalid:
        ok = candidates & np_bool(pc.match_substring_regex(text, pattern))
        return ok, pc.cast(nulls_where_not(text, ok), arrow_type)


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
