"""Atom feeds of dataset versions: site-wide, per theme and per dataset.

One entry per version of a dataset, dated by its commit and identified by a tag: URI
made of the site's host, the commit's date, the dataset and the commit: two builds of
the same history give the same feeds, byte for byte.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from feedgenerator import Atom1Feed

from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, GeneratedFile
from pipeline.extensions.versions import feed_path
from pipeline.history import Version, history_for
from pipeline.history.describe import describe_version
from pipeline.model import PublishedDataset
from pipeline.site import dataset_url, theme_url

SITE_FEED = "feeds/jeux-de-donnees.atom.xml"
THEME_FEEDS = "feeds/themes"
SITE_FEED_SIZE = 50


def theme_feed_path(theme: str) -> str:
    return f"{THEME_FEEDS}/{theme}.atom.xml"


@dataclass(frozen=True)
class Entry:
    """One version of one dataset, as a feed entry."""

    published: PublishedDataset
    version: Version | None  # None: a dataset known without git history
    date: datetime

    @property
    def sort_key(self) -> tuple:
        return (self.date, self.published.slug, self.version.commit.sha if self.version else "")


@dataclass(frozen=True)
class FeedsData:
    """opendata.extras["feeds"]: where the feeds are, for links in pages."""

    site_feed: str
    themes: frozenset[str]
    datasets: frozenset[str]

    def theme_feed(self, theme: str) -> str:
        return theme_feed_path(theme) if theme in self.themes else ""

    def dataset_feed(self, slug: str) -> str:
        return feed_path(slug) if slug in self.datasets else ""


class FeedsExtension(BaseExtension):
    name = "feeds"
    order = 11

    def prepare(self, context: BuildContext) -> Contribution:
        history = history_for(context)
        by_dataset = {p.slug: _entries(p, history.of(p.slug).versions) for p in context.datasets}
        writer = _FeedWriter(context)
        everything = [e for entries in by_dataset.values() for e in entries]
        files = [GeneratedFile(SITE_FEED, writer.write(
            SITE_FEED, f"Jeux de données nouveaux et mis à jour – {context.settings.name}",
            "catalogue/", _newest(everything, SITE_FEED_SIZE)))]
        themes = sorted({p.dataset.theme_id for p in context.datasets})
        for theme in themes:
            members = [e for p in context.datasets if p.dataset.theme_id == theme
                       for e in by_dataset[p.slug]]
            label = members[0].published.dataset.theme.label
            files.append(GeneratedFile(theme_feed_path(theme), writer.write(
                theme_feed_path(theme), f"{label} : jeux de données nouveaux et mis à jour",
                theme_url(theme), _newest(members, SITE_FEED_SIZE))))
        for published in context.datasets:
            files.append(GeneratedFile(feed_path(published.slug), writer.write(
                feed_path(published.slug), f"Mises à jour de « {published.dataset.title} »",
                dataset_url(published.slug), _newest(by_dataset[published.slug], None))))
        data = FeedsData(SITE_FEED, frozenset(themes), frozenset(p.slug for p in context.datasets))
        return Contribution(self.name, data=data, files=tuple(files),
                            head_partials=("versions/head_feeds.html",))


def _entries(published: PublishedDataset, versions: Iterable[Version]) -> list[Entry]:
    entries = [Entry(published, v, v.commit.date) for v in versions]
    return entries or [Entry(published, None, published.dates.modified)]


def _newest(entries: list[Entry], limit: int | None) -> list[Entry]:
    ordered = sorted(entries, key=lambda e: e.sort_key, reverse=True)
    return ordered[:limit] if limit else ordered


class _FeedWriter:
    def __init__(self, context: BuildContext) -> None:
        self.base = context.settings.base_url.rstrip("/")
        self.host = urlparse(self.base).hostname or ""
        self.owner = context.settings.owner or context.settings.name

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def write(self, path: str, title: str, page: str, entries: list[Entry]) -> bytes:
        feed = Atom1Feed(title=title, link=self.url(page), description="", language="fr",
                         feed_url=self.url(path), feed_guid=self.url(path),
                         author_name=self.owner)
        for entry in entries:
            feed.add_item(**self._item(entry))
        buffer = io.StringIO()
        feed.write(buffer, "utf-8")
        return buffer.getvalue().encode("utf-8")

    def _item(self, entry: Entry) -> dict:
        dataset = entry.published.dataset
        page = self.url(dataset_url(entry.published.slug))
        version = entry.version
        if version is None:
            return dict(title=f"{dataset.title} : version actuelle", link=page,
                        description=html.escape(dataset.title), pubdate=entry.date,
                        unique_id=self._id(entry.date, entry.published.slug, "actuelle"),
                        author_name=dataset.publisher)
        kind = ("publication" if version.initial else
                "version disponible la plus ancienne" if version.partial else "mise à jour")
        summary = describe_version(version).replace("\n", " ")
        text = f"{summary} Commit {version.commit.short} : {version.commit.subject}"
        return dict(
            title=f"{dataset.title} : {kind} du {_date_fr(version.commit.date)}",
            link=f"{page}#{version.anchor}",
            description=html.escape(text),
            pubdate=version.commit.date,
            unique_id=self._id(version.commit.date, entry.published.slug, version.commit.sha),
            author_name=dataset.publisher,
            categories=(dataset.theme.label,),
        )

    def _id(self, date: datetime, slug: str, suffix: str) -> str:
        """tag:host,YYYY-MM-DD:/jeux-de-donnees/slug/commit (RFC 4151); the page URL without a host."""
        if self.host:
            return f"tag:{self.host},{date.date().isoformat()}:/{dataset_url(slug)}{suffix}"
        return f"{self.url(dataset_url(slug))}#{suffix}"


def _date_fr(value: datetime) -> str:
    from pipeline.pelican_plugin.filters import date_fr

    return date_fr(value)


EXTENSION = FeedsExtension()
