"""The projects as typed objects, read from the validated tables of a `kind: projets` dataset.

frictionless has already checked each cell against its schema (types, vocabularies, foreign
keys); this module checks what a Table Schema cannot say: a phase ending before it starts, a
canton missing from site.yaml, a document file that is not in the dataset folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config import Canton, SiteSettings
from pipeline.model import PublishedDataset
from pipeline.report import Problem
from pipeline.site import DOWNLOADS_DIR

RESOURCES = ("projets", "phases", "budget", "deliberations", "consultations", "documents")
# Project ids that would collide with the facet pages under /projets/.
RESERVED_IDS = {"statut", "type", "canton"}
TYPES = ("voirie", "collège", "espace naturel", "bâtiment", "mobilité", "autre")


@dataclass(frozen=True)
class Phase:
    ordre: int
    phase: str
    debut: date
    fin: date | None  # None: open-ended
    commentaire: str = ""

    def contains(self, day: date) -> bool:
        return self.debut <= day and (self.fin is None or day <= self.fin)


@dataclass(frozen=True)
class BudgetLine:
    date: date
    nature: str  # initial, révision, engagé, payé
    annee: int | None
    montant: float
    motif: str = ""


@dataclass(frozen=True)
class Deliberation:
    numero: str
    date: date
    objet: str
    url: str = ""  # absolute (https://…) or relative to the site root; "" if not online


@dataclass(frozen=True)
class Consultation:
    id: str
    forme: str
    debut: date
    fin: date | None
    participants: int | None
    contributions: int | None
    synthese: str = ""
    reponse: str = ""

    @property
    def last_day(self) -> date:
        return self.fin or self.debut


@dataclass(frozen=True)
class Document:
    titre: str
    fichier: str  # path inside the dataset folder
    type: str
    date: date
    size: int
    url: str  # relative to the site root


@dataclass(frozen=True)
class Project:
    id: str
    titre: str
    type: str
    description: str
    lieu: str
    cantons: tuple[Canton, ...]
    communes: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    budget_initial: float
    maitre_ouvrage: str
    titulaires: tuple[str, ...]
    suspendu: bool
    motif_suspension: str
    phases: tuple[Phase, ...] = ()
    budget: tuple[BudgetLine, ...] = ()
    deliberations: tuple[Deliberation, ...] = ()
    consultations: tuple[Consultation, ...] = ()
    documents: tuple[Document, ...] = ()
    dataset_slug: str = ""

    @property
    def url(self) -> str:
        return f"projets/{self.id}/"

    @property
    def feed_path(self) -> str:
        return f"feeds/projets/{self.id}.atom.xml"

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class PublishedFile:
    """A PDF of the dataset folder copied into the site."""

    source: Path
    path: str  # relative to the site root


@dataclass
class Loaded:
    projects: list[Project]
    files: list[PublishedFile]
    problems: list[Problem]


def load_projects(
    published: PublishedDataset, read: Callable[[str], list[dict[str, Any]]], settings: SiteSettings
) -> Loaded:
    """The projects of one dataset; `read(resource)` returns a table's rows as dicts."""
    checker = _Checker(published)
    missing = [r for r in RESOURCES if r not in {res.name for res, _ in published.resources}]
    if missing:
        checker.error(None, None, "missing-resource",
                      f"The projects dataset lacks the resource(s) {', '.join(missing)}.",
                      "Declare the six resources projets, phases, budget, deliberations, consultations "
                      "and documents (an empty table has just its header row).", file="datapackage.yaml")
        return Loaded([], [], checker.problems)
    rows = {name: read(name) for name in RESOURCES}
    files: dict[str, PublishedFile] = {}
    phases = _group(rows["phases"], lambda r, n: _phase(r, n, checker))
    budget = _group(rows["budget"], lambda r, n: _budget_line(r, n, checker))
    deliberations = _group(rows["deliberations"], lambda r, n: _deliberation(r, n, checker, files))
    consultations = _group(rows["consultations"], lambda r, n: _consultation(r, n, checker))
    documents = _group(rows["documents"], lambda r, n: _document(r, n, checker, files))
    projects = []
    for number, row in enumerate(rows["projets"], start=2):
        project = _project(row, number, checker, settings)
        if project is None:
            continue
        key = project.id
        if not phases.get(key):
            checker.warning("projets", number, "project-without-phase",
                            f"Project {key!r} has no phase: it is shown as « à venir ».",
                            "Add its phases to phases.csv (at least the first, with its start date).",
                            field="id", value=key)
        projects.append(replace(
            project,
            phases=tuple(sorted(phases.get(key, ()), key=lambda p: (p.ordre, p.debut))),
            budget=tuple(sorted(budget.get(key, ()), key=lambda b: (b.date, b.nature))),
            deliberations=tuple(sorted(deliberations.get(key, ()), key=lambda d: (d.date, d.numero))),
            consultations=tuple(sorted(consultations.get(key, ()), key=lambda c: (c.debut, c.id))),
            documents=tuple(sorted(documents.get(key, ()), key=lambda d: (d.date, d.titre))),
        ))
    return Loaded(projects, sorted(files.values(), key=lambda f: f.path), checker.problems)


class _Checker:
    """Collects problems located in the dataset's files (row numbers count the header as 1)."""

    def __init__(self, published: PublishedDataset) -> None:
        self.published = published
        self.folder = published.dataset.folder
        self.problems: list[Problem] = []
        self.paths = {res.name: res.relpath for res, _ in published.resources}

    def error(self, resource: str | None, row: int | None, code: str, message: str, hint: str,
              **where: Any) -> None:
        self._add("error", resource, row, code, message, hint, where)

    def warning(self, resource: str | None, row: int | None, code: str, message: str, hint: str,
                **where: Any) -> None:
        self._add("warning", resource, row, code, message, hint, where)

    def _add(self, severity: Any, resource: str | None, row: int | None, code: str, message: str,
             hint: str, where: dict[str, Any]) -> None:
        file = where.pop("file", None) or self.paths.get(resource or "", "datapackage.yaml")
        self.problems.append(Problem(severity, code, message, dataset=self.published.slug,
                                     file=f"datasets/{self.published.slug}/{file}", row=row,
                                     hint=hint, **where))

    def pdf(self, resource: str, row: int, field: str, relpath: str,
            files: dict[str, PublishedFile]) -> str | None:
        """The site path of a PDF of the dataset folder, or None (and an error) if unusable."""
        path = (self.folder / relpath).resolve()
        if not path.is_relative_to(self.folder.resolve()) or ".." in Path(relpath).parts:
            self.error(resource, row, "unsafe-path", f"The file {relpath!r} is outside the dataset folder.",
                       "Put the PDF in the dataset folder (e.g. documents/) and give its path from there.",
                       field=field, value=relpath)
            return None
        if not path.is_file():
            self.error(resource, row, "missing-file", f"The file {relpath!r} does not exist.",
                       f"Add the PDF to datasets/{self.published.slug}/ or fix the path "
                       "(names are case-sensitive).", field=field, value=relpath)
            return None
        with path.open("rb") as file:
            if file.read(5) != b"%PDF-":
                self.error(resource, row, "not-a-pdf", f"The file {relpath!r} is not a PDF.",
                           "Export the document as PDF (File > Export as PDF).", field=field, value=relpath)
                return None
        site_path = f"{DOWNLOADS_DIR}/{self.published.slug}/{Path(relpath).as_posix()}"
        files[site_path] = PublishedFile(path, site_path)
        return site_path


def _group(rows: Iterable[dict[str, Any]], make: Callable[[dict[str, Any], int], Any]) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for number, row in enumerate(rows, start=2):
        item = make(row, number)
        if item is not None:
            grouped.setdefault(row["projet"], []).append(item)
    return grouped


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _split(value: Any) -> tuple[str, ...]:
    return tuple(part.strip() for part in _text(value).split("|") if part.strip())


def _project(row: dict[str, Any], number: int, checker: _Checker, settings: SiteSettings) -> Project | None:
    key = row["id"]
    if key in RESERVED_IDS:
        checker.error("projets", number, "reserved-id",
                      f"The project id {key!r} is reserved for the pages that filter the projects.",
                      "Choose another id, e.g. with the place's name.", field="id", value=key)
        return None
    cantons = []
    for code in _split(row["cantons"]):
        canton = settings.territory.canton(code)
        if canton is None:
            checker.error("projets", number, "unknown-canton",
                          f"Canton {code} of project {key!r} is not a canton of the territory.",
                          "Use the canton codes listed in site.yaml (5901 to 5941 for the Nord).",
                          field="cantons", value=code)
        else:
            cantons.append(canton)
    latitude, longitude = row.get("latitude"), row.get("longitude")
    if (latitude is None) != (longitude is None):
        checker.error("projets", number, "half-coordinates",
                      f"Project {key!r} has a latitude or a longitude, but not both.",
                      "Fill both columns (WGS84 decimal degrees), or leave both empty.",
                      field="latitude" if latitude is None else "longitude")
        latitude = longitude = None
    suspended = bool(row.get("suspendu"))
    if suspended and not _text(row.get("motif_suspension")):
        checker.warning("projets", number, "suspension-without-reason",
                        f"Project {key!r} is suspended without a reason.",
                        "Say why in motif_suspension, and what will let the project resume.",
                        field="motif_suspension")
    return Project(
        id=key, titre=_text(row["titre"]), type=row["type"], description=_text(row["description"]),
        lieu=_text(row.get("lieu")), cantons=tuple(cantons), communes=_split(row.get("communes")),
        latitude=latitude, longitude=longitude, budget_initial=float(row["budget_initial"]),
        maitre_ouvrage=_text(row["maitre_ouvrage"]), titulaires=_split(row.get("titulaires")),
        suspendu=suspended, motif_suspension=_text(row.get("motif_suspension")),
        dataset_slug=checker.published.slug,
    )


def _phase(row: dict[str, Any], number: int, checker: _Checker) -> Phase | None:
    if row["fin"] is not None and row["fin"] < row["debut"]:
        checker.error("phases", number, "end-before-start",
                      f"Phase {row['ordre']} of project {row['projet']!r} ends ({row['fin']}) before "
                      f"it starts ({row['debut']}).", "Swap the two dates, or correct the wrong one.",
                      field="fin", value=str(row["fin"]))
        return None
    return Phase(row["ordre"], row["phase"], row["debut"], row["fin"], _text(row.get("commentaire")))


def _budget_line(row: dict[str, Any], number: int, checker: _Checker) -> BudgetLine | None:
    if row["nature"] in ("engagé", "payé") and row.get("annee") is None:
        checker.error("budget", number, "missing-year",
                      f"A {row['nature']} amount of project {row['projet']!r} has no year.",
                      "Give the budget year (annee) of the amount committed or paid.", field="annee")
        return None
    return BudgetLine(row["date"], row["nature"], row.get("annee"), float(row["montant"]),
                      _text(row.get("motif")))


def _deliberation(row: dict[str, Any], number: int, checker: _Checker,
                  files: dict[str, PublishedFile]) -> Deliberation | None:
    link = _text(row.get("lien"))
    if link and not link.startswith(("http://", "https://")):
        link = checker.pdf("deliberations", number, "lien", link, files) or ""
    return Deliberation(_text(row["numero"]), row["date"], _text(row["objet"]), link)


def _consultation(row: dict[str, Any], number: int, checker: _Checker) -> Consultation | None:
    if row["fin"] is not None and row["fin"] < row["debut"]:
        checker.error("consultations", number, "end-before-start",
                      f"Consultation {row['id']!r} ends ({row['fin']}) before it starts ({row['debut']}).",
                      "Swap the two dates, or correct the wrong one.", field="fin", value=str(row["fin"]))
        return None
    return Consultation(row["id"], row["forme"], row["debut"], row["fin"], row.get("participants"),
                        row.get("contributions"), _text(row.get("synthese")),
                        _text(row.get("reponse_departement")))


def _document(row: dict[str, Any], number: int, checker: _Checker,
              files: dict[str, PublishedFile]) -> Document | None:
    url = checker.pdf("documents", number, "fichier", row["fichier"], files)
    if url is None:
        return None
    size = (checker.folder / row["fichier"]).stat().st_size
    return Document(_text(row["titre"]), row["fichier"], row["type"], row["date"], size, url)

