"""A project's budget: the envelope and its revisions, the amounts committed and paid by year,
and a bar chart of them as a static SVG.

The SVG is inline in the page, so it needs no script and obeys the Content-Security-Policy:
colours are SVG presentation attributes (fill=) that the theme's CSS classes may override,
never style attributes. It is an image (role="img") named by its <title>; the page puts the
table of the same figures right after it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from pipeline.projects.model import BudgetLine, Project
from pipeline.text import format_int

ENGAGE_COLOR = "#0b4f8a"
PAYE_COLOR = "#b4360f"
TEXT_COLOR = "#1b1b1b"
GRID_COLOR = "#c4c8cf"
WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 76, 12, 44, 34


def euros(value: float) -> str:
    """4650000 → « 4 650 000 € » (narrow no-break spaces)."""
    return f"{format_int(round(value))}\u00a0€"


def signed_euros(value: float) -> str:
    if round(value) == 0:
        return "sans changement"
    return ("+" if value > 0 else "−") + euros(abs(value))


def envelopes(project: Project) -> Iterator[tuple[BudgetLine, float]]:
    """The envelope decisions (initial, révision) in date order, each with the envelope before it."""
    previous = project.budget_initial
    for line in project.budget:
        if line.nature in ("initial", "révision"):
            yield line, previous
            previous = line.montant


@dataclass(frozen=True)
class YearAmounts:
    annee: int
    engage: float
    paye: float
    paye_cumule: float


@dataclass(frozen=True)
class BudgetSummary:
    initial: float
    current: float
    revisions: tuple[tuple[BudgetLine, float], ...]  # (decision, envelope before it)
    years: tuple[YearAmounts, ...]

    @property
    def engage_total(self) -> float:
        return sum(y.engage for y in self.years)

    @property
    def paye_total(self) -> float:
        return sum(y.paye for y in self.years)

    @property
    def paid_percent(self) -> int | None:
        return round(100 * self.paye_total / self.current) if self.current else None


def summarize(project: Project) -> BudgetSummary:
    decisions = tuple(envelopes(project))
    current = decisions[-1][0].montant if decisions else project.budget_initial
    by_year: dict[int, list[float]] = {}
    for line in project.budget:
        if line.nature in ("engagé", "payé") and line.annee is not None:
            amounts = by_year.setdefault(line.annee, [0.0, 0.0])
            amounts[0 if line.nature == "engagé" else 1] += line.montant
    years, paid = [], 0.0
    for year in sorted(by_year):
        engage, paye = by_year[year]
        paid += paye
        years.append(YearAmounts(year, engage, paye, paid))
    return BudgetSummary(project.budget_initial, current, decisions, tuple(years))


def chart_svg(summary: BudgetSummary, chart_id: str, subject: str) -> Markup:
    """Grouped bars, committed and paid, one group per year; "" if there are no amounts."""
    if not summary.years:
        return Markup("")
    top, step = axis_scale(max(max(y.engage, y.paye) for y in summary.years))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    title = f"Montants engagés et payés par année : {subject}"
    parts = [
        f'<svg class="budget-chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-titre {chart_id}-desc" '
        f'font-size="13" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-titre">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_description(summary))}</desc>',
    ]
    value = 0.0
    while value <= top + step / 2:
        y = y_of(value)
        parts.append(f'<line class="budget-chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="{GRID_COLOR}" stroke-width="1"/>')
        parts.append(f'<text class="budget-chart__tick" x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="{TEXT_COLOR}">{escape(_compact(value, top))}</text>')
        value += step
    group = plot_w / len(summary.years)
    bar = min(44.0, group * 0.36)
    for index, year in enumerate(summary.years):
        middle = LEFT + group * (index + 0.5)
        for x, amount, kind, color, label in (
            (middle - bar - 2, year.engage, "engage", ENGAGE_COLOR, "engagé"),
            (middle + 2, year.paye, "paye", PAYE_COLOR, "payé"),
        ):
            y = y_of(amount)
            parts.append(f'<rect class="budget-chart__bar budget-chart__bar--{kind}" x="{x:.1f}" y="{y:.1f}" '
                         f'width="{bar:.1f}" height="{TOP + plot_h - y:.1f}" fill="{color}">'
                         f'<title>{year.annee}, {label} : {escape(euros(amount))}</title></rect>')
        parts.append(f'<text class="budget-chart__year" x="{middle:.1f}" y="{HEIGHT - BOTTOM + 20}" '
                     f'text-anchor="middle" fill="{TEXT_COLOR}">{year.annee}</text>')
    parts.append(f'<line class="budget-chart__axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
                 f'y2="{TOP + plot_h}" stroke="{TEXT_COLOR}" stroke-width="1"/>')
    for x, kind, color, label in ((LEFT, "engage", ENGAGE_COLOR, "Engagé"),
                                  (LEFT + 110, "paye", PAYE_COLOR, "Payé")):
        parts.append(f'<rect class="budget-chart__bar--{kind}" x="{x}" y="12" width="14" height="14" '
                     f'fill="{color}"/>')
        parts.append(f'<text class="budget-chart__legend" x="{x + 20}" y="24" fill="{TEXT_COLOR}">'
                     f'{label}</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _description(summary: BudgetSummary) -> str:
    years = "; ".join(f"{y.annee} : engagé {euros(y.engage)}, payé {euros(y.paye)}" for y in summary.years)
    return f"Diagramme en barres. {years}. Les mêmes chiffres figurent dans le tableau qui suit."


def axis_scale(maximum: float) -> tuple[float, float]:
    """A round top for the axis and the step between its 3 to 6 gridlines."""
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(maximum / step), step


def _compact(value: float, top: float) -> str:
    """Axis labels: « 1,5 M€ », « 250 k€ »."""
    if value == 0:
        return "0"
    if top >= 1_000_000:
        text, unit = f"{value / 1_000_000:.2f}".rstrip("0").rstrip("."), "M€"
    elif top >= 1_000:
        text, unit = f"{value / 1_000:.1f}".rstrip("0").rstrip("."), "k€"
    else:
        text, unit = f"{value:.0f}", "€"
    return f"{text.replace('.', ',')}\u00a0{unit}"
