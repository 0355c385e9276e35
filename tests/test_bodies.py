"""The participatory bodies: a page per body with members, meetings, documents and calls.

Built for real with the build date fixed to 2026-11-22 12:00 UTC; the edges of "current
member" and "open call" are the build date itself (a last day is included).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import BuildRefused
from tests.conftest import make_paths
from tests.test_agenda import (
    SAMPLE_PDF,
    browser_findings,
    build_at,
    event,
    event_links,
    hrefs,
    write_agenda,
    write_bodies,
)

CDJ = {"id": "cdj", "nom": "Conseil départemental des jeunes", "type": "conseil des jeunes",
       "description": "Ouvert à **tous les jeunes** de 16 à 25 ans, sans élection ni mandat.",
       "reglement": "### Qui peut participer\n\nToute personne de 16 à 25 ans."}
CCC = {"id": "ccc-armentieres", "nom": "Conseil cantonal de concertation d'Armentières",
       "type": "conseil cantonal de concertation", "description": "Le conseil du canton.",
       "canton": "5904"}
MEMBERS = [
    {"instance": "cdj", "nom": "Ana A.", "role": "participante", "college": "jeune", "debut": "2026-09-26"},
    {"instance": "cdj", "nom": "Fanny Finit-Aujourdhui", "role": "participante", "college": "jeune",
     "debut": "2026-01-01", "fin": "2026-11-22"},
    {"instance": "cdj", "nom": "Hector Fini-Hier", "role": "participant", "college": "jeune",
     "debut": "2026-01-01", "fin": "2026-11-21"},
    {"instance": "cdj", "nom": "Denis Arrive-Demain", "role": "participant", "college": "jeune",
     "debut": "2026-11-23"},
    {"instance": "cdj", "nom": "Jade Arrive-Aujourdhui", "role": "participante", "college": "jeune",
     "debut": "2026-11-22"},
    {"instance": "cdj", "nom": "Élu Référent", "role": "élu référent", "college": "élu",
     "debut": "2026-07-01"},
    {"instance": "ccc-armentieres", "nom": "Hab Itant", "role": "membre", "college": "habitant",
     "debut": "2026-01-01"},
]
DOCUMENTS = [
    {"instance": "cdj", "titre": "Livret d'accueil", "type": "livret", "date": "2026-09-15",
     "fichier": "documents/livret.pdf"},
    {"instance": "cdj", "titre": "Compte rendu de lancement", "type": "compte rendu", "date": "2026-09-26",
     "fichier": "documents/cr.pdf"},
]
CALLS = [
    {"instance": "cdj", "id": "ouvert", "theme": "mobilité", "titre": "Appel ouvert jusqu'à aujourd'hui",
     "debut": "2026-11-01", "fin": "2026-11-22", "lien_contribution": "https://contribuer.example.org/ouvert"},
    {"instance": "cdj", "id": "clos", "theme": "logement", "titre": "Appel clos hier",
     "debut": "2026-10-01", "fin": "2026-11-21", "lien_contribution": "https://contribuer.example.org/clos",
     "resultats": "**412 contributions** reçues.", "livret": "documents/livret-contributions.pdf"},
    {"instance": "ccc-armentieres", "id": "a-venir", "theme": "collèges", "titre": "Appel qui ouvre demain",
     "debut": "2026-11-23", "fin": "2027-01-10"},
]
PDF = SAMPLE_PDF.read_bytes()
FILES = {"documents/livret.pdf": PDF, "documents/cr.pdf": PDF[:20000] + b"\n%%EOF\n",
         "documents/livret-contributions.pdf": PDF}
EVENTS = [
    event("cdj-passe", "2026-10-14T17:30:00", "2026-10-14T19:30:00", instance="cdj", type="atelier",
          compte_rendu="cr.pdf"),
    event("cdj-a-venir", "2026-12-05T14:00:00", "2026-12-05T17:00:00", instance="cdj", type="conseil"),
    event("cdj-annule", "2026-12-12T14:00:00", "2026-12-12T17:00:00", instance="cdj", statut="annulé",
          sequence=1),
    event("ccc-seance", "2026-11-26T18:30:00", "2026-11-26T20:30:00", instance="ccc-armentieres",
          type="conseil"),
    event("sans-instance", "2026-11-30T18:30:00", "2026-11-30T20:30:00"),
]


@pytest.fixture(scope="module")
def bodies_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    paths = make_paths(tmp_path_factory.mktemp("bodies-site"))
    write_bodies(paths.datasets, [CDJ, CCC], MEMBERS, DOCUMENTS, CALLS, files=FILES)
    write_agenda(paths.datasets, EVENTS, files={"cr.pdf": PDF})
    result = build_at(paths)
    assert not result.report.problems, result.report.render_text()
    yield paths.output


def page(output: Path, body: str) -> str:
    """A body's page, entities decoded and white space collapsed, to search for text."""
    return read(output / "instances" / body / "index.html")


def read(path: Path) -> str:
    return re.sub(r"\s+", " ", html.unescape(path.read_text(encoding="utf-8")))


def section(html: str, anchor: str) -> str:
    return html.split(f'<section id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_the_index_lists_every_body(bodies_site: Path) -> None:
    html = read(bodies_site / "instances" / "index.html")
    assert "/instances/cdj/" in hrefs(html) and "/instances/ccc-armentieres/" in hrefs(html)
    assert "Canton d'Armentières" in html and "Tout le département" in html
    assert "/agenda/cdj-a-venir/" in hrefs(html)  # the next meeting
    assert "1 appel à contributions ouvert" in html
    assert 'href="/instances/"' in (bodies_site / "index.html").read_text(encoding="utf-8")  # navigation


def test_body_page_has_its_description_and_rules(bodies_site: Path) -> None:
    html = page(bodies_site, "cdj")
    assert "<h1>Conseil départemental des jeunes</h1>" in html
    assert "<strong>tous les jeunes</strong>" in section(html, "presentation")
    rules = section(html, "reglement")
    assert "<h3>Qui peut participer</h3>" in rules


def test_members_are_current_or_not_by_their_dates(bodies_site: Path) -> None:
    composition = section(page(bodies_site, "cdj"), "composition")
    current, former = composition.split("Anciens membres", 1)
    for name in ("Ana A.", "Fanny Finit-Aujourdhui", "Jade Arrive-Aujourdhui", "Élu Référent"):
        assert name in current and name not in former, name
    for name in ("Hector Fini-Hier", "Denis Arrive-Demain"):
        assert name in former and name not in current, name
    assert "4 membres au 22 novembre 2026 : 3 au titre du collège « jeune », 1 au titre du collège « élu »" \
        in composition
    assert '<th scope="col">Collège</th>' in composition and "<caption" in composition


def test_meetings_come_from_the_agenda(bodies_site: Path) -> None:
    meetings = section(page(bodies_site, "cdj"), "reunions")
    upcoming, past = meetings.split("<h3>Passées</h3>", 1)
    assert event_links(upcoming) == {"cdj-a-venir", "cdj-annule"}
    assert event_links(past) == {"cdj-passe"}
    assert "Annulé" in upcoming
    assert "/agenda/cdj-passe/cr.pdf" in hrefs(past)  # the minutes of the past meeting
    assert "Ajouter à mon agenda" in meetings and "/agenda/instances/cdj.ics" in hrefs(meetings)
    ccc = section(page(bodies_site, "ccc-armentieres"), "reunions")
    assert event_links(ccc) == {"ccc-seance"}
    html = page(bodies_site, "cdj")
    assert '<link rel="alternate" type="text/calendar" href="/agenda/instances/cdj.ics"' in html


def test_documents_are_published_with_their_sizes(bodies_site: Path) -> None:
    documents = section(page(bodies_site, "cdj"), "documents")
    for name, content in (("livret.pdf", PDF), ("cr.pdf", FILES["documents/cr.pdf"])):
        published = bodies_site / "instances" / "cdj" / "documents" / name
        assert published.read_bytes() == content
        assert f"/instances/cdj/documents/{name}" in hrefs(documents)
        size = f"{len(content) / 1000:.1f} ko".replace(".", ",")
        assert f"PDF, {size}" in documents, size
    # Latest first.
    assert documents.index("Compte rendu de lancement") < documents.index("Livret d'accueil")


def test_calls_for_contributions_with_their_status_and_results(bodies_site: Path) -> None:
    calls = section(page(bodies_site, "cdj"), "appels")
    open_call, closed_call = calls.split('id="appel-clos"', 1)
    assert "Ouvert" in open_call and 'href="https://contribuer.example.org/ouvert"' in open_call
    assert "Clos" in closed_call and "contribuer.example.org/clos" not in closed_call
    assert "<strong>412 contributions</strong>" in closed_call
    assert "/instances/cdj/documents/livret-contributions.pdf" in hrefs(closed_call)
    upcoming = section(page(bodies_site, "ccc-armentieres"), "appels")
    assert "À venir" in upcoming and "à partir du 23 novembre 2026" in upcoming


def test_the_agenda_names_the_bodies(bodies_site: Path) -> None:
    event_page = (bodies_site / "agenda" / "cdj-a-venir" / "index.html").read_text(encoding="utf-8")
    assert "/instances/cdj/" in hrefs(event_page)
    body_agenda = (bodies_site / "agenda" / "instances" / "cdj" / "index.html").read_text("utf-8")
    assert "Agenda : Conseil départemental des jeunes" in body_agenda


def test_bodies_without_an_agenda(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_bodies(paths.datasets, [CDJ])
    result = build_at(paths)
    assert not result.report.problems
    html = page(paths.output, "cdj")
    assert "Aucune réunion n'est annoncée" in html and "Aucun membre" in html
    assert not any(h.startswith("/agenda/") for h in hrefs(html))
    assert not (paths.output / "agenda").exists()


def test_bad_body_data_is_refused_with_its_row_and_column(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_bodies(
        paths.datasets, [CDJ, {**CCC, "canton": "5999"}],
        members=[{**MEMBERS[0], "instance": "fantome"},
                 {**MEMBERS[1], "debut": "2026-12-01", "fin": "2026-11-01"}],
        documents=[{**DOCUMENTS[0], "fichier": "documents/absent.pdf"},
                   {**DOCUMENTS[1], "fichier": "documents/faux.pdf"}],
        calls=[{**CALLS[0], "fin": "2026-10-01"}, {**CALLS[2], "instance": "inconnue"}],
        files={"documents/faux.pdf": b"<html>not a PDF</html>"},
    )
    with pytest.raises(BuildRefused) as refused:
        build_at(paths)
    found = {(p.code, p.file.rsplit("/", 1)[1], p.row, p.field) for p in refused.value.report.errors}
    assert found == {
        ("unknown-canton", "instances.csv", 3, "canton"),
        ("unknown-body", "membres.csv", 2, "instance"),
        ("end-before-start", "membres.csv", 3, "fin"),
        ("missing-file", "documents.csv", 2, "fichier"),
        ("attachment-format", "documents.csv", 3, "fichier"),
        ("end-before-start", "appels_contributions.csv", 2, "fin"),
        ("unknown-body", "appels_contributions.csv", 3, "instance"),
    }


def test_results_before_a_call_closes_are_a_warning(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_bodies(paths.datasets, [CDJ], calls=[{**CALLS[0], "resultats": "Trop tôt."}])
    result = build_at(paths)
    assert [(p.code, p.row) for p in result.report.warnings] == [("results-too-early", 2)]


def test_sample_bodies_are_consistent_with_the_sample_agenda() -> None:
    """Every body of the sample has members, meetings in the agenda and documents."""
    import csv

    from tests.conftest import ROOT

    folder = ROOT / "datasets" / "instances-participatives"
    bodies = {r["id"] for r in csv.DictReader((folder / "instances.csv").open(encoding="utf-8"))}
    assert len(bodies) == 2
    events = list(csv.DictReader((ROOT / "datasets" / "agenda-participation" / "evenements.csv")
                                 .open(encoding="utf-8")))
    members = list(csv.DictReader((folder / "membres.csv").open(encoding="utf-8")))
    documents = list(csv.DictReader((folder / "documents.csv").open(encoding="utf-8")))
    calls = list(csv.DictReader((folder / "appels_contributions.csv").open(encoding="utf-8")))
    assert len(calls) == 2
    for body in bodies:
        assert any(m["instance"] == body for m in members)
        assert any(e["instance"] == body for e in events)
        assert any(d["instance"] == body for d in documents)
    assert {e["instance"] for e in events if e["instance"]} <= bodies
    for row in documents + [c for c in calls if c["livret"]]:
        path = folder / (row.get("fichier") or row["livret"])
        assert path.read_bytes().startswith(b"%PDF-"), path


@pytest.mark.slow
def test_sample_body_pages_in_the_full_site(sample_output: Path) -> None:
    for body in ("conseil-departemental-des-jeunes", "ccc-armentieres"):
        html = page(sample_output, body)
        assert event_links(section(html, "reunions")), body
        assert re.search(r"PDF, \d+,\d ko", section(html, "documents")), body


@pytest.mark.slow
@pytest.mark.browser
def test_body_pages_in_a_browser(bodies_site: Path, tmp_path: Path, browser) -> None:
    paths = ["/instances/", "/instances/cdj/", "/instances/ccc-armentieres/", "/agenda/cdj-a-venir/"]
    assert browser_findings(bodies_site, paths, tmp_path, browser) == []
