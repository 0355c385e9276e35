"""Petitions (droit d'interpellation) assembled from the petitions and signatures tables.

Closing date, current count, the day the threshold was reached and the status are
computed here (rules in petition_rules.py) from the data and "today", with the problems
a data officer must fix, located by file, row and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from markupsafe import Markup

from pipeline.participation.budget_render import markdown_under
from pipeline.participation.petition_rules import (
    CLOSE,
    INSCRITE,
    OUVERTE,
    REPONDUE,
    SEUIL_ATTEINT,
    Count,
    closing_date,
    current_count,
    days_left,
    status,
    threshold_reached_on,
)
from pipeline.participation.table_rows import SourceRows, cell_text
from pipeline.report import Problem

STATUS_CODES = {OUVERTE: "ouverte", SEUIL_ATTEINT: "seuil-atteint", INSCRITE: "inscrite",
                REPONDUE: "repondue", CLOSE: "close"}
# The order of the list page: open petitions first (nearest the threshold first), then
# those awaiting the assembly, the answered ones, and those closed below the threshold.
GROUPS = (
    (OUVERTE, "Ouvertes à la signature"),
    (SEUIL_ATTEINT, "Seuil atteint : en attente d'inscription à l'ordre du jour"),
    (INSCRITE, "Inscrites à l'ordre du jour de l'assemblée départementale"),
    (REPONDUE, "Répondues"),
    (CLOSE, "Closes sans avoir atteint le seuil"),
)


@dataclass(frozen=True)
class Event:
    """A dated step in a petition's life, for its page and the feed."""

    key: str
    day: date
    title: str
    summary: str


@dataclass(frozen=True)
class Petition:
    id: str
    title: str
    text: str  # Markdown
    filer: str
    filed: date
    threshold: int
    sign_url: str
    agenda_date: date | None
    answer: str  # Markdown, "" until answered
    answered: date | None
    counts: tuple[Count, ...]  # within the window, by date
    today: date

    @property
    def url(self) -> str:
        return f"interpellations/{self.id}/"

    @property
    def closes(self) -> date:
        return closing_date(self.filed)

    @property
    def signatures(self) -> int:
        return current_count(self.counts)

    @property
    def counted_on(self) -> date | None:
        return self.counts[-1].day if self.counts else None

    @property
    def reached_on(self) -> date | None:
        return threshold_reached_on(self.counts, self.threshold, self.closes)

    @property
    def status(self) -> str:
        return status(self.today, self.filed, self.signatures, self.threshold,
                      self.agenda_date, self.answered)

    @property
    def status_code(self) -> str:
        return STATUS_CODES[self.status]

    @property
    def is_open(self) -> bool:
        """Signatures are still collected (below or above the threshold)."""
        return self.today <= self.closes and self.status != REPONDUE

    @property
    def days_left(self) -> int:
        return days_left(self.today, self.filed)

    @property
    def percent(self) -> int:
        """Progress towards the threshold, capped at 100 for the progress bar."""
        return min(100, self.signatures * 100 // self.threshold)

    @property
    def missing(self) -> int:
        return max(self.threshold - self.signatures, 0)

    @property
    def text_html(self) -> Markup:
        return markdown_under(self.text, 3)

    @property
    def answer_html(self) -> Markup:
        return markdown_under(self.answer, 3)

    @property
    def answer_published(self) -> bool:
        return bool(self.answer) and self.answered is not None and self.answered <= self.today

    @property
    def events(self) -> tuple[Event, ...]:
        """What happened so far (nothing dated after today), oldest first."""
        events = [Event("depot", self.filed, f"Nouvelle interpellation : {self.title}",
                        f"Déposée par {self.filer}, à signer jusqu'au {_date_fr(self.closes)} "
                        f"inclus ; seuil : {_int(self.threshold)} signatures.")]
        if self.reached_on:
            events.append(Event("seuil", self.reached_on, f"Seuil atteint : {self.title}",
                                f"{_int(self.threshold)} signatures atteintes : l'interpellation "
                                "sera inscrite à l'ordre du jour de l'assemblée départementale."))
        if self.agenda_date and self.agenda_date <= self.today:
            events.append(Event("seance", self.agenda_date, f"Examinée en séance : {self.title}",
                                "L'interpellation a été examinée par l'assemblée départementale "
                                f"lors de sa séance du {_date_fr(self.agenda_date)}."))
        if self.answer_published and self.answered:
            events.append(Event("reponse", self.answered, f"Réponse du Département : {self.title}",
                                "Le Département a publié sa réponse à l'interpellation."))
        if not self.reached_on and self.today > self.closes:
            events.append(Event("cloture", self.closes, f"Close sans atteindre le seuil : {self.title}",
                                f"L'interpellation a recueilli {_int(self.signatures)} signatures "
                                f"sur les {_int(self.threshold)} nécessaires."))
        return tuple(sorted(events, key=lambda e: e.day))

    @property
    def updated(self) -> date:
        return self.events[-1].day


def _date_fr(day: date | None) -> str:
    from pipeline.pelican_plugin.filters import date_fr

    return date_fr(day)


def _int(value: int) -> str:
    from pipeline.text import format_int

    return format_int(value)


def ordered(petitions: Sequence[Petition]) -> list[tuple[str, str, list[Petition]]]:
    """Groups of the list page: (status, heading, petitions), empty groups left out.

    Open petitions nearest their threshold come first (then the soonest to close);
    the other groups show the most recent first.
    """
    groups = []
    for code, heading in GROUPS:
        members = [p for p in petitions if p.status == code]
        if code == OUVERTE:
            members.sort(key=lambda p: (-p.signatures / p.threshold, p.closes, p.id))
        else:
            members.sort(key=lambda p: (p.updated, p.id), reverse=True)
        if members:
            groups.append((code, heading, members))
    return groups


def assemble(
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    files: Mapping[str, str],
    dataset: str,
    today: date,
) -> tuple[list[Petition], list[Problem]]:
    """The petitions of one dataset on `today`, and what is wrong with its data."""
    petitions_rows, signature_rows = (
        SourceRows(dataset, files.get(name, f"datasets/{dataset}"), tables.get(name, ()))
        for name in ("petitions", "signatures"))
    counts: dict[str, list[tuple[int, Count]]] = {}
    for number, row in signature_rows.numbered():
        count = Count(row["date"], int(row["nombre"]))
        counts.setdefault(cell_text(row, "petition"), []).append((number, count))
    petitions = []
    for number, row in petitions_rows.numbered():
        petition = _petition(row, number, petitions_rows, today)
        kept = _check_counts(petition, sorted(counts.get(petition.id, []), key=lambda c: c[1].day),
                             signature_rows)
        petition = replace(petition, counts=kept)
        _check_steps(petition, number, petitions_rows)
        petitions.append(petition)
    return petitions, petitions_rows.problems + signature_rows.problems


def _petition(row: Mapping[str, Any], number: int, source: SourceRows, today: date) -> Petition:
    answer, answered = cell_text(row, "reponse"), row.get("date_reponse")
    if answer and answered is None:
        source.report("error", "answer-without-date", f"Petition {cell_text(row, 'id')!r} has an answer "
                      "but no date_reponse.", number, "date_reponse", None,
                      "Give the date the answer was published.")
    if answered is not None and not answer:
        source.report("error", "date-without-answer", f"Petition {cell_text(row, 'id')!r} has a "
                      "date_reponse but no answer.", number, "reponse", None,
                      "Fill in reponse, or empty date_reponse.")
        answered = None
    return Petition(
        id=cell_text(row, "id"), title=cell_text(row, "titre"), text=cell_text(row, "texte"),
        filer=cell_text(row, "depositaire"), filed=row["date_depot"], threshold=int(row["seuil"]),
        sign_url=cell_text(row, "lien_signature"), agenda_date=row.get("date_inscription_ordre_du_jour"),
        answer=answer, answered=answered if answer else None, counts=(), today=today,
    )


def _check_counts(petition: Petition, rows: list[tuple[int, Count]], source: SourceRows) -> tuple[Count, ...]:
    """The counts that count: within the window and not after today; others are reported."""
    kept: list[Count] = []
    for number, count in rows:
        if count.day < petition.filed or count.day > petition.closes:
            source.report("warning", "count-outside-window",
                          f"Petition {petition.id!r}: a count is dated {count.day}, outside its "
                          f"window ({petition.filed} to {petition.closes}); it is ignored.",
                          number, "date", count.day,
                          "Signatures count from the filing date to the closing date included.")
            continue
        if count.day > petition.today:
            source.report("warning", "future-count",
                          f"Petition {petition.id!r}: a count is dated {count.day}, after the build "
                          f"date {petition.today}; it is ignored.", number, "date", count.day,
                          "Record a count once it has been exported.")
            continue
        if kept and count.total < kept[-1].total:
            source.report("warning", "count-decreases",
                          f"Petition {petition.id!r}: the count falls from {kept[-1].total} to "
                          f"{count.total} on {count.day}, yet counts are cumulative.",
                          number, "nombre", count.total,
                          "Write the total since filing, not the signatures of the period "
                          "(invalidated signatures may lower it: then say so in the text).")
        kept.append(count)
    return tuple(kept)


def _check_steps(petition: Petition, number: int, source: SourceRows) -> None:
    if petition.agenda_date is not None and petition.reached_on is None:
        source.report("warning", "agenda-below-threshold",
                      f"Petition {petition.id!r} is on the agenda of {petition.agenda_date} but its "
                      f"counts never reached the threshold ({petition.threshold}).",
                      number, "date_inscription_ordre_du_jour", petition.agenda_date,
                      "Add the count that reached the threshold to signatures.csv, or check the date.")
    if petition.answered is not None and petition.answered < petition.filed:
        source.report("error", "answer-before-filing",
                      f"Petition {petition.id!r} is answered ({petition.answered}) before it was "
                      f"filed ({petition.filed}).", number, "date_reponse", petition.answered,
                      "Check both dates.")
