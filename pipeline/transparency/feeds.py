"""Atom feeds of the transparency pages, identical for two builds of one commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlparse

from feedgenerator import Atom1Feed

from pipeline.config import SiteSettings
from pipeline.extensions.base import GeneratedFile
from pipeline.transparency.dates import start_of_day


@dataclass(frozen=True)
class FeedEntry:
    key: str  # stable and unique within the feed, e.g. "mie/routes-hiver/creation"
    title: str
    url: str  # relative to the site root
    summary: str
    day: date


class DatedAtomFeed(Atom1Feed):
    """Dated by its newest entry, or by `fallback` (the build date) when it has none: never by
    the clock, feedgenerator's default, so two builds of one commit give the same bytes."""

    def __init__(self, *args: object, fallback: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fallback = fallback

    def latest_post_date(self) -> datetime:
        dates = [item["updateddate"] for item in self.items if item.get("updateddate")]
        return max(dates, default=self.fallback)


def atom_feed(settings: SiteSettings, path: str, title: str, page_url: str, subtitle: str,
              entries: Sequence[FeedEntry], build_date: datetime) -> GeneratedFile:
    """The feed at `path`, newest entries first, with absolute links from base_url."""
    base = settings.base_url.rstrip("/")
    authority = urlparse(base).netloc or "localhost"
    feed = DatedAtomFeed(title=title, link=f"{base}/{page_url}", description=subtitle, subtitle=subtitle,
                 language="fr", feed_url=f"{base}/{path}", feed_guid=f"{base}/{path}",
                 author_name=settings.owner, fallback=build_date)
    for entry in sorted(entries, key=lambda e: (e.day, e.key), reverse=True):
        moment = start_of_day(entry.day)
        feed.add_item(title=entry.title, link=f"{base}/{entry.url}", description=entry.summary,
                      unique_id=f"tag:{authority},{entry.day.isoformat()}:{entry.key}",
                      pubdate=moment, updateddate=moment)
    return GeneratedFile(path, feed.writeString("utf-8").encode("utf-8"))
