"""The participatory bodies: who sits in them, their documents and calls for contributions.

Read from the datasets of kind `instances` (resources instances, membres, documents,
appels_contributions). Whether a member is current and whether a call is open follow from
the dates and the build date; nothing of the kind is typed in the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.config import Canton
from pipeline.extensions.base import BuildContext
from pipeline.model import PublishedDataset
from pipeline.participation.attachments import Document, attach
from pipeline.participation.common import (
    canton_label,
    canton_of,
    locator,
    missing_resource,
    rows,
    today,
)
from pipeline.report import Problem

KIND = "instances"
# Members are listed by college in this order, then by name.
COLLEGES = ("habitant", "jeune", "association", "acteur économique", "personne qualifiée", "élu",
            "services du Département")
CALL_STATUS = {"upcoming": "à venir", "open": "ouvert", "closed": "clos"}


@dataclass(frozen=True)
class Member:
    name: str
    role: str
    college: str
    start: date
    end: date | None
    current: bool  # started on or before the build date and not ended before it


@dataclass(frozen=True)
class BodyDocument:
    title: str
    kind: str
    date: date
    file: Document


@dataclass(frozen=True)
class Call:
    id: str
    theme: str
    title: str
    start: date
    end: date
    link: str | None
    results: str
    booklet: Document | None
    status: str  # upcoming, open, closed (relative to the build date)

    @property
    def status_label(self) -> str:
        return CALL_STATUS[self.status]


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    kind: str
    description: str
    rules: str
    canton: Canton | None
    dataset: str
    members: tuple[Member, ...] = ()
    documents: tuple[BodyDocument, ...] = ()
    calls: tuple[Call, ...] = ()

    @property
    def url(self) -> str:
        return f"instances/{self.id}/"

    @property
    def canton_label(self) -> str:
        """« canton d'Armentières », or « tout le département » for a departmental body."""
        return canton_label(self.canton) if self.canton else "tout le département"

    @property
    def current_members(self) -> list[Member]:
        return [m for m in self.members if m.current]

    @property
    def past_members(self) -> list[Member]:
        return sorted((m for m in self.members if not m.current),
                      key=lambda m: (m.end or m.start, m.name), reverse=True)

    @property
    def colleges(self) -> list[tuple[str, int]]:
        """Current members by college, in the order of COLLEGES."""
        counts = Counter(m.college for m in self.current_members)
        return sorted(counts.items(), key=lambda item: _college_rank(item[0]))

    def files(self) -> Iterable[Document]:
        yield from (d.file for d in self.documents)
        yield from (c.booklet for c in self.calls if c.booklet)


def load_bodies(context: BuildContext) -> tuple[list[Body], list[Problem]]:
    """Every body of every `instances` dataset, sorted by name, with the problems found."""
    bodies: dict[str, Body] = {}
    problems: list[Problem] = []
    day = today(context)
    for published in context.of_kind(KIND):
        if context.resource(published, "instances") is None:
            problems.append(missing_resource(published, "instances", KIND))
            continue
        found, found_problems = _load_dataset(context, published, day, set(bodies))
        problems.extend(found_problems)
        bodies.update((b.id, b) for b in found)
    return sorted(bodies.values(), key=lambda b: b.name.lower()), problems


def _load_dataset(
    context: BuildContext, published: PublishedDataset, day: date, taken: set[str]
) -> tuple[list[Body], list[Problem]]:
    slug = published.slug
    problems: list[Problem] = []
    heads: dict[str, dict[str, Any]] = {}
    where = locator(published, "instances")
    for index, row in enumerate(rows(context, published, "instances")):
        if row["id"] in taken:
            problems.append(Problem("error", "duplicate-body", f"Body {row['id']!r} is already "
                                    "declared by another dataset.", hint="Give each body one id, "
                                    "declared once.", **where(index, "id"), value=row["id"]))
            continue
        if row.get("canton") and canton_of(context.settings, row["canton"]) is None:
            problems.append(Problem("error", "unknown-canton", f"Canton {row['canton']!r} is not "
                                    "one of the cantons of site.yaml.", hint="Use the four-character "
                                    "code of a canton listed in site.yaml.", **where(index, "canton"),
                                    value=row["canton"]))
        heads[row["id"]] = row
    members, member_problems = _members(context, published, heads, day)
    documents, document_problems = _documents(context, published, heads)
    calls, call_problems = _calls(context, published, heads, day)
    problems += member_problems + document_problems + call_problems
    bodies = [
        Body(id=id_, name=row["nom"], kind=row["type"], description=row["description"] or "",
             rules=row.get("reglement") or "", canton=canton_of(context.settings, row.get("canton")),
             dataset=slug, members=tuple(members.get(id_, ())),
             documents=tuple(documents.get(id_, ())), calls=tuple(calls.get(id_, ())))
        for id_, row in heads.items()
    ]
    problems += _clashing_files(published, bodies)
    return bodies, problems


def _unknown_body(where: dict[str, Any], value: str) -> Problem:
    return Problem("error", "unknown-body", f"No body has the id {value!r}.",
                   hint="Use an id of the instances resource of this dataset.", value=value, **where)


def _members(
    context: BuildContext, published: PublishedDataset, heads: dict[str, Any], day: date
) -> tuple[dict[str, list[Member]], list[Problem]]:
    found: dict[str, list[Member]] = {}
    problems: list[Problem] = []
    if context.resource(published, "membres") is None:
        return found, problems
    where = locator(published, "membres")
    for index, row in enumerate(rows(context, published, "membres")):
        if row["instance"] not in heads:
            problems.append(_unknown_body(where(index, "instance"), row["instance"]))
            continue
        start, end = row["debut"], row.get("fin")
        if end is not None and end < start:
            problems.append(Problem("error", "end-before-start", f"Membership ends ({end}) before it "
                                    f"starts ({start}).", hint="Check the two dates.",
                                    **where(index, "fin"), value=str(end)))
            continue
        current = start <= day and (end is None or end >= day)
        found.setdefault(row["instance"], []).append(
            Member(row["nom"], row["role"], row["college"], start, end, current))
    for members in found.values():
        members.sort(key=lambda m: (_college_rank(m.college), m.name))
    return found, problems


def _college_rank(college: str) -> int:
    return COLLEGES.index(college) if college in COLLEGES else len(COLLEGES)


def _documents(
    context: BuildContext, published: PublishedDataset, heads: dict[str, Any]
) -> tuple[dict[str, list[BodyDocument]], list[Problem]]:
    found: dict[str, list[BodyDocument]] = {}
    problems: list[Problem] = []
    if context.resource(published, "documents") is None:
        return found, problems
    where = locator(published, "documents")
    for index, row in enumerate(rows(context, published, "documents")):
        body = row["instance"]
        if body not in heads:
            problems.append(_unknown_body(where(index, "instance"), body))
            continue
        file, file_problems = attach(published, row["fichier"], row["titre"],
                                     f"instances/{body}/documents", where(index, "fichier"))
        problems += file_problems
        if file is not None:
            found.setdefault(body, []).append(BodyDocument(row["titre"], row["type"], row["date"], file))
    for documents in found.values():
        documents.sort(key=lambda d: (d.date, d.title), reverse=True)
    return found, problems


def _calls(
    context: BuildContext, published: PublishedDataset, heads: dict[str, Any], day: date
) -> tuple[dict[str, list[Call]], list[Problem]]:
    found: dict[str, list[Call]] = {}
    problems: list[Problem] = []
    if context.resource(published, "appels_contributions") is None:
        return found, problems
    where = locator(published, "appels_contributions")
    for index, row in enumerate(rows(context, published, "appels_contributions")):
        body = row["instance"]
        if body not in heads:
            problems.append(_unknown_body(where(index, "instance"), body))
            continue
        start, end = row["debut"], row["fin"]
        if end < start:
            problems.append(Problem("error", "end-before-start", f"The call closes ({end}) before it "
                                    f"opens ({start}).", hint="Check the two dates.",
                                    **where(index, "fin"), value=str(end)))
            continue
        status = "upcoming" if day < start else "open" if day <= end else "closed"
        if row.get("resultats") and status != "closed":
            problems.append(Problem("warning", "results-too-early", f"Call {row['id']!r} has results "
                                    f"but is {CALL_STATUS[status]} until {end}.",
                                    hint="Publish the results once the call has closed.",
                                    **where(index, "resultats")))
        booklet = None
        if row.get("livret"):
            booklet, file_problems = attach(published, row["livret"], f"Livret : {row['titre']}",
                                            f"instances/{body}/documents", where(index, "livret"))
            problems += file_problems
        found.setdefault(body, []).append(Call(
            id=row["id"], theme=row["theme"], title=row["titre"], start=start, end=end,
            link=row.get("lien_contribution"), results=row.get("resultats") or "",
            booklet=booklet, status=status))
    for calls in found.values():
        calls.sort(key=lambda c: (c.start, c.id), reverse=True)
    return found, problems


def _clashing_files(published: PublishedDataset, bodies: list[Body]) -> list[Problem]:
    """Two different files published under one URL: the second would replace the first."""
    seen: dict[str, bytes] = {}
    problems = []
    for body in bodies:
        for document in body.files():
            previous = seen.setdefault(document.path, document.content)
            if previous != document.content:
                problems.append(Problem(
                    "error", "file-clash", f"Two different files would be published as "
                    f"/{document.path}.", dataset=published.slug,
                    hint="Give the files of one body different names."))
    return problems
