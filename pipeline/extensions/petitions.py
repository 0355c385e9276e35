"""Droit d'interpellation: petitions, their signature counts, statuses and a feed.

Reads the datasets of kind `interpellations` (resources petitions and signatures;
schemas in schemas/site/interpellations/) and adds /interpellations/, one page per
petition and the Atom feed feeds/interpellations.atom.xml.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from pipeline.config import SiteSettings
from pipeline.extensions.base import (
    BaseExtension,
    BuildContext,
    Contribution,
    GeneratedFile,
    NavLink,
    Page,
)
from pipeline.model import PublishedDataset
from pipeline.participation.common import duplicate_ids
from pipeline.participation.petition_model import Petition, assemble, ordered
from pipeline.report import Problem
from pipeline.transparency.feeds import DatedAtomFeed

KIND = "interpellations"
RESOURCES = ("petitions", "signatures")
FEED = "feeds/interpellations.atom.xml"
PARIS = ZoneInfo("Europe/Paris")


def today(context: BuildContext) -> date:
    """The build date, as a day in the Département's time zone: "today" for every status."""
    return context.build_date.astimezone(PARIS).date()


def read_petitions(
    context: BuildContext, published: PublishedDataset
) -> tuple[list[Petition], list[Problem]]:
    tables, files, problems = {}, {}, []
    for name in RESOURCES:
        resource = context.resource(published, name)
        if resource is None:
            problems.append(Problem(
                "error", "missing-resource", f"A dataset of kind {KIND!r} needs a resource named {name!r}.",
                dataset=published.slug, file=f"datasets/{published.slug}/datapackage.yaml",
                hint=f"Add a resource with name: {name} and schema: site:{KIND}/{name}."))
            continue
        tables[name] = context.table(published, name).to_pylist()
        files[name] = f"datasets/{published.slug}/{resource.relpath}"
    if problems:
        return [], problems
    petitions, found = assemble(tables, files, published.slug, today(context))
    return petitions, found


def atom_feed(settings: SiteSettings, petitions: Sequence[Petition], build_date: datetime) -> bytes:
    """One entry per event of every petition (filing, threshold, sitting, answer, closing)."""
    base = settings.base_url.rstrip("/")
    authority = urlparse(base).netloc or "localhost"
    feed = DatedAtomFeed(
                 title=f"Interpellations citoyennes – {settings.name}", link=f"{base}/interpellations/",
                 description="Dépôts, seuils atteints, examens en séance et réponses du droit "
                 "d'interpellation citoyenne.", language="fr", feed_url=f"{base}/{FEED}",
                 feed_guid=f"{base}/{FEED}", author_name=settings.owner, fallback=build_date)
    events = [(e, p) for p in petitions for e in p.events]
    for event, petition in sorted(events, key=lambda x: (x[0].day, x[1].id, x[0].key), reverse=True):
        moment = datetime.combine(event.day, time(8, 0), tzinfo=PARIS).astimezone(UTC)
        feed.add_item(title=event.title, link=f"{base}/{petition.url}", description=event.summary,
                      unique_id=f"tag:{authority},{event.day.isoformat()}:interpellations/{petition.id}/{event.key}",
                      pubdate=moment, updateddate=moment)
    return feed.writeString("utf-8").encode("utf-8")


class PetitionsExtension(BaseExtension):
    name = "petitions"
    order = 31
    dataset_kind = KIND

    def prepare(self, context: BuildContext) -> Contribution:
        petitions: list[tuple[Petition, PublishedDataset]] = []
        problems: list[Problem] = []
        for published in context.of_kind(KIND):
            found, issues = read_petitions(context, published)
            petitions += [(p, published) for p in found]
            problems += issues
        problems += duplicate_ids(petitions, "petition")
        if not petitions:
            return Contribution(self.name, problems=tuple(problems))
        every = [p for p, _ in petitions]
        datasets = context.of_kind(KIND)
        pages = [Page("interpellations/", "petitions/index", "petitions-index", {
            "petition_groups": ordered(every), "petitions": every, "petition_datasets": datasets,
            "today": today(context), "feed": FEED,
        })]
        pages += [Page(p.url, "petitions/petition", "petition",
                       {"petition": p, "source": source, "feed": FEED})
                  for p, source in petitions]
        return Contribution(
            name=self.name,
            data={"petitions": every, "feed": FEED,
                  "by_dataset": {d.slug: [p for p, s in petitions if s.slug == d.slug] for d in datasets}},
            pages=tuple(pages),
            files=(GeneratedFile(FEED, atom_feed(context.settings, every, context.build_date)),),
            problems=tuple(problems),
            nav=(NavLink("Interpellations", "interpellations/", order=31),),
            dataset_sections=("petitions/_dataset_section.html",),
        )


EXTENSION = PetitionsExtension()
