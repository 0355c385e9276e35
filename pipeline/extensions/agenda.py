"""The agenda of participation: events as pages, schema.org markup and iCalendar feeds.

Datasets of kind `agenda` hold the events (resource `evenements`, schema
site:agenda/evenements). Pages: agenda/ (upcoming events), agenda/passes/,
agenda/<id>/ per event, agenda/instances/<body>/ and agenda/cantons/<canton>/; feeds:
agenda/agenda.ics, agenda/instances/<body>.ics, agenda/cantons/<canton>.ics and one
per event. Registrations are collected by another service: the site links to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from pipeline.config import Canton
from pipeline.extensions.base import (
    BaseExtension,
    BuildContext,
    Contribution,
    GeneratedFile,
    NavLink,
    Page,
)
from pipeline.participation.attachments import Document
from pipeline.participation.common import absolute_url, canton_label, month_fr, today
from pipeline.participation.events import KIND, Agenda, Event, load_agenda
from pipeline.participation.ical import calendar_bytes
from pipeline.participation.instances import Body, load_bodies
from pipeline.participation.jsonld import event_jsonld, script_json
from pipeline.report import Problem

FEED = "agenda/agenda.ics"


@dataclass(frozen=True)
class Group:
    """The events of one body or one canton, with their page and feed."""

    kind: str  # "instance" or "canton"
    key: str  # the body's id or the canton's code
    slug: str  # in URLs
    title: str  # "Conseil départemental des jeunes", "canton d'Armentières"
    events: tuple[Event, ...]
    body: Body | None = None
    canton: Canton | None = None

    @property
    def heading(self) -> str:
        """The title with a capital: « Canton d'Armentières »."""
        return self.title[:1].upper() + self.title[1:]

    @property
    def folder(self) -> str:
        return "instances" if self.kind == "instance" else "cantons"

    @property
    def url(self) -> str:
        return f"agenda/{self.folder}/{self.slug}/"

    @property
    def feed(self) -> str:
        return f"agenda/{self.folder}/{self.slug}.ics"

    @property
    def upcoming(self) -> list[Event]:
        return [e for e in self.events if not e.past]

    @property
    def past(self) -> list[Event]:
        return [e for e in reversed(self.events) if e.past]


@dataclass(frozen=True)
class AgendaData:
    """What templates read as opendata.extras["agenda"]."""

    agenda: Agenda
    bodies: tuple[Group, ...]
    cantons: tuple[Group, ...]
    today: date  # the build date, in the site's time zone
    feed: str = FEED

    def group_of_body(self, body_id: str) -> Group | None:
        return next((g for g in self.bodies if g.key == body_id), None)


def by_month(events: list[Event]) -> list[tuple[str, list[Event]]]:
    """Events in the given order, grouped under « décembre 2026 » headings."""
    return [(month_fr(month), list(group))
            for month, group in groupby(events, key=lambda e: e.start.date().replace(day=1))]


class AgendaExtension(BaseExtension):
    name = "agenda"
    order = 30
    dataset_kind = KIND

    def prepare(self, context: BuildContext) -> Contribution:
        datasets = context.of_kind(KIND)
        bodies, _ = load_bodies(context)  # their problems are the bodies extension's to report
        known = {b.id for b in bodies} if context.of_kind("instances") else None
        agenda, problems = load_agenda(context, known)
        problems += _clashing_files(agenda)
        data = AgendaData(agenda, _body_groups(agenda, bodies), _canton_groups(agenda, context),
                          today(context))
        pages = self._pages(context, data, datasets)
        files = self._files(context, data)
        return Contribution(
            name=self.name, data=data, pages=tuple(pages), files=tuple(files),
            problems=tuple(problems), nav=(NavLink("Agenda", "agenda/", order=30),),
            dataset_sections=("agenda/_dataset_section.html",),
        )

    def _pages(self, context: BuildContext, data: AgendaData, datasets: list) -> list[Page]:
        agenda = data.agenda
        common = {"agenda_data": data, "agenda_datasets": datasets}
        pages = [
            Page("agenda/", "agenda/index", "agenda",
                 {**common, "months": by_month(agenda.upcoming), "past_count": len(agenda.past)}),
            Page("agenda/passes/", "agenda/past", "agenda-past",
                 {**common, "months": by_month(agenda.past)}),
        ]
        for group in (*data.bodies, *data.cantons):
            pages.append(Page(group.url, "agenda/group", f"agenda-{group.kind}",
                              {**common, "group": group}))
        names = {g.key: g for g in data.bodies}
        for event in agenda.events:
            group = names.get(event.body) if event.body else None
            body_name = group.title if group else None
            markup = event_jsonld(event, context.settings, body_name if group and group.body else None)
            pages.append(Page(event.url, "agenda/event", "agenda-event", {
                **common, "event": event, "event_group": group, "jsonld": script_json(markup),
                "canton_group": next((g for g in data.cantons if event.canton
                                      and g.key == event.canton.code), None),
            }))
        return pages

    def _files(self, context: BuildContext, data: AgendaData) -> list[GeneratedFile]:
        settings = context.settings
        day = today(context)
        owner = settings.owner or settings.name
        files = [GeneratedFile(FEED, calendar_bytes(
            data.agenda.events, settings, f"Agenda de la participation – {owner}", day,
            f"Réunions publiques, ateliers et séances des instances participatives. "
            f"{absolute_url(settings, 'agenda/')}"))]
        for group in (*data.bodies, *data.cantons):
            files.append(GeneratedFile(group.feed, calendar_bytes(
                group.events, settings, f"Agenda – {group.title}", day,
                f"Les événements participatifs : {group.title}. {absolute_url(settings, group.url)}")))
        for event in data.agenda.events:
            files.append(GeneratedFile(event.calendar_path, calendar_bytes(
                [event], settings, event.title, day)))
            files.extend(document.generated() for document in event.files())
        return files


def _body_groups(agenda: Agenda, bodies: list[Body]) -> tuple[Group, ...]:
    """A group per declared body, and per body id an event names without declaring it."""
    groups = [Group("instance", b.id, b.id, b.name, tuple(agenda.of_body(b.id)), body=b) for b in bodies]
    declared = {b.id for b in bodies}
    undeclared = sorted({e.body for e in agenda.events if e.body and e.body not in declared})
    groups += [Group("instance", key, key, key, tuple(agenda.of_body(key))) for key in undeclared]
    return tuple(groups)


def _canton_groups(agenda: Agenda, context: BuildContext) -> tuple[Group, ...]:
    """A group per canton of the territory, with or without events: feeds keep their URL."""
    return tuple(
        Group("canton", canton.code, canton.slug, canton_label(canton),
              tuple(agenda.of_canton(canton.code)), canton=canton)
        for canton in context.settings.territory.cantons
    )


def _clashing_files(agenda: Agenda) -> list[Problem]:
    seen: dict[str, Document] = {}
    problems = []
    for event in agenda.events:
        for document in event.files():
            previous = seen.setdefault(document.path, document)
            if previous.content != document.content:
                problems.append(Problem("error", "file-clash", f"Two different files would be "
                                        f"published as /{document.path}.", dataset=event.dataset,
                                        hint="Give the documents of one event different file names."))
    return problems


EXTENSION = AgendaExtension()
