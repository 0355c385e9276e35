"""Quantile classes and the sequential palette of choropleths."""

from __future__ import annotations

from bisect import bisect_right

from pipeline.text import format_int

# ColorBrewer "Blues", sequential, for 3 to 7 classes.
BLUES = {
    3: ("#deebf7", "#9ecae1", "#3182bd"),
    4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
    5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    6: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"),
    7: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"),
}
NO_DATA = "#d9d9d9"


def quantile_breaks(values: list[float], classes: int) -> list[float]:
    """Upper bounds of each class but the last; fewer classes when values repeat."""
    ordered = sorted(values)
    if not ordered:
        return []
    breaks = []
    for k in range(1, classes):
        position = k * (len(ordered) - 1) / classes
        lower = int(position)
        fraction = position - lower
        upper = ordered[min(lower + 1, len(ordered) - 1)]
        breaks.append(ordered[lower] + (upper - ordered[lower]) * fraction)
    unique = sorted(set(breaks))
    return [b for b in unique if ordered[0] <= b < ordered[-1]]


def class_of(value: float, breaks: list[float]) -> int:
    return bisect_right(breaks, value) if breaks else 0


def palette(count: int) -> tuple[str, ...]:
    return BLUES[max(3, min(7, count))][:count] if count >= 3 else BLUES[3][-count:]


def format_number(value: float) -> str:
    """French display of a number: 12 345 or 12 345,6."""
    if float(value).is_integer():
        return format_int(int(value))
    whole, _, decimals = f"{value:,.2f}".partition(".")
    text = whole.replace(",", "\u202f") + "," + decimals
    return text.rstrip("0").rstrip(",")
