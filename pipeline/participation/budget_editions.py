"""Editions of a participatory budget, assembled from the four tables of a dataset.

editions, phases, projets, suivi → Edition objects whose derived values (current phase,
winners, progress of each winner) are computed from the data and "today", with the
problems a data officer must fix, located by file, row and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise
from typing import Any

from markupsafe import Markup

from pipeline.participation.budget_render import markdown_under
from pipeline.participation.budget_rules import (
    DEFAULT_SELECTION,
    DEFAULT_TIE_BREAK,
    SELECTION_RULES,
    TIE_BREAKS,
    ZERO_VOTES_RULE,
    Candidate,
    Outcome,
    Selection,
    natural_key,
    select,
)
from pipeline.participation.table_rows import SourceRows, cell_text
from pipeline.report import Problem

PHASES = ("dépôt", "instruction", "vote", "résultats", "réalisation")
PHASE_LABELS = {
    "dépôt": "Dépôt des projets",
    "instruction": "Instruction des projets",
    "vote": "Vote",
    "résultats": "Proclamation des résultats",
    "réalisation": "Réalisation des projets lauréats",
}
DONE, CURRENT, UPCOMING = "terminée", "en cours", "à venir"


@dataclass(frozen=True)
class Phase:
    name: str
    start: date
    end: date | None  # None: a single day (results) or no planned end

    @property
    def label(self) -> str:
        return PHASE_LABELS[self.name]

    @property
    def last_day(self) -> date | None:
        if self.end is not None:
            return self.end
        return self.start if self.name == "résultats" else None

    def status(self, today: date) -> str:
        if today < self.start:
            return UPCOMING
        if self.last_day is not None and today > self.last_day:
            return DONE
        return CURRENT


@dataclass(frozen=True)
class Step:
    """One dated step of the follow-up of a winning project."""

    day: date
    label: str
    progress: int
    comment: str


@dataclass(frozen=True)
class Project:
    id: str
    title: str
    description: str
    cost: int
    place: str
    commune: str
    code_commune: str
    holder: str
    eligible: bool
    reason: str
    votes: int | None
    outcome: Outcome | None = None  # set once the results are out
    steps: tuple[Step, ...] = ()

    @property
    def selected(self) -> bool:
        return bool(self.outcome and self.outcome.selected)

    @property
    def progress(self) -> int:
        return self.steps[-1].progress if self.steps else 0


@dataclass(frozen=True)
class Edition:
    id: str
    title: str
    kind: str  # écologique | collèges
    year: int
    scope: str  # "département" or a collège's UAI
    school: str
    commune: str
    code_commune: str
    budget: int
    rules: str  # Markdown
    selection_rule: str
    tie_break: str
    vote_url: str
    voters: int | None
    phases: tuple[Phase, ...]
    projects: tuple[Project, ...]
    today: date
    selection: Selection | None = None  # None until the results are proclaimed

    @property
    def url(self) -> str:
        return f"budgets/{self.id}/"

    @property
    def pabulib_path(self) -> str:
        return f"budgets/{self.id}/{self.id}.pb"

    @property
    def for_school(self) -> bool:
        return self.scope != "département"

    @property
    def selection_label(self) -> str:
        return SELECTION_RULES[self.selection_rule]

    @property
    def tie_break_label(self) -> str:
        return TIE_BREAKS[self.tie_break]

    @property
    def rules_html(self) -> Markup:
        """The rules as HTML, their headings under the page's "Règlement" heading (h2)."""
        return markdown_under(self.rules, 3)

    @property
    def zero_votes_rule(self) -> str:
        return ZERO_VOTES_RULE

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    @property
    def results_out(self) -> bool:
        return self.selection is not None

    @property
    def vote_open(self) -> bool:
        vote = self.phase("vote")
        return bool(vote and vote.status(self.today) == CURRENT)

    @property
    def vote_upcoming(self) -> bool:
        vote = self.phase("vote")
        return bool(vote and vote.status(self.today) == UPCOMING)

    @property
    def status(self) -> str:
        """Where the edition stands today, in a short French sentence."""
        current = [p for p in self.phases if p.status(self.today) == CURRENT]
        if current:
            phase = current[-1]
            if phase.name == "résultats":
                return "Résultats proclamés aujourd'hui"
            until = f" jusqu'au {_date_fr(phase.end)}" if phase.end else ""
            return f"{phase.label} en cours{until}"
        upcoming = [p for p in self.phases if p.status(self.today) == UPCOMING]
        if upcoming:
            nxt = upcoming[0]
            if nxt is self.phases[0]:
                return f"À venir : {nxt.label.lower()} à partir du {_date_fr(nxt.start)}"
            return f"Prochaine étape : {nxt.label.lower()} à partir du {_date_fr(nxt.start)}"
        return "Édition terminée"

    @property
    def eligible(self) -> tuple[Project, ...]:
        return tuple(p for p in self.projects if p.eligible)

    @property
    def ranked(self) -> tuple[Project, ...]:
        """Eligible projects in the order of the results (before them: by id)."""
        if self.selection is None:
            return self.eligible
        order = {o.candidate.id: o.rank for o in self.selection.outcomes}
        return tuple(sorted(self.eligible, key=lambda p: order[p.id]))

    @property
    def winners(self) -> tuple[Project, ...]:
        return tuple(p for p in self.ranked if p.selected)

    @property
    def total_votes(self) -> int:
        return sum(p.votes or 0 for p in self.eligible)

    @property
    def requested(self) -> int:
        return sum(p.cost for p in self.projects)


def _date_fr(day: date | None) -> str:
    from pipeline.pelican_plugin.filters import date_fr

    return date_fr(day)


def assemble(
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    files: Mapping[str, str],
    dataset: str,
    today: date,
) -> tuple[list[Edition], list[Problem]]:
    """The editions of one dataset on `today`, and what is wrong with its data."""
    sources = {name: SourceRows(dataset, files.get(name, f"datasets/{dataset}"), tables.get(name, ()))
               for name in ("editions", "phases", "projets", "suivi")}
    phases = _phases(sources["phases"])
    projects = _projects(sources["projets"])
    steps = _steps(sources["suivi"])
    editions = []
    for number, row in sources["editions"].numbered():
        edition = _edition(row, number, sources["editions"], phases.get(cell_text(row, "id"), ()),
                           projects.get(cell_text(row, "id"), []), today)
        if edition is not None:
            editions.append(_with_results(edition, sources, steps.get(edition.id, {})))
    known = {e.id for e in editions}
    for name in ("phases", "projets"):
        for number, row in sources[name].numbered():
            if cell_text(row, "edition") not in known:
                sources[name].report("error", "unknown-edition",
                                     f"Edition {cell_text(row, 'edition')!r} is not in editions.csv.",
                                     number, "edition", row.get("edition"),
                                     "Use the id of an edition declared in editions.csv.")
    problems = [p for source in sources.values() for p in source.problems]
    return sorted(editions, key=lambda e: (-e.year, e.kind, e.commune, e.school, e.id)), problems


def _edition(row: Mapping[str, Any], number: int, source: SourceRows, phases: tuple[Phase, ...],
             projects: list[tuple[int, Project]], today: date) -> Edition | None:
    edition_id = cell_text(row, "id")
    missing = [name for name in PHASES if name not in {p.name for p in phases}]
    if missing:
        source.report("error", "missing-phase",
                      f"Edition {edition_id!r} has no {', '.join(missing)} phase in phases.csv.",
                      number, "id", edition_id,
                      f"Add one row per phase to phases.csv: {', '.join(PHASES)}.")
        return None
    ordered = tuple(sorted(phases, key=lambda p: PHASES.index(p.name)))
    for before, after in pairwise(ordered):
        if before.last_day is not None and after.start < before.last_day:
            source.report("error", "phase-order",
                          f"Edition {edition_id!r}: the {after.name} phase starts "
                          f"({after.start}) before the end of the {before.name} phase "
                          f"({before.last_day}).", number, "id", edition_id,
                          f"Phases follow one another in this order: {', '.join(PHASES)}.")
            return None
    scope = cell_text(row, "perimetre")
    if scope != "département" and not (cell_text(row, "etablissement") and cell_text(row, "commune")):
        source.report("error", "missing-school",
                      f"Edition {edition_id!r} is for the collège {scope} but does not name it.",
                      number, "etablissement", None,
                      "Fill etablissement and commune for an edition whose perimetre is a UAI.")
    return Edition(
        id=edition_id, title=cell_text(row, "titre"), kind=cell_text(row, "type"), year=int(row["annee"]),
        scope=scope, school=cell_text(row, "etablissement"), commune=cell_text(row, "commune"),
        code_commune=cell_text(row, "code_commune"), budget=int(row["budget"]),
        rules=cell_text(row, "reglement"),
        selection_rule=cell_text(row, "regle_selection") or DEFAULT_SELECTION,
        tie_break=cell_text(row, "regle_egalite") or DEFAULT_TIE_BREAK,
        vote_url=cell_text(row, "lien_vote"), voters=row.get("votants"),
        phases=ordered, projects=tuple(p for _, p in sorted(projects, key=lambda x: natural_key(x[1].id))),
        today=today,
    )


def _phases(source: SourceRows) -> dict[str, tuple[Phase, ...]]:
    found: dict[str, list[Phase]] = {}
    for number, row in source.numbered():
        start, end = row["debut"], row.get("fin")
        if end is not None and end < start:
            source.report("error", "phase-dates", f"The phase ends ({end}) before it starts ({start}).",
                          number, "fin", end, "Check the two dates: fin is the last day, included.")
            continue
        found.setdefault(cell_text(row, "edition"), []).append(Phase(cell_text(row, "phase"), start, end))
    return {key: tuple(value) for key, value in found.items()}


def _projects(source: SourceRows) -> dict[str, list[tuple[int, Project]]]:
    found: dict[str, list[tuple[int, Project]]] = {}
    for number, row in source.numbered():
        eligible = bool(row["recevable"])
        reason = cell_text(row, "motif_irrecevabilite")
        votes = row.get("votes")
        if not eligible and not reason:
            source.report("error", "missing-reason",
                          f"Project {cell_text(row, 'id')!r} is not eligible but gives no reason.",
                          number, "motif_irrecevabilite", None,
                          "Say why the project was set aside: the reason is published.")
        if not eligible and votes is not None:
            source.report("error", "votes-for-ineligible",
                          f"Project {cell_text(row, 'id')!r} is not eligible, yet has votes.",
                          number, "votes", votes,
                          "Leave votes empty for a project that was not put to the vote.")
        if eligible and reason:
            source.report("warning", "reason-for-eligible",
                          f"Project {cell_text(row, 'id')!r} is eligible but has a reason for not being.",
                          number, "motif_irrecevabilite", reason,
                          "Empty motif_irrecevabilite, or set recevable to non.")
        project = Project(
            id=cell_text(row, "id"), title=cell_text(row, "titre"), description=cell_text(row, "description"),
            cost=int(row["montant"]), place=cell_text(row, "lieu"), commune=cell_text(row, "commune"),
            code_commune=cell_text(row, "code_commune"), holder=cell_text(row, "porteur"),
            eligible=eligible, reason=reason, votes=votes,
        )
        found.setdefault(cell_text(row, "edition"), []).append((number, project))
    return found


def _steps(source: SourceRows) -> dict[str, dict[str, list[tuple[int, Step]]]]:
    found: dict[str, dict[str, list[tuple[int, Step]]]] = {}
    for number, row in source.numbered():
        step = Step(row["date"], cell_text(row, "etape"), int(row["avancement"]),
                    cell_text(row, "commentaire"))
        by_project = found.setdefault(cell_text(row, "edition"), {})
        by_project.setdefault(cell_text(row, "projet"), []).append((number, step))
    return found


def _with_results(edition: Edition, sources: Mapping[str, SourceRows],
                  steps: Mapping[str, list[tuple[int, Step]]]) -> Edition:
    """The edition with its winners once the results are proclaimed, and their follow-up."""
    results = edition.phase("résultats")
    projects_file = sources["projets"]
    with_votes = [p for p in edition.eligible if p.votes is not None]
    proclaimed = results is not None and edition.today >= results.start
    if not proclaimed:
        if with_votes:
            projects_file.report(
                "warning", "votes-before-results",
                f"Edition {edition.id!r}: votes are filled in before the results are proclaimed "
                f"({results.start if results else '?'}); they are not shown until then.",
                hint="Leave votes empty until the day of the results, or fix the résultats date.")
        _follow_up_problems(edition, sources["suivi"], steps, frozenset())
        return edition
    without = [p.id for p in edition.eligible if p.votes is None]
    if without:
        projects_file.report(
            "error", "missing-votes",
            f"Edition {edition.id!r}: the results were proclaimed on {results.start}, but "
            f"{len(without)} eligible project(s) have no votes: {', '.join(without)}.",
            column="votes", hint="Fill in the votes of every eligible project (0 if none).")
        return edition
    selection = select(
        (Candidate(p.id, p.cost, p.votes or 0, index) for index, p in enumerate(edition.eligible)),
        edition.budget, edition.selection_rule, edition.tie_break)
    outcomes = {o.candidate.id: o for o in selection.outcomes}
    winners = selection.winner_ids
    _follow_up_problems(edition, sources["suivi"], steps, winners)
    projects = tuple(
        replace(p, outcome=outcomes.get(p.id),
                steps=tuple(sorted((s for _, s in steps.get(p.id, [])), key=lambda s: s.day)))
        for p in edition.projects
    )
    return replace(edition, projects=projects, selection=selection)


def _follow_up_problems(edition: Edition, source: SourceRows, steps: Mapping[str, list[tuple[int, Step]]],
                        winners: frozenset[str]) -> None:
    for project_id, rows in steps.items():
        for number, step in rows:
            if project_id not in winners:
                source.report("error", "follow-up-of-non-winner",
                              f"Edition {edition.id!r}: project {project_id!r} is followed up but is "
                              "not among the winners computed from the votes.",
                              number, "projet", project_id,
                              "Only winning projects are followed up: check the project id or the votes.")
            elif step.day > edition.today:
                source.report("warning", "future-step",
                              f"Edition {edition.id!r}: a follow-up step of {project_id!r} is dated "
                              f"{step.day}, after the build date {edition.today}.",
                              number, "date", step.day,
                              "Record steps once they happened; planned dates go in the comment.")
