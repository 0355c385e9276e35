"""The ethics register (registre de déontologie): officials, their declarations, gifts.

The council's code of ethics (content/pages/code-de-deontologie.md) extends to every
councillor the declarations the HATVP asks of some, and asks each of them to declare the
gifts and invitations received. Datasets of kind `deontologie` hold three tables: `elus`
(the officials, their canton, functions and mandate), `declarations` (text in Markdown or
a PDF committed in the dataset folder) and `cadeaux` (the gifts register). This extension
checks that they agree with each other and with site.yaml's cantons, computes what the
register shows (latest declaration, counts, totals, who is in office on the build date)
and renders the register and one page per official.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from markupsafe import Markup

from pipeline.config import SiteSettings
from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, NavLink, Page
from pipeline.model import PublishedDataset
from pipeline.report import Problem
from pipeline.transparency.dates import local_date
from pipeline.transparency.documents import Document, attached_pdf
from pipeline.transparency.markdown import markdown_html
from pipeline.transparency.tables import Row, Table, read_table, split_list

KIND = "deontologie"
URL = "deontologie/"
GIFT_THRESHOLD = 150  # euros: the code of ethics asks for every gift or invitation above it
DECLARATION_LABELS = {
    "intérêts": "Déclaration d'intérêts",
    "activités": "Déclaration d'activités",
    "patrimoine": "Déclaration de situation patrimoniale",
    "mise à jour": "Mise à jour d'une déclaration",
}
DECISIONS = ("accepté", "refusé", "restitué")


def euros(value: float) -> str:
    """180 → "180 €", 45.5 → "45,50 €", 1200 → "1 200 €" (narrow no-break spaces)."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") + "\u00a0€"


@dataclass(frozen=True)
class Declaration:
    official: str
    date: date
    type: str
    content: str
    document: Document | None

    @property
    def label(self) -> str:
        return DECLARATION_LABELS.get(self.type, self.type)

    @property
    def content_html(self) -> Markup:
        """Under the declaration's <h3> on the official's page."""
        return markdown_html(self.content, top_level=4)


@dataclass(frozen=True)
class Gift:
    official: str  # id
    official_name: str
    official_url: str
    date: date
    donor: str
    nature: str
    value: float
    decision: str

    @property
    def value_text(self) -> str:
        return euros(self.value)


@dataclass(frozen=True)
class Official:
    id: str
    civility: str
    last_name: str
    first_name: str
    canton_code: str
    canton_name: str
    group: str
    functions: tuple[str, ...]
    delegations: tuple[str, ...]
    start: date
    end: date | None
    hatvp: str
    in_office: bool
    declarations: tuple[Declaration, ...] = ()  # oldest first
    gifts: tuple[Gift, ...] = ()  # oldest first
    dataset: str = ""
    sample: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def title(self) -> str:
        return f"{self.civility} {self.first_name} {self.last_name}"

    @property
    def url(self) -> str:
        return f"{URL}elus/{self.id}/"

    @property
    def latest_declaration(self) -> date | None:
        return max((d.date for d in self.declarations), default=None)


@dataclass(frozen=True)
class Canton:
    code: str
    name: str
    officials: tuple[Official, ...]  # in office first, then by name


@dataclass(frozen=True)
class EthicsData:
    """What templates get as opendata.extras["deontologie"]."""

    cantons: tuple[Canton, ...]
    gifts: tuple[Gift, ...]  # newest first
    today: date
    datasets: tuple[str, ...]
    sample: bool
    gift_threshold: int = GIFT_THRESHOLD

    @property
    def officials(self) -> tuple[Official, ...]:
        return tuple(o for canton in self.cantons for o in canton.officials)

    @property
    def in_office(self) -> int:
        return sum(o.in_office for o in self.officials)

    @property
    def declaration_count(self) -> int:
        return sum(len(o.declarations) for o in self.officials)

    @property
    def gifts_total(self) -> str:
        return euros(sum(g.value for g in self.gifts))

    def gifts_by_decision(self) -> list[tuple[str, int]]:
        counts = Counter(g.decision for g in self.gifts)
        return [(decision, counts[decision]) for decision in DECISIONS]


class EthicsExtension(BaseExtension):
    name = "deontologie"
    order = 61
    dataset_kind = KIND

    def prepare(self, context: BuildContext) -> Contribution:
        datasets = context.of_kind(KIND)
        today = local_date(context.build_date)
        problems: list[Problem] = []
        officials: list[Official] = []
        for published in datasets:
            officials.extend(_read_register(context, published, today, problems))
        officials = _unique(officials, problems)
        data = EthicsData(
            cantons=_by_canton(officials),
            gifts=tuple(sorted((g for o in officials for g in o.gifts),
                               key=lambda g: (g.date, g.official, g.donor), reverse=True)),
            today=today,
            datasets=tuple(p.slug for p in datasets),
            sample=any(p.dataset.sample for p in datasets),
        )
        pages = [Page(URL, "ethics/index", "ethics-index", {"register": data})]
        pages.extend(Page(o.url, "ethics/official", "ethics-official", {"official": o, "register": data})
                     for o in data.officials)
        files = tuple(d.document.generated() for o in data.officials for d in o.declarations if d.document)
        return Contribution(
            name=self.name, data=data, pages=tuple(pages), files=files, problems=tuple(problems),
            nav=(NavLink("Déontologie", URL, order=61),),
            dataset_sections=("ethics/_dataset_section.html",),
        )


def _read_register(context: BuildContext, published: PublishedDataset, today: date,
                   problems: list[Problem]) -> list[Official]:
    elus = read_table(context, published, "elus", problems)
    declarations = read_table(context, published, "declarations", problems)
    gifts = read_table(context, published, "cadeaux", problems)
    if elus is None or declarations is None or gifts is None:
        return []
    officials: dict[str, Official] = {}
    rows: dict[str, Row] = {}
    refused: set[str] = set()  # reported already: their declarations and gifts are left out quietly
    for row in elus:
        official = _official(row, elus, context.settings, today, published, problems)
        if official is None:
            refused.add(row.text("id"))
        else:
            officials[official.id], rows[official.id] = official, row
    folder = published.dataset.folder
    by_official = _declarations(declarations, officials, refused, folder, problems)
    gifts_by_official = _gifts(gifts, officials, refused, problems)
    result = []
    for official in officials.values():
        filed = tuple(sorted(by_official.get(official.id, ()), key=lambda d: (d.date, d.type)))
        received = tuple(sorted(gifts_by_official.get(official.id, ()), key=lambda g: (g.date, g.donor)))
        if official.in_office and not any(d.type == "intérêts" for d in filed):
            problems.append(elus.problem(
                "warning", "no-declaration-of-interests",
                f"{official.title} is in office but has no declaration of interests (type "
                "« intérêts ») in the declarations table.", rows[official.id], "id",
                hint="Add the declaration of interests filed at the start of the mandate."))
        result.append(dataclasses.replace(official, declarations=filed, gifts=received))
    problems.extend(_check_binomes(result, elus, context.settings))
    return result


def _official(row: Row, table: Table, settings: SiteSettings, today: date,
              published: PublishedDataset, problems: list[Problem]) -> Official | None:
    code = row.text("canton")
    canton = settings.territory.canton(code)
    if canton is None:
        problems.append(table.problem(
            "error", "unknown-canton", f"Canton {code!r} is not a canton of the territory.", row,
            "canton", hint="Use a canton code listed in site.yaml (territory.cantons)."))
        return None
    start: date = row["debut_mandat"]
    end: date | None = row["fin_mandat"]
    if end is not None and end < start:
        problems.append(table.problem(
            "error", "mandate-ends-before-start",
            f"The mandate of {row.text('prenom')} {row.text('nom')} ends ({end.isoformat()}) before "
            f"it starts ({start.isoformat()}).", row, "fin_mandat", hint="Check both dates (AAAA-MM-JJ)."))
    return Official(
        id=row.text("id"), civility=row.text("civilite"), last_name=row.text("nom"),
        first_name=row.text("prenom"), canton_code=code, canton_name=canton.name,
        group=row.text("groupe"), functions=_items(row["fonctions"]),
        delegations=_items(row["delegations"]), start=start, end=end, hatvp=row.text("lien_hatvp"),
        in_office=start <= today and (end is None or end >= today),
        dataset=published.slug, sample=published.dataset.sample,
    )


def _items(cell: str | None) -> tuple[str, ...]:
    """"Vice-présidente ; membre de la commission permanente" → two items, each capitalised."""
    return tuple(item[:1].upper() + item[1:] for item in split_list(cell))


def _known(table: Table, row: Row, officials: dict[str, Official], refused: set[str],
           problems: list[Problem]) -> bool:
    if row.text("elu") in officials:
        return True
    if row.text("elu") in refused:
        return False
    problems.append(table.problem(
        "error", "unknown-official", f"Official {row.text('elu')!r} is not in the officials table.",
        row, "elu", hint="Use the id of an official of the elus table (case and hyphens count)."))
    return False


def _declarations(table: Table, officials: dict[str, Official], refused: set[str], folder: Path,
                  problems: list[Problem]) -> dict[str, list[Declaration]]:
    found: dict[str, list[Declaration]] = {}
    for row in table:
        if not _known(table, row, officials, refused, problems):
            continue
        official = officials[row.text("elu")]
        document = attached_pdf(folder, table, row, "document", official.url, problems)
        if not row.text("contenu") and not row.text("document"):
            problems.append(table.problem(
                "error", "empty-declaration", f"The declaration of {official.title} dated "
                f"{row['date'].isoformat()} has neither a text (contenu) nor a document.", row, "contenu",
                hint="Write the declaration in contenu (Markdown), or commit its PDF and give its "
                     "path in document."))
        found.setdefault(official.id, []).append(Declaration(
            official.id, row["date"], row.text("type"), row.text("contenu"), document))
    return found


def _gifts(table: Table, officials: dict[str, Official], refused: set[str],
           problems: list[Problem]) -> dict[str, list[Gift]]:
    found: dict[str, list[Gift]] = {}
    for row in table:
        if not _known(table, row, officials, refused, problems):
            continue
        official = officials[row.text("elu")]
        found.setdefault(official.id, []).append(Gift(
            official.id, official.title, official.url, row["date"], row.text("donateur"),
            row.text("nature"), float(row["valeur_estimee"]), row.text("decision")))
    return found


def _unique(officials: list[Official], problems: list[Problem]) -> list[Official]:
    seen: dict[str, Official] = {}
    for official in officials:
        if official.id in seen:
            problems.append(Problem(
                "error", "duplicate-official",
                f"Official id {official.id!r} is used by two datasets ({seen[official.id].dataset} "
                f"and {official.dataset}).", dataset=official.dataset,
                hint="Keep one register, or give each official a distinct id."))
            continue
        seen[official.id] = official
    return list(seen.values())


def _check_binomes(officials: list[Official], table: Table, settings: SiteSettings) -> list[Problem]:
    """Each canton elects a woman and a man (code électoral L191): at most one of each in office."""
    problems = []
    in_office: dict[str, list[Official]] = {}
    for official in officials:
        if official.in_office:
            in_office.setdefault(official.canton_code, []).append(official)
    for code, present in sorted(in_office.items()):
        civilities = Counter(o.civility for o in present)
        if len(present) > 2 or any(count > 1 for count in civilities.values()):
            names = ", ".join(o.title for o in present)
            problems.append(table.problem(
                "warning", "not-a-binome",
                f"Canton {code} ({settings.territory.canton(code).name}) has {len(present)} officials "
                f"in office ({names}); a canton elects one woman and one man.",
                hint="Fill fin_mandat for an official who left, and check civilite."))
    return problems


def _by_canton(officials: list[Official]) -> tuple[Canton, ...]:
    cantons: dict[str, list[Official]] = {}
    for official in officials:
        cantons.setdefault(official.canton_code, []).append(official)
    return tuple(
        Canton(code, members[0].canton_name,
               tuple(sorted(members, key=lambda o: (not o.in_office, o.last_name, o.first_name))))
        for code, members in sorted(cantons.items())
    )


EXTENSION = EthicsExtension()
