"""The dated events of a project: what the page's history lists and the Atom feeds carry.

Each phase start and end, budget decision, deliberation and consultation (opening, closing,
or the day of a meeting) that happened on or before today, from the data itself. Every event
has a key that stays the same from one build to the next: it is the anchor on the project's
page and the id of the feed entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.pelican_plugin.filters import date_fr
from pipeline.projects.budget import envelopes, euros, signed_euros
from pipeline.projects.model import Consultation, Project
from pipeline.text import format_int, slugify

# Same-day events in a sensible reading order: a phase ends before the next one starts.
SAME_DAY_ORDER = {"phase-fin": 0, "deliberation": 1, "budget": 2, "phase-debut": 3, "consultation": 4}
FORM_TITLES = {
    "réunion publique": ("Réunion publique", "de la réunion publique"),
    "enquête publique": ("Enquête publique", "de l'enquête publique"),
    "atelier": ("Atelier", "de l'atelier"),
    "en ligne": ("Consultation en ligne", "de la consultation en ligne"),
}


@dataclass(frozen=True)
class Event:
    key: str  # stable: anchor on the page, part of the feed entry's id
    date: date
    kind: str  # phase-debut, phase-fin, budget, deliberation, consultation
    title: str
    text: str = ""
    url: str = ""  # a link of the event itself (a deliberation's text), relative or absolute

    @property
    def anchor(self) -> str:
        return f"evenement-{self.key}"


def events(project: Project, today: date) -> list[Event]:
    """Every event up to today, oldest first."""
    found: list[Event] = []
    for phase in project.phases:
        found.append(Event(f"phase-{phase.ordre}-debut", phase.debut, "phase-debut",
                           f"Début de la phase « {phase.phase} »", phase.commentaire))
        if phase.fin is not None:
            found.append(Event(f"phase-{phase.ordre}-fin", phase.fin, "phase-fin",
                               f"Fin de la phase « {phase.phase} »"))
    for index, (line, previous) in enumerate(envelopes(project), start=1):
        if line.nature == "initial":
            title = f"Enveloppe initiale votée : {euros(line.montant)}"
        else:
            title = f"Budget révisé : {euros(line.montant)} ({signed_euros(line.montant - previous)})"
        found.append(Event(f"budget-{line.date.isoformat()}-{index}", line.date, "budget", title, line.motif))
    for deliberation in project.deliberations:
        found.append(Event(f"deliberation-{slugify(deliberation.numero)}", deliberation.date, "deliberation",
                           f"Délibération n° {deliberation.numero}", deliberation.objet, deliberation.url))
    for consultation in project.consultations:
        found.extend(_consultation_events(consultation))
    return sorted((e for e in found if e.date <= today), key=chronological)


def chronological(event: Event) -> tuple:
    return (event.date, SAME_DAY_ORDER[event.kind], event.key)


def _consultation_events(consultation: Consultation) -> list[Event]:
    title, of_form = FORM_TITLES.get(consultation.forme, (consultation.forme.capitalize(), ""))
    figures = participation(consultation)
    if consultation.fin is None or consultation.fin == consultation.debut:
        return [Event(f"consultation-{consultation.id}", consultation.debut, "consultation", title, figures)]
    return [
        Event(f"consultation-{consultation.id}-ouverture", consultation.debut, "consultation",
              f"Ouverture {of_form}".strip(), f"Jusqu'au {date_fr(consultation.fin)}."),
        Event(f"consultation-{consultation.id}-cloture", consultation.fin, "consultation",
              f"Clôture {of_form}".strip(), figures),
    ]


def participation(consultation: Consultation) -> str:
    """« 146 participants, 58 contributions. », or "" before the figures are known."""
    parts = []
    if consultation.participants is not None:
        parts.append(_count(consultation.participants, "participant"))
    if consultation.contributions is not None:
        parts.append(_count(consultation.contributions, "contribution"))
    return (", ".join(parts) + ".") if parts else ""


def _count(value: int, noun: str) -> str:
    return f"{format_int(value)} {noun}{'s' if value > 1 else ''}"
