"""A project's status and current phase, from its phases' dates and "today" (the build date).

Rules (dates are whole days, both ends of a phase included):

- suspendu: the project's `suspendu` flag, whatever the dates say;
- à venir: no phase has started yet (the first phase starts after today), or no phase at all;
- terminé: every phase has an end date and the last one ended before today;
- en cours: otherwise — today is within a phase, or between two phases.

The current phase is the phase whose [debut, fin] contains today (an empty fin never ends).
If phases overlap, the one that started last is current; between two phases there is none,
and `next` names the phase to come. A suspended project has no current phase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pipeline.projects.model import Phase


@dataclass(frozen=True)
class Status:
    slug: str
    label: str


A_VENIR = Status("a-venir", "à venir")
EN_COURS = Status("en-cours", "en cours")
TERMINE = Status("termine", "terminé")
SUSPENDU = Status("suspendu", "suspendu")
STATUSES = (EN_COURS, A_VENIR, TERMINE, SUSPENDU)  # in the order the site lists them


@dataclass(frozen=True)
class Progress:
    status: Status
    current: Phase | None  # the phase containing today
    next: Phase | None  # the first phase starting after today
    today: date

    def phase_state(self, phase: Phase) -> str:
        """passée, en cours or à venir: how the timeline shows a phase."""
        if phase.fin is not None and phase.fin < self.today:
            return "passée"
        if phase.debut > self.today:
            return "à venir"
        return "en cours"

    @property
    def between_phases(self) -> bool:
        return self.status == EN_COURS and self.current is None


def progress(phases: Sequence[Phase], today: date, suspended: bool = False) -> Progress:
    upcoming = sorted((p for p in phases if p.debut > today), key=lambda p: (p.debut, p.ordre))
    following = upcoming[0] if upcoming else None
    if suspended:
        return Progress(SUSPENDU, None, None, today)
    return Progress(project_status(phases, today), current_phase(phases, today), following, today)


def project_status(phases: Sequence[Phase], today: date) -> Status:
    if not phases or min(p.debut for p in phases) > today:
        return A_VENIR
    if all(p.fin is not None for p in phases) and max(p.fin for p in phases if p.fin) < today:
        return TERMINE
    return EN_COURS


def current_phase(phases: Sequence[Phase], today: date) -> Phase | None:
    containing = [p for p in phases if p.contains(today)]
    return max(containing, key=lambda p: (p.debut, p.ordre)) if containing else None
