"""Rendering helpers shared by the participation pages (budgets, petitions, contributions).

- Horizontal bar charts drawn as static SVG: the geometry here, the markup in the template
  budgets/_bar_chart.html. No script, no inline style: positions are SVG attributes,
  colours CSS classes. Every chart is followed on its page by a table of the same figures.
- Markdown from data (rules, petitions, answers) rendered under a given heading level, so
  that a "## Title" written by a data officer never breaks the page's heading order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from pipeline.text import format_int, markdown_to_html

_HEADING = re.compile(r"<(/?)h([1-6])\b")


def markdown_under(text: str, level: int) -> Markup:
    """Markdown rendered safely, its highest heading moved to `level` (others follow)."""
    html = str(markdown_to_html(text))
    found = [int(m.group(2)) for m in _HEADING.finditer(html)]
    if not found:
        return Markup(html)
    shift = level - min(found)
    return Markup(_HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}", html))

WIDTH = 800  # viewBox units; the SVG scales to its container
ROW = 28  # height of one bar's row
BAR = 18
LABEL_WIDTH = 330
VALUE_WIDTH = 90
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: float  # top of the bar
    width: float
    highlight: bool = False

    @property
    def value_text(self) -> str:
        return format_int(self.value)

    @property
    def text_y(self) -> float:
        return self.y + BAR / 2


@dataclass(frozen=True)
class BarChart:
    id: str  # unique on the page: the SVG's <title> id derives from it
    title: str
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    width: int = WIDTH

    @property
    def height(self) -> int:
        return TOP * 2 + ROW * len(self.bars)

    @property
    def bar_x(self) -> int:
        return self.label_width

    @property
    def bar_height(self) -> int:
        return BAR

    def value_x(self, bar: Bar) -> float:
        return self.label_width + bar.width + 6


def shorten(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, items: Sequence[tuple[str, int, bool]],
              label_width: int = LABEL_WIDTH) -> BarChart:
    """Bars for (label, value, highlighted) items, in the order given."""
    span = WIDTH - label_width - VALUE_WIDTH
    top = max((value for _, value, _ in items), default=0) or 1
    bars = tuple(
        Bar(label, value, TOP + index * ROW + (ROW - BAR) / 2, round(span * value / top, 1), highlight)
        for index, (label, value, highlight) in enumerate(items)
    )
    return BarChart(chart_id, title, bars, label_width)
