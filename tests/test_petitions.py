"""Droit d'interpellation: the one-year window, statuses, the list order, the feed and the
pages of a real build; and the moderated contributions page with the usage charter."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.config import load_settings
from pipeline.errors import BuildRefused
from pipeline.extensions.petitions import atom_feed
from pipeline.participation.petition_model import assemble, ordered
from pipeline.participation.petition_rules import (
    CLOSE,
    INSCRITE,
    OUVERTE,
    REPONDUE,
    SEUIL_ATTEINT,
    Count,
    closing_date,
    days_left,
    status,
    threshold_reached_on,
)
from tests.conftest import PELICAN_CONF, ROOT, copy_dataset, make_paths

ATOM = "{http://www.w3.org/2005/Atom}"
BUILD_EPOCH = "1795348800"  # 22 November 2026, 12:00 UTC
FILED = date(2026, 3, 2)


# ---- the window and the statuses -------------------------------------------------------

def test_closing_date_is_one_year_after_filing() -> None:
    assert closing_date(FILED) == date(2027, 3, 2)
    assert closing_date(date(2026, 12, 31)) == date(2027, 12, 31)


def test_filed_on_29_february_closes_on_28_february() -> None:
    assert closing_date(date(2028, 2, 29)) == date(2029, 2, 28)
    assert closing_date(date(2027, 2, 28)) == date(2028, 2, 28)  # not the 29th of a leap year


def test_open_on_the_closing_day_itself_closed_the_day_after() -> None:
    assert status(date(2027, 3, 2), FILED, 4999, 5000) == OUVERTE
    assert days_left(date(2027, 3, 2), FILED) == 1
    assert status(date(2027, 3, 3), FILED, 4999, 5000) == CLOSE
    assert days_left(date(2027, 3, 3), FILED) == 0
    assert status(FILED, FILED, 0, 5000) == OUVERTE  # the filing day counts too
    assert days_left(FILED, FILED) == 366


def test_threshold_reached_exactly() -> None:
    assert status(date(2026, 6, 1), FILED, 5000, 5000) == SEUIL_ATTEINT
    assert status(date(2026, 6, 1), FILED, 4999, 5000) == OUVERTE
    # Reached is reached, even after the window:
    assert status(date(2027, 6, 1), FILED, 5000, 5000) == SEUIL_ATTEINT


def test_threshold_day_is_the_first_count_reaching_it_within_the_window() -> None:
    counts = [Count(date(2026, 5, 1), 4000), Count(date(2027, 3, 2), 5000), Count(date(2027, 3, 3), 6000)]
    assert threshold_reached_on(counts, 5000, closing_date(FILED)) == date(2027, 3, 2)
    assert threshold_reached_on(counts, 5001, closing_date(FILED)) is None  # 6000 came too late


def test_agenda_and_answer_come_before_the_counts() -> None:
    today = date(2026, 12, 1)
    assert status(today, FILED, 5200, 5000, agenda_date=date(2027, 1, 15)) == INSCRITE
    assert status(today, FILED, 5200, 5000, date(2026, 11, 9), answered=date(2026, 11, 30)) == REPONDUE
    # An answer dated after today is not out yet:
    assert status(today, FILED, 5200, 5000, date(2026, 11, 9), answered=date(2026, 12, 2)) == INSCRITE


# ---- petitions assembled from their tables -------------------------------------------------

def _petition(pid: str, filed: date, **extra: object) -> dict:
    return {"id": pid, "titre": f"Interpellation {pid}", "texte": "Nous demandons…",
            "depositaire": "un collectif d'habitants de Caudry", "date_depot": filed, "seuil": 1000,
            "lien_signature": f"https://signer.example/{pid}", "date_inscription_ordre_du_jour": None,
            "reponse": None, "date_reponse": None, **extra}


def _signatures(pid: str, *counts: tuple[date, int]) -> list[dict]:
    return [{"petition": pid, "date": d, "nombre": n} for d, n in counts]


def test_counts_outside_the_window_or_in_the_future_are_ignored_and_reported() -> None:
    tables = {
        "petitions": [_petition("a", FILED)],
        "signatures": _signatures("a", (date(2026, 3, 1), 10), (date(2026, 4, 1), 900),
                                  (date(2026, 5, 1), 800), (date(2027, 3, 3), 1500),
                                  (date(2026, 12, 24), 1200)),
    }
    (petition,), problems = assemble(tables, {"signatures": "datasets/x/signatures.csv"}, "x",
                                     date(2026, 12, 1))
    assert [(p.code, p.row) for p in problems] == [
        ("count-outside-window", 2), ("count-decreases", 4), ("future-count", 6), ("count-outside-window", 5)]
    assert petition.signatures == 800 and petition.status == OUVERTE
    assert petition.counted_on == date(2026, 5, 1)


def test_answer_without_date_and_agenda_below_threshold_are_reported() -> None:
    petition = _petition("a", FILED, reponse="Oui.", date_inscription_ordre_du_jour=date(2026, 9, 1))
    tables = {"petitions": [petition],
              "signatures": _signatures("a", (date(2026, 4, 1), 10))}
    _, problems = assemble(tables, {}, "x", date(2026, 12, 1))
    assert [(p.severity, p.code) for p in problems] == [
        ("error", "answer-without-date"), ("warning", "agenda-below-threshold")]


def test_open_petitions_nearest_their_threshold_come_first() -> None:
    today = date(2026, 12, 1)
    tables = {
        "petitions": [_petition("loin", FILED), _petition("proche", FILED), _petition("atteint", FILED),
                      _petition("close", date(2025, 1, 10))],
        "signatures": _signatures("loin", (date(2026, 4, 1), 100))
        + _signatures("proche", (date(2026, 4, 1), 950))
        + _signatures("atteint", (date(2026, 4, 1), 1000))
        + _signatures("close", (date(2025, 6, 1), 300)),
    }
    petitions, _ = assemble(tables, {}, "x", today)
    groups = ordered(petitions)
    assert [(code, [p.id for p in members]) for code, _, members in groups] == [
        (OUVERTE, ["proche", "loin"]), (SEUIL_ATTEINT, ["atteint"]), (CLOSE, ["close"])]


def test_feed_has_one_entry_per_event_newest_first() -> None:
    today = date(2026, 12, 1)
    tables = {
        "petitions": [_petition("a", date(2026, 1, 5), date_inscription_ordre_du_jour=date(2026, 10, 12),
                                reponse="Voici.", date_reponse=date(2026, 11, 2)),
                      _petition("b", date(2025, 6, 1))],
        "signatures": _signatures("a", (date(2026, 3, 1), 1200)) + _signatures("b", (date(2025, 7, 1), 20)),
    }
    petitions, problems = assemble(tables, {}, "x", today)
    assert not problems
    settings = load_settings(ROOT / "site.yaml")
    xml = atom_feed(settings, petitions, datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert xml == atom_feed(settings, petitions, datetime(2026, 12, 1, 12, tzinfo=UTC))  # deterministic
    root = ET.fromstring(xml)
    entries = root.findall(f"{ATOM}entry")
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(ids) == len(set(ids)) == 6
    assert [i.rsplit("/", 1)[1] for i in ids] == ["reponse", "seance", "cloture", "seuil", "depot", "depot"]
    assert root.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text
    assert entries[0].find(f"{ATOM}link").get("href") == "https://donnees.lenord.fr/interpellations/a/"


# ---- a real build ---------------------------------------------------------------------

def _words(page: Path) -> str:
    """The text of a page as read: tags removed, entities decoded, spaces collapsed."""
    text = unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
    return " ".join(text.split())


@pytest.fixture(scope="module")
def participation_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        paths = make_paths(tmp_path_factory.mktemp("petitions"))
        paths.datasets.mkdir()
        copy_dataset("interpellations-citoyennes", paths.datasets)
        copy_dataset("contributions-moderees", paths.datasets)
        result = build(paths, PELICAN_CONF, strict=True)
    finally:
        mp.undo()
    assert not result.report.problems
    return paths.output


@pytest.mark.slow
def test_list_shows_progress_in_text_and_open_ones_nearest_first(participation_site: Path) -> None:
    html = (participation_site / "interpellations" / "index.html").read_text(encoding="utf-8")
    text = unescape(html)
    labels = ("Ouverte", "Seuil atteint", "Inscrite à l'ordre du jour", "Répondue", "Close sans seuil")
    for status_label in labels:
        assert f">{status_label}</span>" in text, status_label
    progress = re.findall(r'<progress id="signatures-([^"]+)" max="100" value="(\d+)">\2&nbsp;%</progress>',
                          html)
    assert len(progress) == 6
    assert text.index("Une piste cyclable sûre") < text.index("Plus de places en accueil de jour")
    assert "4\u202f385</strong> signatures sur les 5\u202f000 du seuil" in text
    assert "il en manque 615" in text
    assert 'href="/feeds/interpellations.atom.xml"' in html
    assert 'style="' not in html and "<script" not in html


@pytest.mark.slow
def test_petition_page_gives_deadline_answer_and_counts(participation_site: Path) -> None:
    text = _words(participation_site / "interpellations" / "pmi-fourmies-samedi" / "index.html")
    assert "Réponse du Département" in text and "deux samedis matin par mois" in text
    assert "Signature close depuis le 10 avril 2026" in text
    assert "Signer « " not in text  # no link to sign a closed petition
    page = participation_site / "interpellations" / "piste-cyclable-caudry-le-cateau" / "index.html"
    assert "À signer jusqu'au 2 mars 2027 inclus : encore 101 jours" in _words(page)
    assert ('href="https://participation.lenord.fr/interpellations/piste-cyclable-caudry-le-cateau"'
            in page.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_feed_parses_and_links_to_the_pages(participation_site: Path) -> None:
    root = ET.parse(participation_site / "feeds" / "interpellations.atom.xml").getroot()
    entries = root.findall(f"{ATOM}entry")
    assert entries and root.find(f"{ATOM}title").text.startswith("Interpellations citoyennes")
    for entry in entries:
        href = entry.find(f"{ATOM}link").get("href")
        page = href.removeprefix("https://donnees.lenord.fr/")
        assert (participation_site / page / "index.html").is_file(), href
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)


@pytest.mark.slow
def test_contributions_page_counts_per_theme_with_chart_and_table(participation_site: Path) -> None:
    html = (participation_site / "contributions" / "index.html").read_text(encoding="utf-8")
    svg = ET.fromstring(re.search(r"<svg\b.*?</svg>", html, re.DOTALL).group())
    assert svg.get("role") == "img" and svg.find("{http://www.w3.org/2000/svg}title") is not None
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}rect")) == 3
    rows = re.findall(r'<tr><th scope="row">(Le jeune[^<]+)</th><td class="num">(\d+)</td>', html)
    assert [int(n) for _, n in rows] == [21, 22, 18]
    assert "Propos injurieux envers une personne nommément désignée." in unescape(html)
    assert 'href="/charte/"' in html and 'href="/jeux-de-donnees/contributions-moderees/"' in html
    charter = (participation_site / "charte" / "index.html").read_text(encoding="utf-8")
    assert "modération a posteriori" in charter.lower() and 'href="/contributions/"' in charter


@pytest.mark.slow
def test_the_text_of_a_removed_contribution_refuses_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    folder = copy_dataset("contributions-moderees", paths.datasets)
    with (folder / "contributions.csv").open("a", encoding="utf-8") as f:
        f.write("62,le jeune dans sa scolarité,2026-11-13,Texte injurieux,habitant,refusée,"
                "Propos injurieux.\n")
    with pytest.raises(BuildRefused) as refused:
        build(paths, PELICAN_CONF)
    problem = next(p for p in refused.value.report.errors if p.code == "removed-text-published")
    assert (problem.row, problem.field) == (63, "texte")
