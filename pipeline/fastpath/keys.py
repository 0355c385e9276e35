"""Keys whose equality is Python's equality of the values frictionless reads.

Unique, primary-key and foreign-key checks compare parsed values: 7 and 07 are equal
integers, "2024-03-01T10:30:00Z" and "2024-03-01T11:30:00+01:00" equal datetimes, NaN
equals nothing. Each key field gets an Arrow key (the text, the integers, the dates…, or
int64 tokens of a dict of the values where no Arrow type has that equality).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.fastpath.arrays import only, scatter
from pipeline.fastpath.parsers import Batch
from pipeline.fastpath.reader import Unsupported

if TYPE_CHECKING:
    from pipeline.fastpath.cells import Checked, FieldChecker

# Equality of parsed values, as an Arrow key: frictionless compares Python values.
KEY_KINDS = {"string": "str", "any": "str", "integer": "int", "year": "int", "boolean": "bool",
             "date": "date", "datetime": "datetime", "yearmonth": "yearmonth"}
MAX_KEY_YEAR = 1 << 50


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


def add_key(checker: FieldChecker, text: pa.Array, result: Checked, batch: Batch) -> None:
    """The equality key of each value: null for None; equal keys, equal Python values."""
    valid = ~result.blank & ~(result.flags & np.uint32(1)).astype(bool)
    kind = checker.key_kind
    if kind == "str":
        result.key = only(text, valid)
    elif kind in {"int", "bool", "date"}:
        if result.unconvertible:
            raise Unsupported("an integer beyond 64 bits in a key")
        result.key = result.values
    elif kind == "datetime":
        result.key = _datetime_key(checker, text, valid, result, batch)
    elif kind == "yearmonth":
        result.key = _yearmonth_key(checker, text, valid, batch)
    else:
        result.key = _py_key(checker, text, valid, result)


def _distinct_values(checker: FieldChecker, text: pa.Array, valid: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, list]:
    """Positions of the valid cells, their index among distinct texts, the distinct values."""
    positions = np.flatnonzero(valid)
    encoded = pc.dictionary_encode(text.filter(pa.array(valid)))
    distinct = [checker.value_of(raw) for raw in encoded.dictionary.to_pylist()]
    return positions, encoded.indices.to_numpy(zero_copy_only=False), distinct


def _py_key(checker: FieldChecker, text: pa.Array, valid: np.ndarray, result: Checked) -> pa.Array:
    positions, indices, distinct = _distinct_values(checker, text, valid)
    tokens = np.zeros(len(distinct), np.int64)
    nan = np.zeros(len(distinct), bool)
    crash: dict[int, BaseException] = {}
    for index, value in enumerate(distinct):
        token = checker.interner.token(value)
        if isinstance(token, BaseException):
            crash[index] = token
        elif token is None:
            nan[index] = True
        else:
            tokens[index] = token
    row_tokens = tokens[indices]
    row_nan = nan[indices]
    if row_nan.any():
        row_tokens[row_nan] = checker.interner.nan_tokens(int(row_nan.sum()))
    for position, index in zip(positions, indices, strict=True):
        if index in crash:
            result.key_crashes[int(position)] = crash[index]
    return scatter(len(text), positions, pa.array(row_tokens, pa.int64()))


def _datetime_key(checker: FieldChecker, text: pa.Array, valid: np.ndarray, result: Checked, batch: Batch
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


def _yearmonth_key(checker: FieldChecker, text: pa.Array, valid: np.ndarray, batch: Batch) -> pa.Array:
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


def _datetime_token(value: datetime) -> int:
    epoch = datetime(1970, 1, 1)
    if value.tzinfo is not None and value.utcoffset() is not None:
        utc = value.astimezone(UTC).replace(tzinfo=None)
        return ((utc - epoch) // _MICROSECOND) * 2 + 1
    return ((value.replace(tzinfo=None) - epoch) // _MICROSECOND) * 2


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1) - datetime(1970, 1, 1)
