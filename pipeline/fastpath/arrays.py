"""Byte-level helpers on Arrow string arrays, with numpy: the hot loops of the fast path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_ROWS = 1 << 16
# strptime directives the fixed-width reader knows: name and width in digits.
DIRECTIVES = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}


def buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (n + 1, into data) and bytes of a string array."""
    if text.type != pa.string():
        text = text.cast(pa.string())
    bufs = text.buffers()
    offsets = np.frombuffer(bufs[1], np.int32, len(text) + 1, text.offset * 4)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    return offsets, data


def byte_set(chars: str) -> bytes:
    """Digits and these other ASCII characters."""
    return "".join(sorted(set(chars) - set("0123456789"))).encode("ascii")


def rows_with_bytes_outside(text: pa.Array, allowed: bytes) -> np.ndarray:
    """True for each value holding a byte other than a digit or one of `allowed`."""
    offsets, data = buffers(text)
    mask = np.zeros(len(text), bool)
    start, stop = int(offsets[0]), int(offsets[-1])
    chunk = data[start:stop]
    good = (chunk - np.uint8(48)) < 10
    for byte in allowed:
        good |= chunk == byte
    bad = np.flatnonzero(~good)
    if len(bad):
        mask[np.searchsorted(offsets, bad + start, side="right") - 1] = True
    return mask


def match_classes(text: pa.Array, classes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(match, decided): values of exactly len(classes) ASCII bytes, each in its class;
    undecided are values with non-ASCII bytes, and those of one more byte ending in a
    line break (Python's `$` matches before it)."""
    width = len(classes)
    offsets, data = buffers(text)
    lengths = offsets[1:] - offsets[:-1]
    decided = ~rows_with_high_bytes(offsets, data, len(text))
    longer = np.flatnonzero(lengths == width + 1)
    decided[longer[data[offsets[longer + 1] - 1] == ord("\n")]] = False
    match = np.zeros(len(text), bool)
    for rows, matrix in _matrices(text, width, (lengths == width) & decided):
        columns = np.ascontiguousarray(matrix.T)
        ok = np.ones(len(matrix), bool)
        for position, allowed in enumerate(classes):
            ok &= _in_class(columns[position], allowed)
        match[rows] = ok
    return match, decided


def _in_class(column: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Bytes in the class: a comparison for a contiguous range, a table lookup otherwise."""
    members = np.flatnonzero(allowed)
    low, high = int(members[0]), int(members[-1])
    if high - low + 1 == len(members):
        return (column - np.uint8(low)) <= high - low  # below `low` wraps around
    return np.take(allowed, column)


MAX_RUNS = 64  # runs of wanted values read in place; more, and they are copied together


def _matrices(text: pa.Array, width: int, wanted: np.ndarray) -> Iterator[Any]:
    """(rows, bytes matrix) of the wanted values, all `width` bytes long, a chunk at a time."""
    offsets, data = buffers(text)
    if not width or not wanted.any():
        return
    runs = [(0, len(wanted))] if wanted.all() else _runs(wanted)
    if runs is None:  # scattered: only these values, copied one after the other by pyarrow
        rows = np.flatnonzero(wanted)
        offsets, data = buffers(text.filter(pa.array(wanted)))
        for part, matrix in _chunked(offsets, data, 0, len(rows), width):
            yield rows[part], matrix
        return
    # Consecutive values of `width` bytes lie one after the other: read where they are.
    for begin, end in runs:
        for part, matrix in _chunked(offsets, data, begin, end, width):
            yield part, matrix


def _runs(wanted: np.ndarray) -> list[tuple[int, int]] | None:
    """[begin, end) of each run of wanted values; None if there are more than MAX_RUNS."""
    edges = np.flatnonzero(np.diff(wanted, prepend=False, append=False))
    if len(edges) > 2 * MAX_RUNS:
        return None
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def _chunked(offsets: np.ndarray, data: np.ndarray, begin: int, end: int, width: int
             ) -> Iterator[tuple[slice, np.ndarray]]:
    """Values begin to end (all `width` bytes long, contiguous) as matrices of rows."""
    start = int(offsets[begin])
    matrix = data[start:start + (end - begin) * width].reshape(-1, width)
    step = CHUNK_ROWS * 4
    for first in range(0, end - begin, step):
        yield slice(begin + first, min(begin + first + step, end)), matrix[first:first + step]


def rows_with_high_bytes(offsets: np.ndarray, data: np.ndarray, size: int) -> np.ndarray:
    """True for each value holding a non-ASCII byte."""
    mask = np.zeros(size, bool)
    start, stop = int(offsets[0]), int(offsets[-1])
    high = np.flatnonzero(data[start:stop] >= 0x80)
    if len(high):
        mask[np.searchsorted(offsets, high + start, side="right") - 1] = True
    return mask


def parse_template(fmt: str) -> list[tuple[str, int]] | None:
    """A strptime format as fixed-width parts: ("Y", 4) for a directive, ("-", 0) for a
    literal character. None when it uses another directive, one twice, or non-ASCII."""
    parts: list[tuple[str, int]] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            directive = fmt[index + 1:index + 2]
            if directive == "%":
                parts.append(("%", 0))
            elif directive in DIRECTIVES and (directive, DIRECTIVES[directive]) not in parts:
                parts.append((directive, DIRECTIVES[directive]))
            else:
                return None
            index += 2
            continue
        if not char.isascii():
            return None
        # strptime also takes runs of spaces for a space and letters in either case:
        # the exact template is a subset of what it accepts, with the same value.
        parts.append((char, 0))
        index += 1
    return parts


def fixed_width(text: pa.Array, parts: list[tuple[str, int]], rows: np.ndarray | None = None
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Which values (among `rows`, default all) are exactly the template (digits where
    directives are), and the number each directive holds (0 elsewhere)."""
    width = sum(size or 1 for _, size in parts)
    offsets, _data = buffers(text)
    size = len(text)
    wanted = offsets[1:] - offsets[:-1] == width
    if rows is not None:
        wanted &= rows
    pieces = list(_matrices(text, width, wanted))
    if len(pieces) == 1 and len(pieces[0][1]) == size:  # all the values, in one piece
        return _read_matrix(pieces[0][1], parts)
    match = np.zeros(size, bool)
    numbers = {name: np.zeros(size, np.int32) for name, digits in parts if digits}
    for chosen, matrix in pieces:
        ok, found = _read_matrix(matrix, parts)
        match[chosen] = ok
        for name, values in found.items():
            numbers[name][chosen] = values
    return match, numbers


def _read_matrix(matrix: np.ndarray, parts: list[tuple[str, int]]
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows of bytes that match the template, and the digits' values (int32)."""
    columns = np.ascontiguousarray(matrix.T)  # one row per byte position: contiguous
    ok = np.ones(len(matrix), bool)
    numbers = {}
    column = 0
    for name, size in parts:
        if not size:
            ok &= columns[column] == ord(name)
            column += 1
            continue
        digits = columns[column:column + size] - np.uint8(48)  # bytes below "0" wrap around
        ok &= (digits < 10).all(axis=0)
        value = digits[0].astype(np.int32)
        for row in digits[1:]:
            value *= 10
            value += row
        numbers[name] = value
        column += size
    return ok, numbers


# Days before the first of each month (index 1-12) in a common year.
MONTH_START = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], np.int32)
MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int32)
DAYS_0001_TO_1970 = 719162
YEAR_BITS, PART_BITS = 14, 7  # table indices: years 0-16383, months and days 0-127


def _year_tables() -> tuple[np.ndarray, np.ndarray]:
    """For each year of YEAR_BITS: its kind (0: not 1-9999, 1: common, 2: leap), and the
    days from 1970-01-01 to its January 1st."""
    years = np.arange(1 << YEAR_BITS, dtype=np.int64)
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    kind = np.where((years >= 1) & (years <= 9999), 1 + leap, 0)
    before = years - 1
    start = before * 365 + before // 4 - before // 100 + before // 400 - DAYS_0001_TO_1970
    return kind.astype(np.int32), start.astype(np.int32)


def _day_of_year_table() -> np.ndarray:
    """Days before (month, day) in its year, by year kind, month and day (-1: no such date)."""
    table = np.full((3, 1 << PART_BITS, 1 << PART_BITS), -1, np.int32)
    for kind in (1, 2):
        for month in range(1, 13):
            leap = int(kind == 2)
            length = MONTH_DAYS[month] + (month == 2) * leap
            before = MONTH_START[month] + (month > 2) * leap
            table[kind, month, 1:length + 1] = before + np.arange(length)
    return table.reshape(-1)


YEAR_KIND, YEAR_START = _year_tables()
DAY_OF_YEAR = _day_of_year_table()
PART_MASK = (1 << PART_BITS) - 1


def civil_days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether Python's datetime accepts each date (year 1-9999, month 1-12, day within the
    month), and its days since 1970-01-01 (proleptic Gregorian; garbage where invalid).
    Table lookups rather than calendar arithmetic: a few passes over the columns."""
    clipped = year & ((1 << YEAR_BITS) - 1)
    # Outside the tables' ranges (negative values included): invalid, whatever the lookups.
    inside = ((year ^ clipped) | ((month | day) & ~PART_MASK)) == 0
    # np.take: several times faster than indexing with an array, for the same gather.
    index = (np.take(YEAR_KIND, clipped) << (2 * PART_BITS)) \
        | ((month & PART_MASK) << PART_BITS) | (day & PART_MASK)
    before = np.take(DAY_OF_YEAR, index)
    return inside & (before >= 0), np.take(YEAR_START, clipped) + before


def scatter(size: int, positions: np.ndarray, values: pa.Array, base: pa.Array | None = None
            ) -> pa.Array:
    """An array of `size` values: `values` at `positions` (ascending), `base` (or null) elsewhere."""
    if base is None:
        base = pa.nulls(size, values.type)
    if not len(positions):
        return base
    mask = np.zeros(size, bool)
    mask[positions] = True
    return pc.replace_with_mask(base, pa.array(mask), values)


def np_bool(array: Any) -> np.ndarray:
    """A boolean Arrow array as numpy, null as False."""
    if array.null_count:
        array = array.fill_null(False)
    return array.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def nulls_where_not(text: pa.Array, keep: np.ndarray) -> pa.Array:
    """The text where `keep`, null elsewhere, sharing the text's buffers: only the
    validity bitmap is new (pc.if_else would copy every string)."""
    if text.null_count:
        keep = keep & ~np_bool(text.is_null())
    if keep.all():
        return text
    bits = np.packbits(np.concatenate([np.zeros(text.offset, bool), keep]), bitorder="little")
    _validity, offsets, data = text.buffers()
    return pa.Array.from_buffers(text.type, len(text), [pa.py_buffer(bits.tobytes()), offsets, data],
                                 offset=text.offset)


def only(text: pa.Array, valid: np.ndarray) -> pa.Array:
    """The text where valid, null elsewhere."""
    if valid.all():
        return text
    return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))
