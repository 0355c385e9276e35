"""Byte-level helpers on Arrow string arrays, with numpy: the hot loops of the fast path."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

CHUNK_ROWS = 1 << 16
DIGITS = np.zeros(256, bool)
DIGITS[ord("0"):ord("9") + 1] = True
# strptime directives the fixed-width reader knows: name and width in digits.
DIRECTIVES = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}


def buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (n + 1, into data) and bytes of a string array."""
    if text.type != pa.string():
        text = text.cast(pa.string())
    bufs = text.buffers()
    offsets = np.frombuffer(bufs[1], np.int32, len(text) + 1, text.offset * 4).astype(np.int64)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    return offsets, data


def byte_set(chars: str) -> np.ndarray:
    table = np.zeros(256, bool)
    for char in chars.encode("ascii"):
        table[char] = True
    return table


def rows_with_bytes_outside(text: pa.Array, allowed: np.ndarray) -> np.ndarray:
    """True for each value holding a byte outside `allowed` (a 256-entry table)."""
    offsets, data = buffers(text)
    mask = np.zeros(len(text), bool)
    start, stop = int(offsets[0]), int(offsets[-1])
    bad = np.flatnonzero(~allowed[data[start:stop]])
    if len(bad):
        mask[np.searchsorted(offsets, bad + start, side="right") - 1] = True
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


def fixed_width(text: pa.Array, parts: list[tuple[str, int]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Which values are exactly the template (digits where directives are), and the
    number each directive holds (0 elsewhere)."""
    width = sum(size or 1 for _, size in parts)
    offsets, data = buffers(text)
    lengths = offsets[1:] - offsets[:-1]
    candidates = np.flatnonzero(lengths == width)
    match = np.zeros(len(text), bool)
    numbers = {name: np.zeros(len(text), np.int64) for name, size in parts if size}
    for begin in range(0, len(candidates), CHUNK_ROWS):
        rows = candidates[begin:begin + CHUNK_ROWS]
        matrix = data[offsets[rows][:, None] + np.arange(width)]
        ok = np.ones(len(rows), bool)
        column = 0
        for name, size in parts:
            if not size:
                ok &= matrix[:, column] == ord(name)
                column += 1
                continue
            block = matrix[:, column:column + size]
            ok &= DIGITS[block].all(axis=1)
            value = np.zeros(len(rows), np.int64)
            for position in range(size):
                value = value * 10 + (block[:, position].astype(np.int64) - 48)
            numbers[name][rows] = value
            column += size
        match[rows] = ok
    return match, numbers


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    year = year - (month <= 2)
    era = np.floor_divide(year, 400)
    year_of_era = year - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def valid_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Python's datetime accepts the date: year 1-9999, month 1-12, day within the month."""
    good_month = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = MONTH_DAYS[np.where(good_month, month, 0)] + (good_month & (month == 2) & leap)
    return good_month & (year >= 1) & (year <= 9999) & (day >= 1) & (day <= last)


def scatter(size: int, positions: np.ndarray, values: pa.Array, base: pa.Array | None = None
            ) -> pa.Array:
    """An array of `size` values: `values` at `positions` (ascending), `base` (or null) elsewhere."""
    if base is None:
        base = pa.nulls(size, values.type)
    if not len(positions):
        return base
    mask = np.zeros(size, bool)
    mask[positions] = True
    import pyarrow.compute as pc

    return pc.replace_with_mask(base, pa.array(mask), values)
