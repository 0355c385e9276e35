"""Table Schema `pattern` constraints, checked by RE2 (pyarrow) where Python's re agrees.

Frictionless checks `re.compile("^" + pattern + "$").match(cell)`. The pattern is parsed
with Python's own parser and written back in RE2 syntax, node by node: the two engines
then accept the same strings among those that are ASCII and hold no line break (there,
Python's `\\d`, `\\w`, `\\s`, `\\b` and `$` mean what RE2's translated forms mean). Other
cells, and patterns using what RE2 lacks (back-references, look-arounds, inline flags),
are matched by Python's re itself.
"""

from __future__ import annotations

import re
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RE2_MAX_REPEAT = 1000
# Python's classes on ASCII text, as RE2 class items.
CATEGORIES = {
    sre.CATEGORY_DIGIT: r"0-9",
    sre.CATEGORY_NOT_DIGIT: r"\x00-\x2f\x3a-\x{10ffff}",
    sre.CATEGORY_WORD: r"0-9A-Za-z_",
    sre.CATEGORY_NOT_WORD: r"\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x{10ffff}",
    sre.CATEGORY_SPACE: r"\t\n\x0b\x0c\r\x1c-\x1f ",
    sre.CATEGORY_NOT_SPACE: r"\x00-\x08\x0e-\x1b\x21-\x{10ffff}",
}
ANCHORS = {
    sre.AT_BEGINNING: "^",
    sre.AT_BEGINNING_STRING: r"\A",
    sre.AT_END: "$",  # Python's also matches before a final "\n": such cells go to re
    sre.AT_END_STRING: r"\z",
    sre.AT_BOUNDARY: r"\b",
    sre.AT_NON_BOUNDARY: r"\B",
}


class _NotTranslatable(Exception):
    pass


def to_re2(pattern: str) -> str | None:
    """The RE2 form of frictionless' `^pattern$`, or None if RE2 cannot be trusted with it."""
    try:
        parsed = sre_parse.parse(f"^{pattern}$")
        if parsed.state.flags & ~re.UNICODE:
            return None
        translated = "^(?:" + _sequence(parsed) + ")"
        pc.match_substring_regex(pa.array(["a"]), translated)  # RE2 must compile it
    except (_NotTranslatable, re.error, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return translated


def _sequence(items: Any) -> str:
    return "".join(_node(op, arg) for op, arg in items)


def _node(op: Any, arg: Any) -> str:
    if op is sre.LITERAL:
        return _char(arg)
    if op is sre.NOT_LITERAL:
        return f"[^{_char(arg)}]"
    if op is sre.ANY:
        return "."
    if op is sre.IN:
        return _class(arg)
    if op is sre.AT and arg in ANCHORS:
        return ANCHORS[arg]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, item = arg
        if low > RE2_MAX_REPEAT or (high is not sre.MAXREPEAT and high > RE2_MAX_REPEAT):
            raise _NotTranslatable
        bound = f"{{{low},}}" if high is sre.MAXREPEAT else f"{{{low},{high}}}"
        return f"(?:{_sequence(item)}){bound}" + ("?" if op is sre.MIN_REPEAT else "")
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, item = arg
        if add_flags or del_flags:
            raise _NotTranslatable
        return f"(?:{_sequence(item)})"
    if op is sre.BRANCH:
        return "(?:" + "|".join(_sequence(item) for item in arg[1]) + ")"
    raise _NotTranslatable


def _class(items: Any) -> str:
    parts = []
    for op, arg in items:
        if op is sre.NEGATE:
            parts.insert(0, "^")
        elif op is sre.LITERAL:
            parts.append(_char(arg))
        elif op is sre.RANGE:
            parts.append(f"{_char(arg[0])}-{_char(arg[1])}")
        elif op is sre.CATEGORY and arg in CATEGORIES:
            parts.append(CATEGORIES[arg])
        else:
            raise _NotTranslatable
    return "[" + "".join(parts) + "]"


def _char(code: int) -> str:
    return f"\\x{{{code:x}}}"


def python_matcher(pattern: str) -> Any:
    """Frictionless' own check, for the cells RE2 is not trusted with."""
    return re.compile(f"^{pattern}$").match


def fixed_classes(pattern: str) -> list[np.ndarray] | None:
    """For a pattern of a fixed number of ASCII characters, each from a set (such as
    `59[0-9]{3}`): the set of bytes allowed at each position (256-entry tables).
    None for any other pattern. An ASCII string matches iff it has that many bytes, each
    in its set (or one more, a final line break, which `$` accepts: left to re)."""
    try:
        parsed = sre_parse.parse(f"^{pattern}$")
    except re.error:
        return None
    items = list(parsed)
    if parsed.state.flags & ~re.UNICODE or len(items) < 2 \
            or items[0] != (sre.AT, sre.AT_BEGINNING) or items[-1] != (sre.AT, sre.AT_END):
        return None
    positions: list[np.ndarray] = []
    for op, arg in items[1:-1]:
        if op is sre.MAX_REPEAT and arg[0] == arg[1] and len(arg[2]) == 1:
            allowed = _single(*arg[2][0])
            positions.extend([allowed] * arg[0] if allowed is not None else [None])
        else:
            positions.append(_single(op, arg))
        if positions and positions[-1] is None:
            return None
    return positions or None


def _single(op: Any, arg: Any) -> np.ndarray | None:
    """The ASCII bytes one pattern item matches, if it is a literal or a plain class."""
    table = np.zeros(256, bool)
    if op is sre.LITERAL and arg < 128:
        table[arg] = True
        return table
    if op is not sre.IN:
        return None
    for kind, value in arg:
        if kind is sre.LITERAL and value < 128:
            table[value] = True
        elif kind is sre.RANGE and value[1] < 128:
            table[value[0]:value[1] + 1] = True
        else:
            return None  # negation, categories, non-ASCII: left to RE2 or re
    return table
