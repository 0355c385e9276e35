"""The agenda of participation: events read from the datasets of kind `agenda`.

Times are stored as local wall-clock times in the zone the schema declares (field
property `timezone`, Europe/Paris by default) and turned into aware datetimes here, so
pages, markup and calendars all say the same instant on either side of a DST change.
Whether an event is upcoming, ongoing or past is relative to the build date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.config import Canton
from pipeline.extensions.base import BuildContext
from pipeline.model import PublishedDataset
from pipeline.participation.attachments import Document, attach, is_web_address, link_or_file
from pipeline.participation.common import (
    DEFAULT_ZONE,
    canton_of,
    locator,
    missing_resource,
    now_utc,
    rows,
    span_fr,
)
from pipeline.report import Problem

KIND = "agenda"
RESOURCE = "evenements"
# Ids that would collide with the agenda's own pages (agenda/passes/, agenda/cantons/…).
RESERVED_IDS = frozenset({"passes", "instances", "cantons"})
SHORT_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc."]
STATUS_LABELS = {"upcoming": "À venir", "ongoing": "En cours", "past": "Passé", "cancelled": "Annulé"}


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    kind: str
    body: str | None
    start: datetime  # aware, in the declared zone
    end: datetime
    place: str
    address: str
    commune: str | None
    canton: Canton | None
    latitude: float | None
    longitude: float | None
    online_url: str | None
    accessibility: str
    registration_url: str | None
    registration_deadline: date | None
    documents_before: Document | None
    minutes: Document | None
    description: str
    sequence: int
    cancelled: bool
    dataset: str
    modified: datetime  # last change of its dataset (UTC): the calendars' DTSTAMP
    status: str  # upcoming, ongoing or past, relative to the build date
    registration_open: bool

    @property
    def url(self) -> str:
        return f"agenda/{self.id}/"

    @property
    def calendar_path(self) -> str:
        return f"agenda/{self.id}/{self.id}.ics"

    @property
    def past(self) -> bool:
        return self.status == "past"

    @property
    def status_code(self) -> str:
        return "cancelled" if self.cancelled else self.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status_code]

    @property
    def when(self) -> str:
        return span_fr(self.start, self.end)

    @property
    def day_tile(self) -> tuple[str, str]:
        """Day and short month of the start, for the date tile of lists: ("3", "déc.")."""
        return str(self.start.day), SHORT_MONTHS[self.start.month - 1]

    @property
    def in_person(self) -> bool:
        return bool(self.commune or self.address)

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def files(self) -> list[Document]:
        return [d for d in (self.documents_before, self.minutes) if d is not None and not d.external]


@dataclass(frozen=True)
class Agenda:
    events: tuple[Event, ...]  # by start, then id
    now: datetime

    @property
    def upcoming(self) -> list[Event]:
        """Events not yet over at the build date (ongoing ones included), soonest first."""
        return [e for e in self.events if not e.past]

    @property
    def past(self) -> list[Event]:
        """Events over at the build date, latest first."""
        return [e for e in reversed(self.events) if e.past]

    def of_body(self, body: str) -> list[Event]:
        return [e for e in self.events if e.body == body]

    def of_canton(self, code: str) -> list[Event]:
        return [e for e in self.events if e.canton is not None and e.canton.code == code]


def load_agenda(
    context: BuildContext, known_bodies: set[str] | None = None
) -> tuple[Agenda, list[Problem]]:
    """Every event of every agenda dataset, with the problems found.

    known_bodies: the ids of the bodies declared by `instances` datasets; None when there
    is no such dataset (then an event's body is not checked).
    """
    now = now_utc(context)
    events: dict[str, Event] = {}
    problems: list[Problem] = []
    for published in context.of_kind(KIND):
        resource = context.resource(published, RESOURCE)
        if resource is None:
            problems.append(missing_resource(published, RESOURCE, KIND))
            continue
        zone, zone_problems = _zone(published, dict(resource.schema))
        problems += zone_problems
        where = locator(published, RESOURCE)
        for index, row in enumerate(rows(context, published, RESOURCE)):
            event, row_problems = _event(context, published, row, zone, now, where, index)
            if event is not None and event.body and known_bodies is not None \
                    and event.body not in known_bodies:
                row_problems.append(Problem("error", "unknown-body", f"No body has the id {event.body!r}.",
                                            hint="Use an id of an instances dataset, or leave it empty.",
                                            value=event.body, **where(index, "instance")))
            if event is not None and event.id in events:
                row_problems.append(Problem("error", "duplicate-event", f"Event id {event.id!r} is "
                                            "used by another agenda dataset.", value=event.id,
                                            hint="Give every event its own id.", **where(index, "id")))
                event = None
            problems += row_problems
            if event is not None and not any(p.severity == "error" for p in row_problems):
                events[event.id] = event
    ordered = tuple(sorted(events.values(), key=lambda e: (e.start, e.id)))
    return Agenda(ordered, now), problems


def _zone(published: PublishedDataset, schema: dict[str, Any]) -> tuple[ZoneInfo, list[Problem]]:
    fields = {f.get("name"): f for f in schema.get("fields", [])}
    name = fields.get("debut", {}).get("timezone") or DEFAULT_ZONE
    try:
        return ZoneInfo(name), []
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE), [Problem(
            "error", "unknown-timezone", f"Unknown time zone {name!r} declared for debut.",
            dataset=published.slug, hint="Declare an IANA zone such as Europe/Paris.")]


def _local(naive: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """The wall-clock time in zone, and whether it exists (not skipped by a DST change)."""
    aware = naive.replace(tzinfo=zone)
    exists = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
    return aware, exists


def _event(
    context: BuildContext, published: PublishedDataset, row: dict[str, Any], zone: ZoneInfo,
    now: datetime, where: Callable[[int, str], dict[str, Any]], index: int,
) -> tuple[Event | None, list[Problem]]:
    problems: list[Problem] = []

    def error(code: str, field: str, message: str, hint: str, value: Any = None) -> None:
        problems.append(Problem("error", code, message, hint=hint, value=None if value is None
                                else str(value), **where(index, field)))

    def warning(code: str, field: str, message: str, hint: str) -> None:
        problems.append(Problem("warning", code, message, hint=hint, **where(index, field)))

    event_id = row["id"]
    if event_id in RESERVED_IDS:
        error("reserved-id", "id", f"The id {event_id!r} is reserved for a page of the agenda.",
              "Choose another id, e.g. one that names the event and its date.", event_id)
    start, start_exists = _local(row["debut"], zone)
    end, end_exists = _local(row["fin"], zone)
    for field, exists, value in (("debut", start_exists, row["debut"]), ("fin", end_exists, row["fin"])):
        if not exists:
            warning("nonexistent-time", field, f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key} "
                    "(clocks go forward that night).", "Give a time outside the skipped hour.")
    if end <= start:
        error("end-before-start", "fin", f"The event ends ({row['fin']:%Y-%m-%d %H:%M}) before it "
              f"starts ({row['debut']:%Y-%m-%d %H:%M}).", "Check both dates and times.", row["fin"])
    canton = canton_of(context.settings, row.get("canton"))
    if row.get("canton") and canton is None:
        error("unknown-canton", "canton", f"Canton {row['canton']!r} is not one of the cantons of "
              "site.yaml.", "Use the four-character code of a canton listed in site.yaml.", row["canton"])
    if (row.get("latitude") is None) != (row.get("longitude") is None):
        error("half-coordinates", "latitude", "Only one of latitude and longitude is given.",
              "Give both coordinates of the place, or neither.")
    in_person = bool(row.get("commune") or row.get("adresse"))
    if not in_person and not row.get("lien_en_ligne"):
        warning("no-place", "commune", "The event has neither an address nor an online link.",
                "Give the address and commune of the place, or the link to follow it online.")
    if in_person and not row.get("accessibilite"):
        warning("no-accessibility", "accessibilite", "The event says nothing about the accessibility "
                "of its place.", "Say whether the place is accessible in a wheelchair, whether there "
                "is a hearing loop, sign-language interpretation, public transport…")
    deadline = row.get("date_limite_inscription")
    if deadline is not None and deadline > start.date():
        error("late-deadline", "date_limite_inscription", f"The registration deadline ({deadline}) "
              f"is after the event ({start.date()}).", "Give a deadline on or before the day of "
              "the event.", deadline)
    if deadline is not None and not row.get("lien_inscription"):
        warning("deadline-without-link", "date_limite_inscription", "A registration deadline is "
                "given without a registration link.", "Give lien_inscription, or remove the deadline.")
    status = "past" if end <= now else "ongoing" if start <= now else "upcoming"
    target = f"agenda/{event_id}"
    before = None
    if row.get("documents_avant"):
        before, found = link_or_file(published, row["documents_avant"], "Documents préparatoires",
                                     target, where(index, "documents_avant"))
        problems += found
    minutes = None
    if row.get("compte_rendu"):
        if is_web_address(row["compte_rendu"]):
            error("minutes-not-a-file", "compte_rendu", "The minutes are a web address, not a file "
                  "of the dataset.", "Commit the minutes as a PDF in the dataset folder and give its "
                  "path, e.g. comptes-rendus/reunion.pdf.", row["compte_rendu"])
        else:
            minutes, found = attach(published, row["compte_rendu"], "Compte rendu", target,
                                    where(index, "compte_rendu"))
            problems += found
        if status != "past":
            warning("minutes-too-early", "compte_rendu", f"Event {event_id!r} has minutes but is "
                    "not over at the build date.", "Publish the minutes once the event has taken place.")
    cancelled = row.get("statut") == "annulé"
    today = now.astimezone(zone).date()
    registration_open = bool(row.get("lien_inscription")) and not cancelled and status != "past" \
        and (deadline is None or today <= deadline)
    return Event(
        id=event_id, title=row["titre"], kind=row["type"], body=row.get("instance"),
        start=start, end=end, place=row["lieu"], address=row.get("adresse") or "",
        commune=row.get("commune"), canton=canton, latitude=row.get("latitude"),
        longitude=row.get("longitude"), online_url=row.get("lien_en_ligne"),
        accessibility=row.get("accessibilite") or "", registration_url=row.get("lien_inscription"),
        registration_deadline=deadline, documents_before=before, minutes=minutes,
        description=row.get("description") or "", sequence=row["sequence"], cancelled=cancelled,
        dataset=published.slug, modified=published.dates.modified.astimezone(UTC), status=status,
        registration_open=registration_open,
    ), problems
