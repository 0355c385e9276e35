"""Missions d'information et d'évaluation (MIE): pages, deadlines and statuses, Atom feed.

A mission is created by a deliberation of the Conseil départemental, at the request of a
fifth of its members, and lasts at most six months from that deliberation (CGCT
L3121-22-1); the Département publishes its conclusions within the same six months. The
data (datasets of kind `mie`: resources `missions` and `membres`) hold the facts; the
deadline and the status are computed here, the status against the build date so that it
moves with time: a mission "en cours" today becomes "en retard" once its deadline has
passed without conclusions, and the build then warns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from markupsafe import Markup

from pipeline.extensions.base import (
    BaseExtension,
    BuildContext,
    Contribution,
    GeneratedFile,
    NavLink,
    Page,
)
from pipeline.model import PublishedDataset
from pipeline.pelican_plugin.filters import date_fr
from pipeline.report import Problem
from pipeline.transparency.dates import add_months, days_fr, local_date
from pipeline.transparency.documents import Document, attached_pdf, attached_text
from pipeline.transparency.feeds import FeedEntry, atom_feed
from pipeline.transparency.markdown import markdown_html
from pipeline.transparency.tables import Row, Table, read_table

KIND = "mie"
DURATION_MONTHS = 6  # CGCT L3121-22-1
URL = "mie/"
FEED = "feeds/mie.atom.xml"
PRESIDENT_ROLES = {"président", "présidente"}


def deadline(created: date) -> date:
    """Six calendar months after the creating deliberation, clamped to the month's end."""
    return add_months(created, DURATION_MONTHS)


@dataclass(frozen=True)
class Status:
    code: str  # en-cours | dans-les-delais | publiees-en-retard | en-retard
    label: str
    days_remaining: int | None = None  # en cours: days until the deadline (0 on its last day)
    days_late: int | None = None  # days after the deadline: of the publication, or until today
    days_early: int | None = None  # published in time: days before the deadline

    @property
    def is_late(self) -> bool:
        return self.days_late is not None

    @property
    def delay(self) -> str:
        """The listing's "days remaining / late" column."""
        if self.days_remaining is not None:
            if self.days_remaining == 0:
                return "dernier jour"
            return f"{days_fr(self.days_remaining)} restant{'s' if self.days_remaining > 1 else ''}"
        if self.days_late is not None:
            return f"{days_fr(self.days_late)} de retard"
        if self.days_early:
            return f"publiées {days_fr(self.days_early)} avant l'échéance"
        return "publiées le jour de l'échéance"


def status(due: date, published: date | None, today: date) -> Status:
    """The status of a mission due on `due`, with conclusions published on `published`."""
    if published is None:
        if today <= due:
            return Status("en-cours", "en cours", days_remaining=(due - today).days)
        return Status("en-retard", "en retard", days_late=(today - due).days)
    if published <= due:
        return Status("dans-les-delais", "conclusions publiées dans les délais",
                      days_early=(due - published).days)
    late = (published - due).days
    return Status("publiees-en-retard", f"conclusions publiées en retard de {days_fr(late)}",
                  days_late=late)


@dataclass(frozen=True)
class Member:
    name: str
    group: str
    role: str


@dataclass(frozen=True)
class Mission:
    id: str
    subject: str
    deliberation_number: str
    deliberation_date: date
    request: str
    president: str
    president_group: str
    conclusions_date: date | None
    report_pdf: Document | None
    report_text: str | None  # Markdown of the accessible version
    follow_up: str
    members: tuple[Member, ...]
    deadline: date
    status: Status
    dataset: str  # slug of the dataset holding it
    sample: bool

    @property
    def url(self) -> str:
        return f"{URL}{self.id}/"

    @property
    def report_url(self) -> str | None:
        return f"{self.url}rapport/" if self.report_text is not None else None

    @property
    def report_html(self) -> Markup:
        """The report under the report page's <h1>: its `#` headings become <h2>."""
        return markdown_html(self.report_text, top_level=2)

    @property
    def follow_up_html(self) -> Markup:
        """The follow-up under its <h2> on the mission page."""
        return markdown_html(self.follow_up, top_level=3)


@dataclass(frozen=True)
class MieData:
    """What templates get as opendata.extras["mie"]."""

    missions: tuple[Mission, ...]
    today: date
    feed: str = FEED

    def count(self, code: str) -> int:
        return sum(m.status.code == code for m in self.missions)


class MieExtension(BaseExtension):
    name = "mie"
    order = 60
    dataset_kind = KIND

    def prepare(self, context: BuildContext) -> Contribution:
        datasets = context.of_kind(KIND)
        today = local_date(context.build_date)
        problems: list[Problem] = []
        missions: list[Mission] = []
        for published in datasets:
            missions.extend(_read_missions(context, published, today, problems))
        missions = _unique(missions, problems)
        missions.sort(key=lambda m: (m.deliberation_date, m.id), reverse=True)
        data = MieData(tuple(missions), today)
        return Contribution(
            name=self.name,
            data=data,
            pages=_pages(data),
            files=_files(context, data),
            problems=tuple(problems),
            nav=(NavLink("MIE", URL, order=60),),
            dataset_sections=("mie/_dataset_section.html",),
        )


def _read_missions(context: BuildContext, published: PublishedDataset, today: date,
                   problems: list[Problem]) -> list[Mission]:
    missions = read_table(context, published, "missions", problems)
    members = read_table(context, published, "membres", problems)
    if missions is None or members is None:
        return []
    by_mission = _members(missions, members, problems)
    folder = published.dataset.folder
    return [_mission(row, missions, folder, by_mission.get(row.text("id"), ()), published, today,
                     problems)
            for row in missions]


def _members(missions: Table, members: Table, problems: list[Problem]) -> dict[str, tuple[Member, ...]]:
    known = {row.text("id") for row in missions}
    found: dict[str, list[Member]] = {}
    for row in members:
        mission = row.text("mission")
        if mission not in known:
            problems.append(members.problem(
                "error", "unknown-mission", f"Member {row.text('nom')!r} belongs to mission "
                f"{mission!r}, which is not in the missions table.", row, "mission",
                hint="Use the id of a mission of the missions table (case and hyphens count)."))
            continue
        found.setdefault(mission, []).append(Member(row.text("nom"), row.text("groupe"), row.text("role")))
    return {mission: tuple(people) for mission, people in found.items()}


def _mission(row: Row, table: Table, folder: Path, members: tuple[Member, ...],
             published: PublishedDataset, today: date, problems: list[Problem]) -> Mission:
    mission_id = row.text("id")
    created: date = row["date_deliberation"]
    due = deadline(created)
    published_on: date | None = row["date_conclusions_publiques"]
    pdf = attached_pdf(folder, table, row, "rapport_pdf", f"{URL}{mission_id}", problems)
    text = attached_text(folder, table, row, "rapport_html", problems)
    problems.extend(_check_dates(row, table, created, published_on, today))
    if published_on is None and (row.text("rapport_pdf") or row.text("rapport_html")):
        problems.append(table.problem(
            "error", "report-without-date", f"Mission {mission_id!r} has a report but no date of "
            "publication of its conclusions.", row, "date_conclusions_publiques",
            hint="Fill date_conclusions_publiques with the day the conclusions were made public."))
    problems.extend(_check_members(row, table, members))
    if published_on is not None and published_on > today:
        published_on = None  # announced, not yet public: the status says so
    state = status(due, published_on, today)
    if state.code == "en-retard":
        problems.append(table.problem(
            "warning", "mie-late",
            f"Mission {mission_id!r} (« {row.text('sujet')} ») is late: its six months ended on "
            f"{due.isoformat()}, {state.days_late} day(s) ago, and no conclusions are published.",
            row, "date_conclusions_publiques",
            hint="Publish the conclusions: fill date_conclusions_publiques, rapport_pdf and "
                 "rapport_html. The page shows the mission as late meanwhile."))
    return Mission(
        id=mission_id, subject=row.text("sujet"), deliberation_number=row.text("numero_deliberation"),
        deliberation_date=created, request=row.text("demande"), president=row.text("president"),
        president_group=row.text("groupe_president"), conclusions_date=published_on,
        report_pdf=pdf, report_text=text, follow_up=row.text("suites"), members=members,
        deadline=due, status=state, dataset=published.slug, sample=published.dataset.sample,
    )


def _check_dates(row: Row, table: Table, created: date, published_on: date | None,
                 today: date) -> list[Problem]:
    problems = []
    if published_on is not None and published_on < created:
        problems.append(table.problem(
            "error", "conclusions-before-creation",
            f"Conclusions published on {published_on.isoformat()}, before the deliberation that "
            f"created the mission ({created.isoformat()}).", row, "date_conclusions_publiques",
            hint="Check both dates (AAAA-MM-JJ)."))
    if published_on is not None and published_on > today:
        problems.append(table.problem(
            "warning", "conclusions-in-future",
            f"Conclusions dated {published_on.isoformat()}, after the build date "
            f"({today.isoformat()}): the mission is shown as not yet published.",
            row, "date_conclusions_publiques",
            hint="Fill the date once the conclusions are public, not before."))
    if created > today:
        problems.append(table.problem(
            "warning", "deliberation-in-future",
            f"Deliberation dated {created.isoformat()}, after the build date ({today.isoformat()}).",
            row, "date_deliberation", hint="Check the date (AAAA-MM-JJ)."))
    return problems


def _check_members(row: Row, table: Table, members: tuple[Member, ...]) -> list[Problem]:
    mission_id = row.text("id")
    if not members:
        return [table.problem(
            "warning", "mie-no-members", f"Mission {mission_id!r} has no member in the members table.",
            row, "id", hint="List its members in membres.csv (one row per member, the president too).")]
    presidents = [m.name for m in members if m.role in PRESIDENT_ROLES]
    if presidents and row.text("president") not in presidents:
        return [table.problem(
            "warning", "mie-president-mismatch",
            f"Mission {mission_id!r}: president is {row.text('president')!r} but the members table "
            f"names {', '.join(presidents)} as president.", row, "president",
            hint="Write the same name in both tables.")]
    return []


def _unique(missions: list[Mission], problems: list[Problem]) -> list[Mission]:
    seen: dict[str, Mission] = {}
    for mission in missions:
        if mission.id in seen:
            problems.append(Problem(
                "error", "duplicate-mission",
                f"Mission id {mission.id!r} is used by two datasets ({seen[mission.id].dataset} "
                f"and {mission.dataset}).", dataset=mission.dataset,
                hint="Give each mission a distinct id: it is the address of its page."))
            continue
        seen[mission.id] = mission
    return list(seen.values())


def _pages(data: MieData) -> tuple[Page, ...]:
    pages = [Page(URL, "mie/index", "mie-index", {"mie": data})]
    for mission in data.missions:
        pages.append(Page(mission.url, "mie/mission", "mie-mission", {"mission": mission, "mie": data}))
        if mission.report_url:
            pages.append(Page(mission.report_url, "mie/report", "mie-report", {"mission": mission}))
    return tuple(pages)


def _files(context: BuildContext, data: MieData) -> tuple[GeneratedFile, ...]:
    files = [m.report_pdf.generated() for m in data.missions if m.report_pdf]
    files.append(atom_feed(
        context.settings, FEED, "Missions d'information et d'évaluation", URL,
        "Création des missions, publication de leurs conclusions et dépassement des délais.",
        _feed_entries(data), context.build_date))
    return tuple(files)


def _feed_entries(data: MieData) -> list[FeedEntry]:
    entries = []
    for m in data.missions:
        entries.append(FeedEntry(
            f"{m.url}creation", f"Création de la mission « {m.subject} »", m.url,
            f"Délibération n° {m.deliberation_number} du {date_fr(m.deliberation_date)} ; "
            f"présidée par {m.president} ({m.president_group}) ; conclusions attendues au plus "
            f"tard le {date_fr(m.deadline)}.", m.deliberation_date))
        if m.conclusions_date is not None:
            entries.append(FeedEntry(
                f"{m.url}conclusions", f"Conclusions publiées : « {m.subject} »", m.url,
                f"Conclusions rendues publiques le {date_fr(m.conclusions_date)} "
                f"({m.status.label}).", m.conclusions_date))
        elif m.status.code == "en-retard":
            entries.append(FeedEntry(
                f"{m.url}retard", f"Mission en retard : « {m.subject} »", m.url,
                f"Le délai de six mois a expiré le {date_fr(m.deadline)} sans que les conclusions "
                "soient publiées.", m.deadline + timedelta(days=1)))
    return entries


EXTENSION = MieExtension()
