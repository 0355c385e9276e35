"""Participatory budgets: the winners' rule, editions assembled from their tables, the
Pabulib export, and the pages of a real build (pipeline/extensions/budgets.py)."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from datetime import date
from html import unescape
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.errors import BuildRefused
from pipeline.participation.budget_editions import CURRENT, DONE, UPCOMING, assemble
from pipeline.participation.budget_pabulib import pabulib
from pipeline.participation.budget_render import markdown_under
from pipeline.participation.budget_rules import Candidate, natural_key, rank, select
from tests.conftest import PELICAN_CONF, copy_dataset, make_paths

SLUG = "budgets-participatifs"
# 22 November 2026, 12:00 UTC: the build date of the sample pages below.
BUILD_EPOCH = "1795348800"


def c(id: str, cost: int, votes: int, deposit: int = 0) -> Candidate:
    return Candidate(id, cost, votes, deposit)


# ---- the rule ------------------------------------------------------------------------

def test_budget_exhausted_exactly() -> None:
    selection = select([c("A", 600, 30), c("B", 400, 20), c("C", 1, 10)], budget=1000)
    assert [w.id for w in selection.winners] == ["A", "B"]
    assert selection.spent == 1000 and selection.remaining == 0
    last = selection.outcomes[-1]
    assert (last.candidate.id, last.selected, last.reason) == ("C", False, "budget insuffisant")


def test_a_project_dearer_than_what_remains_is_passed_and_the_next_ones_still_count() -> None:
    selection = select([c("A", 700, 50), c("B", 500, 40), c("C", 300, 30), c("D", 200, 5)], budget=1000)
    assert [w.id for w in selection.winners] == ["A", "C"]
    assert [o.reason for o in selection.outcomes] == [
        "retenu", "budget insuffisant", "retenu", "budget insuffisant"]
    assert [o.remaining_after for o in selection.outcomes] == [300, 300, 0, 0]


def test_a_project_larger_than_the_whole_budget_never_wins_and_blocks_nothing() -> None:
    selection = select([c("HUGE", 5000, 999), c("B", 400, 10), c("C", 500, 9)], budget=1000)
    assert [w.id for w in selection.winners] == ["B", "C"]
    assert selection.outcomes[0].reason == "budget insuffisant"


def test_stop_rule_ends_the_selection_at_the_first_project_that_does_not_fit() -> None:
    candidates = [c("A", 700, 50), c("B", 500, 40), c("C", 300, 30)]
    selection = select(candidates, 1000, rule="votes-decroissants-arret")
    assert [w.id for w in selection.winners] == ["A"]
    assert [o.reason for o in selection.outcomes] == ["retenu", "budget insuffisant", "sélection arrêtée"]


def test_ties_cheaper_first_then_deposit_order() -> None:
    candidates = [c("P-10", 300, 20, deposit=3), c("P-2", 500, 20, deposit=1),
                  c("P-3", 300, 20, deposit=2), c("P-1", 100, 50, deposit=0)]
    assert [x.id for x in rank(candidates, "moins-cher")] == ["P-1", "P-3", "P-10", "P-2"]
    assert [x.id for x in rank(candidates, "plus-cher")] == ["P-1", "P-2", "P-3", "P-10"]
    assert [x.id for x in rank(candidates, "ordre-de-depot")] == ["P-1", "P-2", "P-3", "P-10"]


def test_the_tie_break_decides_who_wins_when_only_one_fits() -> None:
    candidates = [c("A", 900, 40, 0), c("B", 1100, 20, 1), c("C", 700, 20, 2)]
    assert [w.id for w in select(candidates, 2000, tie_break="moins-cher").winners] == ["A", "C"]
    assert [w.id for w in select(candidates, 2000, tie_break="ordre-de-depot").winners] == ["A", "B"]


def test_a_project_with_no_vote_is_never_selected() -> None:
    selection = select([c("A", 100, 3), c("B", 100, 0)], budget=1000)
    assert [w.id for w in selection.winners] == ["A"]
    assert selection.outcomes[1].reason == "aucune voix"
    assert selection.remaining == 900


def test_no_eligible_project() -> None:
    selection = select([], budget=1000)
    assert selection.winners == () and selection.outcomes == ()
    assert selection.spent == 0 and selection.remaining == 1000


def test_unknown_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="tie-break"):
        rank([c("A", 1, 1)], "au-hasard")
    with pytest.raises(ValueError, match="selection rule"):
        select([c("A", 1, 1)], 10, rule="tirage")


def test_natural_order_of_ids() -> None:
    assert sorted(["COL-10", "COL-2", "COL-1"], key=natural_key) == ["COL-1", "COL-2", "COL-10"]


# ---- editions assembled from their tables ---------------------------------------------

def _tables(votes: dict[str, int | None] | None = None, suivi: list[dict] | None = None) -> dict:
    votes = votes if votes is not None else {"A": 30, "B": 20, "C": 10}
    phases = [("dépôt", date(2026, 1, 1), date(2026, 1, 31)),
              ("instruction", date(2026, 2, 1), date(2026, 2, 28)),
              ("vote", date(2026, 3, 1), date(2026, 3, 15)),
              ("résultats", date(2026, 3, 20), None),
              ("réalisation", date(2026, 4, 1), date(2026, 12, 31))]
    return {
        "editions": [{"id": "test-2026", "titre": "Test", "type": "écologique", "annee": 2026,
                      "perimetre": "département", "budget": 1000, "reglement": "## Qui vote ?\n\nTous.",
                      "regle_selection": None, "regle_egalite": None, "lien_vote": "https://vote.example/",
                      "votants": 40}],
        "phases": [{"edition": "test-2026", "phase": n, "debut": s, "fin": e} for n, s, e in phases],
        "projets": [
            {"edition": "test-2026", "id": pid, "titre": f"Projet {pid}", "description": "…",
             "montant": cost, "commune": "Lille", "porteur": "habitant", "recevable": True,
             "motif_irrecevabilite": None, "votes": votes.get(pid)}
            for pid, cost in (("A", 600), ("B", 500), ("C", 400))
        ] + [{"edition": "test-2026", "id": "D", "titre": "Projet D", "description": "…", "montant": 10,
              "commune": "Lille", "porteur": "habitant", "recevable": False,
              "motif_irrecevabilite": "Hors sujet.", "votes": None}],
        "suivi": suivi or [],
    }


def _assemble(tables: dict, today: date):
    return assemble(tables, {}, "test", today)


def test_phases_and_status_follow_the_day() -> None:
    (edition,), problems = _assemble(_tables(votes={}), date(2026, 3, 15))
    assert not problems
    assert [p.status(edition.today) for p in edition.phases] == [DONE, DONE, CURRENT, UPCOMING, UPCOMING]
    assert edition.status == "Vote en cours jusqu'au 15 mars 2026" and edition.vote_open
    assert not edition.results_out
    (edition,), _ = _assemble(_tables(votes={}), date(2026, 3, 16))
    assert edition.status.startswith("Prochaine étape : proclamation des résultats")


def test_winners_appear_on_the_day_of_the_results() -> None:
    (before,), problems = _assemble(_tables(), date(2026, 3, 19))
    assert before.selection is None
    assert [p.code for p in problems] == ["votes-before-results"]
    (edition,), problems = _assemble(_tables(), date(2026, 3, 20))
    assert not problems
    assert [p.id for p in edition.winners] == ["A", "C"]  # B (500) no longer fits in 400
    assert [p.id for p in edition.ranked] == ["A", "B", "C"]  # the ineligible D is not ranked
    assert edition.selection.remaining == 0


def test_missing_votes_after_the_results_refuse_the_edition() -> None:
    (edition,), problems = _assemble(_tables(votes={"A": 3, "B": 2}), date(2026, 3, 20))
    assert edition.selection is None
    assert [(p.severity, p.code) for p in problems] == [("error", "missing-votes")]


def test_follow_up_of_a_project_that_did_not_win_is_an_error() -> None:
    suivi = [{"edition": "test-2026", "projet": "B", "date": date(2026, 4, 2), "etape": "Commande",
              "avancement": 20, "commentaire": None},
             {"edition": "test-2026", "projet": "A", "date": date(2026, 4, 3), "etape": "Commande",
              "avancement": 30, "commentaire": None},
             {"edition": "test-2026", "projet": "A", "date": date(2026, 5, 3), "etape": "Livraison",
              "avancement": 100, "commentaire": None}]
    (edition,), problems = _assemble(_tables(suivi=suivi), date(2026, 4, 10))
    assert [(p.code, p.row, p.field) for p in problems] == [
        ("follow-up-of-non-winner", 2, "projet"), ("future-step", 4, "date")]
    winner = edition.winners[0]
    assert winner.id == "A" and winner.progress == 100 and len(winner.steps) == 2


def test_problems_of_the_tables_are_located() -> None:
    tables = _tables()
    tables["projets"][3]["motif_irrecevabilite"] = None
    tables["projets"][3]["votes"] = 4
    tables["phases"] = tables["phases"][:4]  # no réalisation
    editions, problems = _assemble(tables, date(2026, 3, 20))
    assert editions == []
    assert {(p.code, p.row) for p in problems} >= {
        ("missing-reason", 5), ("votes-for-ineligible", 5), ("missing-phase", 2)}


def test_markdown_of_the_rules_is_put_under_the_page_headings() -> None:
    html = str(markdown_under("# Règlement\n\n## Qui vote ?\n\nTous. <script>x</script>", 3))
    assert "<h3>Règlement</h3>" in html and "<h4>Qui vote ?</h4>" in html
    assert "<script>" not in html


# ---- Pabulib ----------------------------------------------------------------------------

def parse_pb(text: str) -> dict:
    """Read a .pb file as pabutools does: a section name, a header line, rows."""
    sections: dict[str, dict] = {}
    rows = csv.reader(text.splitlines(), delimiter=";")
    current = None
    for row in rows:
        if len(row) == 1 and row[0] in ("META", "PROJECTS", "VOTES"):
            current = {"header": next(rows), "rows": []}
            sections[row[0]] = current
        elif current is not None and row:
            assert len(row) == len(current["header"]), row
            current["rows"].append(dict(zip(current["header"], row, strict=True)))
    return sections


def test_pabulib_export_has_the_three_sections() -> None:
    (edition,), _ = _assemble(_tables(), date(2026, 3, 20))
    sections = parse_pb(pabulib(edition, "Département du Nord", sample=True))
    assert list(sections) == ["META", "PROJECTS", "VOTES"]
    meta = {r["key"]: r["value"] for r in sections["META"]["rows"]}
    for key in ("description", "country", "unit", "instance", "num_projects", "num_votes", "budget",
                "vote_type", "rule"):
        assert meta[key], key
    assert [meta[k] for k in ("num_projects", "num_votes", "budget", "rule")] == ["3", "40", "1000", "greedy"]
    assert meta["date_begin"] == "01.03.2026" and meta["date_end"] == "15.03.2026"
    assert "Individual ballots are not published" in meta["comment"]
    assert sections["PROJECTS"]["header"] == ["project_id", "cost", "votes", "name", "selected"]
    assert [(r["project_id"], r["selected"]) for r in sections["PROJECTS"]["rows"]] == [
        ("A", "1"), ("B", "0"), ("C", "1")]
    assert sections["VOTES"] == {"header": ["voter_id", "vote"], "rows": []}


# ---- a real build ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def budget_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        paths = make_paths(tmp_path_factory.mktemp("budgets"))
        paths.datasets.mkdir()
        copy_dataset(SLUG, paths.datasets)
        result = build(paths, PELICAN_CONF, strict=True)
    finally:
        mp.undo()
    assert not result.report.problems
    return paths.output


def _svg(html: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert match, "no inline SVG"
    return ET.fromstring(match.group())


@pytest.mark.slow
def test_edition_page_shows_rules_results_chart_and_follow_up(budget_site: Path) -> None:
    html = (budget_site / "budgets" / "ecologique-2027" / "index.html").read_text(encoding="utf-8")
    text = unescape(html)
    assert "votes décroissants, tant que le budget le permet" in text
    assert "le moins cher d'abord, puis l'ordre de dépôt" in text
    assert text.count("✓ Retenu") == 6 * 2  # results table and projects table
    assert "Non recevable</strong> : Projet d'intérêt privé" in text
    assert 'style="' not in html and "<script" not in html
    svg = _svg(html)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img"
    assert svg.find(f"{ns}title").text.startswith("Voix obtenues par projet")
    assert len(svg.findall(f".//{ns}rect")) == 12
    labels = [t.text for t in svg.iter(f"{ns}text") if t.get("class") == "chart__label"]
    assert sum(label.startswith("✓") for label in labels) == 6  # winners marked in text
    assert html.index("</svg>") < html.index('<table class="budget-results">')
    progress = re.findall(r'<label for="(avancement-[^"]+)">.*?<strong>(\d+)&nbsp;%</strong>\s*'
                          r'<progress id="\1" max="100" value="(\d+)">', html, re.DOTALL)
    assert len(progress) == 6 and all(text == value for _, text, value in progress)
    assert 'href="https://participation.lenord.fr/budget-participatif-ecologique-2027/vote"' in html


@pytest.mark.slow
def test_pabulib_file_is_published_beside_the_edition(budget_site: Path) -> None:
    sections = parse_pb((budget_site / "budgets" / "ecologique-2027" / "ecologique-2027.pb")
                        .read_text(encoding="utf-8"))
    meta = {r["key"]: r["value"] for r in sections["META"]["rows"]}
    assert meta["budget"] == "500000" and meta["num_projects"] == "12"
    winners = [r for r in sections["PROJECTS"]["rows"] if r["selected"] == "1"]
    assert sum(int(r["cost"]) for r in winners) == 500000
    assert "ECO-08" in {r["project_id"] for r in winners}  # passed over by dearer ones, still fits
    school = parse_pb((budget_site / "budgets" / "colleges-2027-0599901s" / "colleges-2027-0599901s.pb")
                      .read_text(encoding="utf-8"))
    meta = {r["key"]: r["value"] for r in school["META"]["rows"]}
    assert meta["subunit"] == "Collège des Remparts, Le Quesnoy (UAI 0599901S)"


@pytest.mark.slow
def test_a_collegien_finds_his_college_from_the_budgets_page(budget_site: Path) -> None:
    html = (budget_site / "budgets" / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr>\s*<td>Le Quesnoy</td>\s*<th scope="row">Collège des Remparts.*?</tr>', html,
                    re.DOTALL)
    assert row, "the collège is listed under its commune"
    assert 'href="/budgets/colleges-2027-0599901s/"' in row.group()
    assert "Résultats et projets du Collège des Remparts" in row.group()


@pytest.mark.slow
def test_a_follow_up_of_a_non_winner_refuses_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    folder = copy_dataset(SLUG, paths.datasets)
    with (folder / "suivi.csv").open("a", encoding="utf-8") as f:
        f.write("ecologique-2027,ECO-03,2026-07-01,Études,10,\n")  # ECO-03 did not win
    with pytest.raises(BuildRefused) as refused:
        build(paths, PELICAN_CONF)
    problem = next(p for p in refused.value.report.errors if p.code == "follow-up-of-non-winner")
    assert (problem.file, problem.row, problem.field) == (f"datasets/{SLUG}/suivi.csv", 22, "projet")
    assert not paths.output.exists()


@pytest.mark.slow
def test_the_dataset_page_links_to_the_computed_results(budget_site: Path) -> None:
    html = (budget_site / "jeux-de-donnees" / SLUG / "index.html").read_text(encoding="utf-8")
    section = html[html.index('id="budgets-sur-le-site"'):]
    assert 'href="/budgets/ecologique-2027/"' in section
    assert 'href="/budgets/ecologique-2027/ecologique-2027.pb"' in section
    assert "6 lauréats" in section
