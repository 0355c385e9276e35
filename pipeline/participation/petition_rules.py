"""The rules of the droit d'interpellation: a one-year window, a threshold, a status.

A petition is open for signatures from its filing date to its closing date included, one
year later: filed on 14 March 2026, it closes at the end of 14 March 2027. One filed on
29 February closes on 28 February of the next year (that year has no 29 February).

Its status follows from the data and from "today" (the build date, never the clock):

- répondue: the Département's answer is published (its date has come);
- inscrite à l'ordre du jour: a sitting of the assembly has it on its agenda;
- seuil atteint: the signatures reached the threshold (at any time in the window);
- ouverte: still in its window, below the threshold;
- close sans seuil: the window ended below the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

OUVERTE = "ouverte"
SEUIL_ATTEINT = "seuil atteint"
INSCRITE = "inscrite à l'ordre du jour"
REPONDUE = "répondue"
CLOSE = "close sans seuil"
STATUSES = (OUVERTE, SEUIL_ATTEINT, INSCRITE, REPONDUE, CLOSE)


def closing_date(filed: date) -> date:
    """The last day on which the petition can be signed: one year after filing."""
    try:
        return filed.replace(year=filed.year + 1)
    except ValueError:  # 29 February → 28 February of the next (non-leap) year
        return filed.replace(year=filed.year + 1, day=28)


@dataclass(frozen=True)
class Count:
    """A cumulative signature count, as exported by the signing service on a day."""

    day: date
    total: int


def current_count(counts: Iterable[Count]) -> int:
    """The latest count (the counts are cumulative); 0 when none was exported yet."""
    latest = max(counts, key=lambda c: c.day, default=None)
    return latest.total if latest else 0


def threshold_reached_on(counts: Iterable[Count], threshold: int, closes: date) -> date | None:
    """The first day a count within the window reached the threshold, if any."""
    days = [c.day for c in counts if c.total >= threshold and c.day <= closes]
    return min(days, default=None)


def status(
    today: date,
    filed: date,
    signatures: int,
    threshold: int,
    agenda_date: date | None = None,
    answered: date | None = None,
) -> str:
    """The petition's status on `today` (see the module's docstring)."""
    if answered is not None and answered <= today:
        return REPONDUE
    if agenda_date is not None:
        return INSCRITE
    if signatures >= threshold:
        return SEUIL_ATTEINT
    if today <= closing_date(filed):
        return OUVERTE
    return CLOSE


def days_left(today: date, filed: date) -> int:
    """Days left to sign, the closing day included: 1 on the closing day, 0 after it."""
    return max((closing_date(filed) - today).days + 1, 0)
