"""Atom feeds of the projects: one entry per dated event, newest first, absolute URLs.

feeds/projets.atom.xml carries the events of every project; feeds/projets/<id>.atom.xml those
of one. Only events up to the build date are entries (a phase planned for next year is not
news yet). Dates come from the data, never from the clock: a feed without entries says it was
updated when its dataset last changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from html import escape

from pipeline.config import SiteSettings
from pipeline.projects.history import Event, chronological
from pipeline.projects.model import Project
from pipeline.transparency.feeds import DatedAtomFeed

ALL_PROJECTS_FEED = "feeds/projets.atom.xml"


def project_feed(project: Project, events: Sequence[Event], settings: SiteSettings,
                 fallback: datetime) -> bytes:
    base = settings.base_url.rstrip("/")
    feed = _new_feed(f"{project.titre} – {settings.name}", f"{base}/{project.url}",
                     f"{base}/{project.feed_path}",
                     "Les étapes du projet : phases, budget, délibérations et concertations.",
                     settings, fallback)
    for event in _newest_first((project, e) for e in events):
        _add(feed, *event, settings, with_project=False)
    return feed.writeString("utf-8").encode("utf-8")


def all_projects_feed(items: Sequence[tuple[Project, Event]], settings: SiteSettings,
                      fallback: datetime) -> bytes:
    base = settings.base_url.rstrip("/")
    feed = _new_feed(f"Projets du Département – {settings.name}", f"{base}/projets/",
                     f"{base}/{ALL_PROJECTS_FEED}",
                     "Les étapes de tous les projets du Département : phases, budget, délibérations "
                     "et concertations.", settings, fallback)
    for project, event in _newest_first(items):
        _add(feed, project, event, settings, with_project=True)
    return feed.writeString("utf-8").encode("utf-8")


def _new_feed(title: str, link: str, feed_url: str, subtitle: str, settings: SiteSettings,
              fallback: datetime) -> DatedAtomFeed:
    return DatedAtomFeed(title=title, link=link, description=subtitle, subtitle=subtitle, language="fr",
                 feed_url=feed_url, feed_guid=feed_url, author_name=settings.owner or settings.name,
                 fallback=fallback)


def _newest_first(items: Iterable[tuple[Project, Event]]) -> list[tuple[Project, Event]]:
    return sorted(items, key=lambda pe: (*chronological(pe[1]), pe[0].id), reverse=True)


def _add(feed: DatedAtomFeed, project: Project, event: Event, settings: SiteSettings,
         with_project: bool) -> None:
    base = settings.base_url.rstrip("/")
    link = f"{base}/{project.url}#{event.anchor}"
    text = event.text
    if event.url:
        target = event.url if event.url.startswith(("http://", "https://")) else f"{base}/{event.url}"
        text = f"{text} Texte : {target}".strip()
    feed.add_item(
        title=f"{project.titre} : {event.title}" if with_project else event.title,
        link=link,
        unique_id=link,
        description=escape(text or event.title, quote=False),
        updateddate=_at_midnight(event.date),
        categories=[project.type],
    )


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
