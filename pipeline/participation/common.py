"""Small helpers of the participation extensions: rows, places, URLs, French dates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from pipeline.config import Canton, SiteSettings
from pipeline.extensions.base import BuildContext
from pipeline.model import PublishedDataset
from pipeline.pelican_plugin.filters import MONTHS
from pipeline.report import Problem

DEFAULT_ZONE = "Europe/Paris"
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def rows(context: BuildContext, published: PublishedDataset, resource: str) -> list[dict[str, Any]]:
    """The typed rows of a resource (dates as date, datetimes as naive datetime, nulls None)."""
    return context.table(published, resource).to_pylist()


def row_number(index: int) -> int:
    """Line of a data row in its CSV file: the header is line 1."""
    return index + 2


def locator(published: PublishedDataset, resource: str) -> Callable[[int, str], dict[str, Any]]:
    """Where a problem of a row is: dataset, file, CSV line and column, as Problem keywords."""
    relpath = next((r.relpath for r, _ in published.resources if r.name == resource), resource)

    def where(index: int, field: str) -> dict[str, Any]:
        return {"dataset": published.slug, "file": f"datasets/{published.slug}/{relpath}",
                "row": row_number(index), "field": field}

    return where


def now_utc(context: BuildContext) -> datetime:
    """The build date, aware: what "upcoming" and "current" are relative to, never the clock."""
    moment = context.build_date
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def today(context: BuildContext, zone: str = DEFAULT_ZONE) -> date:
    """The build date's calendar day in the site's time zone."""
    return now_utc(context).astimezone(ZoneInfo(zone)).date()


def site_host(settings: SiteSettings) -> str:
    """The host of the published site, the right-hand side of calendar UIDs."""
    host = urlparse(settings.base_url).hostname
    return host or "localhost"


def absolute_url(settings: SiteSettings, path: str) -> str:
    """URL of a page of the site for feeds and markup read elsewhere: base_url + path."""
    return f"{settings.base_url.rstrip('/')}/{path.lstrip('/')}"


def canton_of(settings: SiteSettings, code: str | None) -> Canton | None:
    return settings.territory.canton(code) if code else None


def canton_label(canton: Canton) -> str:
    return canton.label


def missing_resource(published: PublishedDataset, resource: str, kind: str) -> Problem:
    return Problem(
        "error", "missing-resource",
        f"A dataset of kind {kind!r} needs a resource named {resource!r}.",
        dataset=published.slug, file=f"datasets/{published.slug}/datapackage.yaml",
        hint=f"Add the resource {resource!r} with schema: site:{kind}/{resource}.",
    )


# ---- French dates ----------------------------------------------------------------------

def time_fr(value: datetime | time) -> str:
    """18:30 → « 18 h 30 », 9:00 → « 9 h », with no-break spaces: never « 18 » and « h 30 » apart."""
    nbsp = "\u00a0"
    return f"{value.hour}{nbsp}h" if value.minute == 0 else f"{value.hour}{nbsp}h{nbsp}{value.minute:02d}"


def day_fr(value: date | datetime, weekday: bool = True) -> str:
    """« jeudi 3 décembre 2026 », « lundi 1er mars 2027 »."""
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {MONTHS[value.month - 1]} {value.year}"
    return f"{WEEKDAYS[value.weekday()]} {text}" if weekday else text


def span_fr(start: datetime, end: datetime) -> str:
    """When an event takes place, in local time: one day with two times, or two days."""
    if start.date() == end.date():
        return f"{day_fr(start)}, de {time_fr(start)} à {time_fr(end)}"
    return f"du {day_fr(start)} à {time_fr(start)} au {day_fr(end)} à {time_fr(end)}"


def month_fr(value: date | datetime) -> str:
    """« décembre 2026 »."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def duplicate_ids(items: Iterable[tuple[Any, PublishedDataset]], noun: str) -> list[Problem]:
    """An error for each item whose `id` an earlier item (of any dataset of the kind) has."""
    seen: set[str] = set()
    problems = []
    for item, published in items:
        if item.id in seen:
            problems.append(Problem("error", f"duplicate-{noun}", f"Two {noun}s are named {item.id!r}.",
                                    dataset=published.slug,
                                    hint=f"Give every {noun} a distinct id, across datasets too."))
        seen.add(item.id)
    return problems
