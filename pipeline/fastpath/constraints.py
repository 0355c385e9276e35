"""Vectorised constraints, where the comparison is exactly frictionless'.

Each check maps (text, values, cells read) to (broken, to re-check): cells whose value
breaks the constraint, and cells whose verdict frictionless must give (a number equal as
a float to a bound it may differ from as a decimal, a pattern on non-ASCII text…). A
constraint without an exact vectorised check leaves the whole column to frictionless.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.fastpath.arrays import buffers, match_classes, np_bool
from pipeline.fastpath.patterns import fixed_classes, to_re2

if TYPE_CHECKING:
    from pipeline.fastpath.cells import FieldChecker

BOUNDS = {"minimum": pc.greater_equal, "maximum": pc.less_equal,
          "exclusiveMinimum": pc.greater, "exclusiveMaximum": pc.less}


def vector_checks(checker: FieldChecker) -> list | None:
    """Vectorised constraint checks, or None if one of them must be read in Python."""
    checks = []
    constraints = checker.field.constraints
    for name in checker.checks:
        value = constraints[name]
        if name == "required":
            continue
        check = _vector_check(checker, name, value)
        if check is None:
            return None
        checks.append(check)
    return checks


def _vector_check(checker: FieldChecker, name: str, constraint: Any) -> Callable | None:
    """A function (text, values, fast) -> (broken, recheck) for one constraint."""
    kind = checker.type
    bit = checker.bit(name)
    if name in {"minLength", "maxLength"} and kind == "string":
        if isinstance(constraint, bool) or not isinstance(constraint, int | float):
            return None
        compare = np.greater_equal if name == "minLength" else np.less_equal

        def check_length(text: pa.Array, values: pa.Array, fast: np.ndarray) -> tuple:
            offsets, _data = buffers(text)
            lengths = offsets[1:] - offsets[:-1]  # bytes: the characters if ASCII
            broken = ~compare(lengths, constraint)
            # A UTF-8 character takes one to four bytes: only cells whose verdict may
            # change from bytes to characters are counted in characters.
            unsure = np.flatnonzero(broken & (lengths > constraint) if name == "maxLength"
                                    else ~broken & (lengths < 4 * constraint))
            if len(unsure):
                counted = pc.utf8_length(text.take(pa.array(unsure))).fill_null(0)
                broken[unsure] = ~compare(counted.to_numpy(zero_copy_only=False), constraint)
            return _flagged(broken, bit), np.zeros(len(text), bool)
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
            plain = np_bool(pc.string_is_ascii(text)) & ~np_bool(pc.match_substring(text, "\n"))
            ok = np_bool(pc.match_substring_regex(text, translated))
            return _flagged(~ok & plain, bit), ~plain
        return check_pattern
    if name == "enum":
        return _enum_check(checker, constraint, bit)
    if name in BOUNDS:
        return _bound_check(checker, name, constraint, bit)
    return None


def _enum_check(checker: FieldChecker, constraint: Any, bit: np.uint32) -> Callable | None:
    if not isinstance(constraint, list):
        return None
    members = [checker.value_reader(item) for item in constraint]
    kind = checker.type
    if kind in {"string", "any"} and checker.format in {"default", "uuid"}:
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
        ok = np_bool(pc.is_in(values, value_set=arrow_members))
        return _flagged(~ok, bit), np.zeros(len(text), bool)
    return check_enum


def _bound_check(checker: FieldChecker, name: str, constraint: Any, bit: np.uint32) -> Callable | None:
    bound = checker.value_reader(constraint)
    kind = checker.type
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
        ok = np_bool(compare(values, scalar))
        # Two decimals can round to the same float: frictionless decides ties.
        tie = np_bool(pc.equal(values, scalar)) if kind == "number" else np.zeros(len(text), bool)
        return _flagged(~ok & ~tie, bit), tie
    return check_bound


def _flagged(mask: np.ndarray, bit: np.uint32) -> np.ndarray:
    return mask * np.uint32(bit)
