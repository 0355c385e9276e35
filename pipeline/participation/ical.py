"""iCalendar feeds of the agenda (RFC 5545), written with the icalendar library.

Every feed is deterministic: UIDs are `<event id>@<site host>`, SEQUENCE comes from the
data, DTSTAMP and LAST-MODIFIED from the last change of the event's dataset, and times
carry their TZID with a VTIMEZONE computed from the time-zone database for the years the
events span, each onset written in the local time before the change, as RFC 5545 wants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vText
from icalendar import Event as VEvent

from pipeline.config import SiteSettings
from pipeline.participation.common import DEFAULT_ZONE, absolute_url, site_host
from pipeline.participation.events import Event

PRODID = "-//{owner}//Agenda de la participation//FR"


def uid(event: Event, settings: SiteSettings) -> str:
    return f"{event.id}@{site_host(settings)}"


def calendar_bytes(
    events: Iterable[Event], settings: SiteSettings, name: str, today: date, description: str = "",
    zone: str = DEFAULT_ZONE,
) -> bytes:
    """One VCALENDAR holding events (sorted by start), its VTIMEZONE first.

    today (the build date) sets the years of the VTIMEZONE of a calendar without events.
    """
    chosen = sorted(events, key=lambda e: (e.start, e.id))
    calendar = Calendar()
    calendar.add("prodid", PRODID.format(owner=settings.owner or settings.name))
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", vText(name))
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", vText(description))
    calendar.add("x-wr-timezone", zone)
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    calendar.add_component(vtimezone(ZoneInfo(zone), *_span(chosen, today)))
    for event in chosen:
        calendar.add_component(vevent(event, settings))
    return calendar.to_ical()


def vevent(event: Event, settings: SiteSettings) -> VEvent:
    component = VEvent()
    component.add("uid", uid(event, settings))
    component.add("dtstamp", event.modified.astimezone(UTC))
    component.add("last-modified", event.modified.astimezone(UTC))
    component.add("sequence", event.sequence)
    component.add("dtstart", event.start)
    component.add("dtend", event.end)
    component.add("summary", f"ANNULÉ : {event.title}" if event.cancelled else event.title)
    component.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    component.add("class", "PUBLIC")
    component.add("transp", "OPAQUE")
    component.add("categories", [event.kind])
    location = ", ".join(part for part in (event.place, event.address) if part)
    if location:
        component.add("location", location)
    if event.located:
        component.add("geo", (event.latitude, event.longitude))
    page = absolute_url(settings, event.url)
    component.add("url", page, parameters={"VALUE": "URI"})
    component.add("description", _description(event, page))
    if settings.contact.email:
        organizer = f"mailto:{settings.contact.email}"
        component.add("organizer", organizer, parameters={"CN": settings.owner or settings.name})
    return component


def _description(event: Event, page: str) -> vText:
    """Plain text: the Markdown description without its markup, then the useful links."""
    lines = [_plain(event.description)] if event.description else []
    if event.cancelled:
        lines.insert(0, "Cet événement est annulé.")
    if event.online_url:
        lines.append(f"En ligne : {event.online_url}")
    if event.registration_url:
        deadline = (f" (jusqu'au {event.registration_deadline:%d/%m/%Y})"
                    if event.registration_deadline else "")
        lines.append(f"Inscription{deadline} : {event.registration_url}")
    if event.accessibility:
        lines.append(f"Accessibilité : {event.accessibility}")
    lines.append(f"Détails : {page}")
    return vText("\n\n".join(lines))


def _plain(markdown: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1 (\2)", markdown)
    text = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE)
    return re.sub(r"[*_`]", "", text).strip()


def _span(events: list[Event], today: date) -> tuple[date, date]:
    """The years the calendar covers: its events', or the build date's if it has none."""
    if not events:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    first = min(e.start for e in events).date()
    last = max(e.end for e in events).date()
    return date(first.year, 1, 1), date(last.year, 12, 31)


# ---- VTIMEZONE ------------------------------------------------------------------------

def vtimezone(zone: ZoneInfo, first: date, last: date) -> Timezone:
    """The zone's observances from first to last: the one in force, then each change."""
    component = Timezone()
    component.add("tzid", zone.key)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    offset = start.utcoffset()
    component.add_component(_observance(start, offset, offset, start.dst(), start.tzname()))
    for moment in _transitions(zone, first, last):
        before = (moment - timedelta(seconds=1)).astimezone(zone)
        after = moment.astimezone(zone)
        component.add_component(_observance(
            (moment + before.utcoffset()).replace(tzinfo=None), before.utcoffset(),
            after.utcoffset(), after.dst(), after.tzname()))
    return component


def _observance(
    onset: datetime, offset_from: timedelta | None, offset_to: timedelta | None,
    dst: timedelta | None, name: str | None,
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if dst else TimezoneStandard()
    observance.add("dtstart", onset.replace(tzinfo=None))
    observance.add("tzoffsetfrom", offset_from)
    observance.add("tzoffsetto", offset_to)
    if name:
        observance.add("tzname", name)
    return observance


@lru_cache(maxsize=64)
def _transitions(zone: ZoneInfo, first: date, last: date) -> tuple[datetime, ...]:
    """Instants (UTC) when the zone's offset changes between first and last, to the second.

    Cached: a build writes one calendar per event, body and canton, mostly over the same years.
    """
    found = []
    day = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    while day < end:
        following = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = day, following  # offset(low) differs from offset(high): bisect
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        day = following
    return tuple(found)
