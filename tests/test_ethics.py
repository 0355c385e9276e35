"""The ethics register: register page, per-official pages, gifts table, problems in the data."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.build import BuildResult, build
from pipeline.config import BuildPaths
from pipeline.errors import BuildRefused
from pipeline.extensions.ethics import euros
from tests.conftest import PELICAN_CONF, ROOT, copy_dataset, make_paths

SLUG = "registre-deontologie"
DAY = datetime(2026, 11, 22, 12, tzinfo=UTC)
NNBSP, NBSP = "\u202f", "\u00a0"


# --- HTML tables, parsed ------------------------------------------------------------------

@dataclass
class ParsedTable:
    caption: str = ""
    headers: list[tuple[str, str | None]] = field(default_factory=list)  # (text, scope)
    rows: list[list[str]] = field(default_factory=list)  # text of every cell, th and td


class Tables(HTMLParser):
    """Every <table> of a page with its caption, header cells (and their scope) and rows."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[ParsedTable] = []
        self._in: str | None = None
        self._text: list[str] = []
        self._scope: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(ParsedTable())
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag in ("caption", "th", "td") and self.tables:
            self._in, self._text, self._scope = tag, [], dict(attrs).get("scope")

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        text = re.sub(r"[ \t\r\n]+", " ", "".join(self._text)).strip()  # keeps no-break spaces
        table = self.tables[-1]
        if tag == "caption":
            table.caption = text
        else:
            table.rows[-1].append(text)
            if tag == "th":
                table.headers.append((text, self._scope))
        self._in = None


def table_captioned(html: str, start: str) -> ParsedTable:
    return next(t for t in Tables(html).tables if t.caption.startswith(start))


# --- unit ---------------------------------------------------------------------------------

def test_euros_are_written_the_french_way() -> None:
    assert euros(180) == f"180{NBSP}€"
    assert euros(45.5) == f"45,50{NBSP}€"
    assert euros(1210.0) == f"1{NNBSP}210{NBSP}€"


# --- builds -------------------------------------------------------------------------------

def _build_on(tmp: Path, moment: datetime, strict: bool = False, edit=None) -> tuple[BuildPaths, BuildResult]:
    paths = make_paths(tmp)
    paths.datasets.mkdir(parents=True)
    folder = copy_dataset(SLUG, paths.datasets)
    if edit:
        edit(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", str(int(moment.timestamp())))
        return paths, build(paths, PELICAN_CONF, strict=strict)


@pytest.fixture(scope="module")
def register_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildResult]]:
    paths, result = _build_on(tmp_path_factory.mktemp("ethics"), DAY, strict=True)
    yield paths.output, result


def _page(output: Path, *parts: str) -> str:
    return output.joinpath(*parts, "index.html").read_text(encoding="utf-8")


def _sample_rows(name: str) -> list[dict[str, str]]:
    with (ROOT / "datasets" / SLUG / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_register_lists_officials_by_canton_with_latest_declaration_and_counts(register_site) -> None:
    output, result = register_site
    html = _page(output, "deontologie")
    table = table_captioned(html, "Élus par canton")
    assert all(scope in ("col", "row", "rowgroup") for _, scope in table.headers)
    groups = [text for text, scope in table.headers if scope == "rowgroup"]
    assert groups == ["Canton de Cambrai (5909)", "Canton de Douai (5915)", "Canton de Lille-1 (5923)",
                      "Canton de Maubeuge (5930)", "Canton de Wormhout (5941)"]
    officials = [text for text, scope in table.headers if scope == "row"]
    assert len(officials) == len(_sample_rows("elus")) == 11
    vasseur = next(row for row in table.rows if row and row[0] == "Mme Hélène Vasseur")
    assert vasseur[1:] == ["Avenir du Nord", "depuis le 1er juillet 2021", "4 septembre 2023", "3", "1"]
    wattiez = next(row for row in table.rows if row and row[0] == "M. Gérard Wattiez")
    assert "mandat terminé" in wattiez[2]
    assert "11 élus de 5 cantons, dont 10 en fonction, ont déposé 20 déclarations." in html
    assert 'href="/code-de-deontologie/"' in html and 'href="/referent-deontologue/"' in html
    assert 'href="/deontologie/elus/helene-vasseur/"' in html
    assert not result.report.problems
    assert any(link.label == "Déontologie" and link.url == "deontologie/" for link in result.site.nav)


@pytest.mark.slow
def test_gifts_register_is_a_table_with_caption_and_scopes(register_site) -> None:
    output, _ = register_site
    html = _page(output, "deontologie")
    gifts = table_captioned(html, "Registre des cadeaux et invitations")
    assert [h for h in gifts.headers if h[1] == "col"] == [
        ("Date", "col"), ("Élu", "col"), ("Donateur", "col"), ("Nature", "col"),
        ("Valeur estimée", "col"), ("Décision", "col")]
    assert all(scope in ("col", "row") for _, scope in gifts.headers)
    body = gifts.rows[1:]
    assert len(body) == len(_sample_rows("cadeaux")) == 8
    assert sum(scope == "row" for _, scope in gifts.headers) == 8  # each row has its header
    assert body[0][:3] == ["2 octobre 2026", "M. Julien Carpentier", "Nord Saveurs Restauration"]
    assert body[-1][0] == "14 juin 2024"  # newest first
    assert body[0][4] == f"60{NBSP}€"
    assert f"valeur estimée totale de 1{NNBSP}210{NBSP}€ : 3 acceptés, 3 refusés, 2 restitués." in html


@pytest.mark.slow
def test_every_official_has_a_page(register_site) -> None:
    output, _ = register_site
    for row in _sample_rows("elus"):
        html = _page(output, "deontologie", "elus", row["id"])
        assert f"<h1>{row['civilite']} {row['prenom']} {row['nom']}</h1>" in html


@pytest.mark.slow
def test_official_page_has_functions_mandate_hatvp_declarations_in_order_and_gifts(register_site) -> None:
    output, _ = register_site
    html = _page(output, "deontologie", "elus", "helene-vasseur")
    for expected in ["<li>Vice-présidente du Conseil départemental</li>",
                     "<li>Membre de la commission permanente</li>",
                     "<li>Collèges et restauration scolaire</li>",
                     'depuis le <time datetime="2021-07-01">1er juillet 2021</time>',
                     '<a href="https://www.hatvp.fr/consulter-les-declarations/">',
                     "Canton</th><td>Cambrai (5909)"]:
        assert expected in html, expected
    order = [html.index(f'<time datetime="{day}">') for day in ("2021-08-20", "2021-08-27", "2023-09-04")]
    assert order == sorted(order)
    assert "Déclaration d&#39;intérêts, déposée le" in html or "Déclaration d'intérêts, déposée le" in html
    pdf = output / "deontologie" / "elus" / "helene-vasseur" / "helene-vasseur-2021-08-20-interets.pdf"
    source = ROOT / "datasets" / SLUG / "declarations" / pdf.name
    assert pdf.read_bytes() == source.read_bytes()
    assert f'href="/deontologie/elus/helene-vasseur/{pdf.name}" type="application/pdf"' in html
    assert f"{pdf.stat().st_size / 1000:.1f} ko".replace(".", ",") in html
    gifts = table_captioned(html, "Cadeaux et invitations déclarés par Mme Hélène Vasseur")
    assert gifts.rows[1] == ["10 décembre 2024", "Éditions Beffroi Jeunesse",
                             "Coffret de livres pour la jeunesse", f"85{NBSP}€", "accepté"]
    assert all(scope in ("col", "row") for _, scope in gifts.headers)


@pytest.mark.slow
def test_markdown_declarations_sit_under_their_heading(register_site) -> None:
    output, _ = register_site
    html = _page(output, "deontologie", "elus", "thierry-lemaire")
    assert "<strong>Activités professionnelles</strong> : artisan menuisier" in html
    assert "<h4>" not in html or html.index("<h3>") < html.index("<h4>")
    quiet = _page(output, "deontologie", "elus", "olivier-masquelier")
    assert "Aucun cadeau ni invitation n&#39;a été déclaré." in quiet or \
        "Aucun cadeau ni invitation n'a été déclaré." in quiet
    assert "pas de déclaration publiée par la HATVP" in quiet


@pytest.mark.slow
def test_code_and_referent_pages_link_to_the_register(register_site) -> None:
    output, _ = register_site
    code = _page(output, "code-de-deontologie")
    assert "supérieure à 150 euros" in code and "s’abstient" in code
    assert 'href="/deontologie/"' in code and "/referent-deontologue/" in code
    referent = _page(output, "referent-deontologue")
    assert "Le saisir d’une question" in referent and 'href="/deontologie/"' in referent
    dataset = _page(output, "jeux-de-donnees", SLUG)
    assert 'id="titre-registre"' in dataset and 'href="/deontologie/"' in dataset


@pytest.mark.slow
def test_who_is_in_office_follows_the_build_date(tmp_path: Path) -> None:
    paths, _ = _build_on(tmp_path, datetime(2024, 3, 1, 12, tzinfo=UTC))
    html = _page(paths.output, "deontologie")
    rows = table_captioned(html, "Élus par canton").rows
    wattiez = next(r for r in rows if r and r[0] == "M. Gérard Wattiez")
    assert "mandat terminé" not in wattiez[2]


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_inconsistent_register_is_refused_with_located_errors(tmp_path: Path) -> None:
    def edit(folder: Path) -> None:
        _rewrite(folder / "elus.csv", lambda rows: rows[1].update(canton="6201"))  # not in site.yaml

        def declarations(rows):
            rows[0].update(document="declarations/absente.pdf")
            rows[2].update(contenu="")
            rows[4].update(elu="inconnu")
        _rewrite(folder / "declarations.csv", declarations)
        _rewrite(folder / "cadeaux.csv", lambda rows: rows[1].update(elu="personne"))

    with pytest.raises(BuildRefused) as refused:
        _build_on(tmp_path, DAY, edit=edit)
    found = {(p.code, p.file.rsplit("/", 1)[1], p.row, p.field) for p in refused.value.report.errors}
    assert found == {
        ("unknown-canton", "elus.csv", 3, "canton"),
        ("bad-document", "declarations.csv", 2, "document"),
        ("empty-declaration", "declarations.csv", 4, "contenu"),
        ("unknown-official", "declarations.csv", 6, "elu"),
        ("unknown-official", "cadeaux.csv", 3, "elu"),
    }  # the official refused for his canton: his declaration and gift are not reported again
    assert all(p.hint for p in refused.value.report.errors)


@pytest.mark.slow
def test_binome_and_missing_declaration_warnings(tmp_path: Path) -> None:
    def edit(folder: Path) -> None:
        _rewrite(folder / "elus.csv", lambda rows: rows.append({
            **rows[0], "id": "claire-martin", "prenom": "Claire", "nom": "Martin"}))

    paths, result = _build_on(tmp_path, DAY, edit=edit)
    codes = sorted((p.code, p.row) for p in result.report.warnings)
    assert codes == [("no-declaration-of-interests", 13), ("not-a-binome", None)]
    binome = next(p for p in result.report.warnings if p.code == "not-a-binome")
    assert "5909" in binome.message and "Mme Claire Martin" in binome.message
    assert (paths.output / "deontologie" / "elus" / "claire-martin" / "index.html").is_file()
