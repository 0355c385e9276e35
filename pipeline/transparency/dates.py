"""Calendar arithmetic for legal deadlines, and the build's "today" in France."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from pipeline.text import format_int

PARIS = ZoneInfo("Europe/Paris")


def local_date(moment: date | datetime) -> date:
    """The calendar day in France of a build date: 23:30 UTC on 31 March is already 1 April."""
    if isinstance(moment, datetime):
        return (moment.astimezone(PARIS) if moment.tzinfo else moment).date()
    return moment


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's end: 31 August + 6 months = 28 (or 29) February."""
    return start + relativedelta(months=months)


def days_fr(count: int) -> str:
    """3 → "3 jours", 1 → "1 jour"."""
    return f"{format_int(count)} jour{'s' if abs(count) > 1 else ''}"


def start_of_day(day: date) -> datetime:
    """Midnight in France on that day, for feeds that need a moment rather than a day."""
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)
