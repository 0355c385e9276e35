"""Project histories: status at the edges of phases, budget chart, feeds, and a built site.

The full builds use the sample dataset datasets/projets-departementaux alone, on a fixed build
date (SOURCE_DATE_EPOCH = 1 December 2026), so the expected statuses do not move with the
repository's commits.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from pipeline.build import BuildResult, build, validate
from pipeline.config import BuildPaths, Canton, SiteSettings
from pipeline.errors import BuildRefused
from pipeline.extensions.projects import build_day
from pipeline.pelican_plugin.filters import JINJA_FILTERS
from pipeline.projects.budget import axis_scale, chart_svg, summarize
from pipeline.projects.feeds import project_feed
from pipeline.projects.history import events
from pipeline.projects.model import BudgetLine, Consultation, Deliberation, Phase, Project
from pipeline.projects.pages import build_pages
from pipeline.projects.status import A_VENIR, EN_COURS, SUSPENDU, TERMINE, progress
from tests.conftest import PELICAN_CONF, ROOT, copy_dataset, make_paths

ATOM = "{http://www.w3.org/2005/Atom}"
SLUG = "projets-departementaux"
TODAY = date(2026, 12, 1)
BASE = "https://donnees.lenord.fr"


def phase(ordre: int, debut: date, fin: date | None, name: str = "travaux") -> Phase:
    return Phase(ordre, name, debut, fin)


def project(**changes) -> Project:
    fields = dict(id="rd-test", titre="Projet d'essai", type="voirie", description="", lieu="Caudry",
                  cantons=(Canton("5911", "Caudry"),), communes=("59139",), latitude=None, longitude=None,
                  budget_initial=1_000_000.0, maitre_ouvrage="Département du Nord", titulaires=(),
                  suspendu=False, motif_suspension="", dataset_slug=SLUG)
    fields.update(changes)
    return Project(**fields)


# --------------------------------------------------------------------------------------
# Status and current phase at the edges
# --------------------------------------------------------------------------------------

def test_a_phase_starting_today_is_current() -> None:
    phases = [phase(1, TODAY - timedelta(days=30), TODAY - timedelta(days=1), "études"),
              phase(2, TODAY, TODAY + timedelta(days=30))]
    state = progress(phases, TODAY)
    assert state.status == EN_COURS
    assert state.current is phases[1]
    assert state.phase_state(phases[0]) == "passée" and state.phase_state(phases[1]) == "en cours"


def test_first_phase_starting_tomorrow_is_upcoming() -> None:
    phases = [phase(1, TODAY + timedelta(days=1), TODAY + timedelta(days=60))]
    state = progress(phases, TODAY)
    assert state.status == A_VENIR
    assert state.current is None and state.next is phases[0]


def test_last_phase_ended_yesterday_means_finished() -> None:
    yesterday = TODAY - timedelta(days=1)
    phases = [phase(1, date(2025, 1, 6), date(2025, 6, 30)), phase(2, date(2025, 9, 1), yesterday)]
    state = progress(phases, TODAY)
    assert state.status == TERMINE
    assert state.current is None and state.next is None
    assert state.phase_state(phases[1]) == "passée"


def test_last_phase_ending_today_is_still_current() -> None:
    phases = [phase(1, date(2025, 1, 6), TODAY)]
    state = progress(phases, TODAY)
    assert state.status == EN_COURS and state.current is phases[0]


def test_a_phase_without_end_date_never_ends() -> None:
    phases = [phase(1, date(2020, 1, 1), date(2020, 12, 31)), phase(2, date(2021, 1, 4), None)]
    for day in (date(2021, 1, 4), TODAY, date(2040, 1, 1)):
        state = progress(phases, day)
        assert state.status == EN_COURS and state.current is phases[1], day
    assert progress(phases, date(2021, 1, 3)).current is None  # the gap before it


def test_between_two_phases_the_project_is_in_progress_without_current_phase() -> None:
    phases = [phase(1, date(2025, 11, 3), date(2026, 9, 30), "études"),
              phase(2, date(2027, 1, 11), date(2027, 3, 26), "consultation des entreprises")]
    for day in (date(2026, 10, 1), TODAY, date(2027, 1, 10)):
        state = progress(phases, day)
        assert state.status == EN_COURS and state.current is None and state.next is phases[1], day
        assert state.between_phases
    assert progress(phases, date(2026, 9, 30)).current is phases[0]
    assert progress(phases, date(2027, 1, 11)).current is phases[1]


def test_overlapping_phases_the_latest_started_is_current() -> None:
    land = phase(3, date(2025, 11, 3), None, "acquisitions foncières")
    works = phase(4, date(2026, 5, 4), date(2027, 10, 29))
    assert progress([land, works], TODAY).current is works
    assert progress([land, works], date(2026, 1, 1)).current is land


def test_suspended_whatever_the_dates_and_no_phases_is_upcoming() -> None:
    phases = [phase(1, date(2025, 1, 1), None)]
    state = progress(phases, TODAY, suspended=True)
    assert state.status == SUSPENDU and state.current is None
    assert progress([], TODAY).status == A_VENIR


def test_build_day_is_the_day_in_the_departement() -> None:
    assert build_day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert build_day(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert build_day(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)


# --------------------------------------------------------------------------------------
# History, budget, chart and feed, on one project
# --------------------------------------------------------------------------------------

def sample_project() -> Project:
    return project(
        phases=(phase(1, date(2025, 1, 6), date(2025, 6, 30), "études"), phase(2, date(2026, 9, 7), None)),
        budget=(BudgetLine(date(2026, 6, 25), "révision", None, 1_250_000.0, "Aléa"),
                BudgetLine(date(2025, 12, 31), "engagé", 2025, 200_000.0),
                BudgetLine(date(2025, 12, 31), "payé", 2025, 150_000.0),
                BudgetLine(date(2026, 10, 31), "engagé", 2026, 900_000.0),
                BudgetLine(date(2026, 10, 31), "payé", 2026, 300_000.0)),
        deliberations=(Deliberation("DCP-2024-0117", date(2024, 2, 12), "Lancement"),),
        consultations=(
            Consultation("reunion", "réunion publique", date(2025, 10, 2), None, 146, 58),
            Consultation("en-ligne", "en ligne", date(2025, 9, 15), date(2025, 11, 14), 412, 233),
            Consultation("atelier-futur", "atelier", date(2027, 1, 14), None, None, None),
        ),
    )


def test_history_is_the_dated_entries_up_to_today_in_date_order() -> None:
    found = events(sample_project(), TODAY)
    assert [e.date for e in found] == sorted(e.date for e in found)
    assert all(e.date <= TODAY for e in found)
    keys = [e.key for e in found]
    assert keys[0] == "deliberation-dcp-2024-0117"
    assert "phase-1-debut" in keys and "phase-1-fin" in keys and "phase-2-debut" in keys
    assert "phase-2-fin" not in keys  # open-ended
    assert "consultation-reunion" in keys  # a one-day meeting: one event
    assert {"consultation-en-ligne-ouverture", "consultation-en-ligne-cloture"} <= set(keys)
    assert not any("atelier-futur" in k for k in keys)  # not yet held
    revision = next(e for e in found if e.kind == "budget")
    assert revision.title == "Budget révisé : 1\u202f250\u202f000\u00a0€ (+250\u202f000\u00a0€)"
    meeting = next(e for e in found if e.key == "consultation-reunion")
    assert meeting.text == "146 participants, 58 contributions."


def test_budget_summary_and_chart() -> None:
    summary = summarize(sample_project())
    assert summary.initial == 1_000_000 and summary.current == 1_250_000
    assert [(y.annee, y.engage, y.paye, y.paye_cumule) for y in summary.years] == [
        (2025, 200_000, 150_000, 150_000), (2026, 900_000, 300_000, 450_000)]
    assert summary.paid_percent == 36
    svg = ET.fromstring(str(chart_svg(summary, "budget-rd-test", "Projet d'essai")))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("role") == "img"
    assert svg[0].tag.endswith("title") and "Projet d'essai" in svg[0].text
    assert svg.get("aria-labelledby").split()[0] == svg[0].get("id")
    bars = [e for e in svg.iter() if "budget-chart__bar" in (e.get("class") or "").split()]
    assert len(bars) == 4 and all(b.get("fill") for b in bars)
    assert not any(e.get("style") for e in svg.iter())
    assert str(chart_svg(summarize(project()), "x", "y")) == ""  # no amounts, no chart


@pytest.mark.parametrize(("maximum", "top", "step"), [
    (3_150_000, 4_000_000, 1_000_000), (120_000, 150_000, 50_000), (45_000, 60_000, 20_000), (0, 1, 1)])
def test_chart_axis_is_round(maximum: float, top: float, step: float) -> None:
    assert axis_scale(maximum) == (top, step)


def test_project_feed_is_atom_newest_first_and_never_dated_by_the_clock() -> None:
    settings = SiteSettings(name="Données ouvertes du Nord", owner="Département du Nord", base_url=BASE)
    item = sample_project()
    feed = ET.fromstring(project_feed(item, events(item, TODAY), settings, datetime(2026, 1, 1, tzinfo=UTC)))
    updated = [e.find(f"{ATOM}updated").text for e in feed.findall(f"{ATOM}entry")]
    assert updated == sorted(updated, reverse=True)
    assert feed.find(f"{ATOM}updated").text == updated[0]
    empty = ET.fromstring(project_feed(item, [], settings, datetime(2026, 1, 1, tzinfo=UTC)))
    assert empty.find(f"{ATOM}updated").text == "2026-01-01T00:00:00+00:00"
    assert empty.findall(f"{ATOM}entry") == []


# --------------------------------------------------------------------------------------
# Built sites
# --------------------------------------------------------------------------------------

def _build(tmp: Path, edit: Callable[[Path], None] | None = None) -> tuple[BuildPaths, BuildResult]:
    paths = make_paths(tmp)
    paths.datasets.mkdir(parents=True)
    folder = copy_dataset(SLUG, paths.datasets)
    if edit is not None:
        edit(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2026, 12, 1, 10, tzinfo=UTC).timestamp())))
        return paths, build(paths, PELICAN_CONF, strict=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    paths, result = _build(tmp_path_factory.mktemp("projects"))
    return paths.output, result


def _html(output: Path, url: str) -> str:
    return (output / url / "index.html").read_text(encoding="utf-8")


class _Tags(HTMLParser):
    """Start and end tags in document order, with attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag, {}))


def _tags(html: str) -> list[tuple[str, str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.events


def _listed(html: str) -> set[str]:
    """Ids of the projects in the page's project list."""
    found = set()
    for kind, tag, attrs in _tags(html):
        href = attrs.get("href") or ""
        if kind == "start" and tag == "a" and href.startswith("/projets/") and href.count("/") == 3:
            found.add(href.split("/")[2])
    return found


@pytest.mark.slow
def test_the_pages_are_built(site) -> None:
    output, result = site
    index = result.site.extras["projects"]
    ids = {v.project.id for v in index.projects}
    assert len(ids) == 14
    assert len({c.code for v in index.projects for c in v.project.cantons}) >= 6
    assert _listed(_html(output, "projets")) >= ids
    for project_id in ids:
        assert (output / "projets" / project_id / "index.html").is_file()
    cantons = result.site.settings.territory.cantons
    assert len(cantons) == 41
    listing = _html(output, "cantons")
    for canton in cantons:
        assert (output / "cantons" / canton.slug / "index.html").is_file(), canton.name
        assert f'href="/cantons/{canton.slug}/"' in listing
    kinds = {p.kind for p in result.site.pages}
    assert {"projects-index", "projects-facet", "project", "cantons-index", "canton"} <= kinds


@pytest.mark.slow
def test_facet_and_canton_pages_list_the_right_projects(site) -> None:
    output, _ = site
    expected = {
        "projets/statut/suspendu": {"deviation-flines"},
        "projets/statut/termine": {"college-wormhout-demi-pension", "berges-scarpe-marchiennes",
                                   "rd916-bergues-wormhout"},
        "projets/statut/a-venir": {"covoiturage-pevele", "college-denain-gymnase"},
        "projets/type/voirie": {"rd643-caudry", "deviation-flines", "rd916-bergues-wormhout"},
        "projets/type/college": {"college-wormhout-demi-pension", "college-denain-gymnase"},
        "projets/canton/orchies": {"covoiturage-pevele", "deviation-flines"},
        "cantons/wormhout": {"college-wormhout-demi-pension", "rd916-bergues-wormhout"},
        "cantons/caudry": {"rd643-caudry"},
        "cantons/lille-1": set(),
    }
    for url, ids in expected.items():
        assert _listed(_html(output, url)) == ids, url
    assert "Aucun projet du Département" in _html(output, "cantons/lille-1")
    running = _listed(_html(output, "projets/statut/en-cours"))
    assert {"rd643-caudry", "mdie-maubeuge", "tiers-lieu-fourmies", "veloroute-lys"} <= running
    # The facets are plain links (no JavaScript needed); the JS form is hidden until enhanced.
    main = _html(output, "projets")
    assert 'href="/projets/statut/en-cours/"' in main and 'href="/projets/canton/orchies/"' in main
    assert '<form class="project-filter" id="filtre-projets" hidden>' in main
    assert 'src="/theme/js/projects.js"' in main and (output / "theme/js/projects.js").is_file()


@pytest.mark.slow
def test_project_page_timeline_budget_and_sections(site) -> None:
    output, _ = site
    html = _html(output, "projets/rd643-caudry")
    events_ = _tags(html)
    # Timeline: an ordered list, the current phase (travaux) marked.
    current = [a for k, t, a in events_ if k == "start" and a.get("aria-current") == "step"]
    assert len(current) == 1 and current[0]["class"].startswith("timeline__item")
    assert '<ol class="timeline">' in html and "phase en cours" in html
    # The chart: an SVG image with a title, its table right after it.
    starts = [(i, a) for i, (k, t, a) in enumerate(events_) if k == "start" and t == "svg"]
    assert len(starts) == 1
    start, attrs = starts[0]
    assert attrs["role"] == "img"
    assert events_[start + 1][1] == "title"
    end = next(i for i in range(start, len(events_)) if events_[i][:2] == ("end", "svg"))
    assert events_[end + 1][:2] == ("start", "table")
    assert not any("style" in a for _, _, a in events_), "inline style attribute"
    # Deliberations with a link, consultations with figures and the answer, documents with size.
    assert 'href="/donnees/projets-departementaux/documents/rd643-deliberation-2024-0117.pdf"' in html
    assert "La réponse du Département" in html and ">412<" in html
    assert "Bilan de la concertation préalable" in html and "(PDF, 27" in html
    # Related news (an article tagged rd643-caudry), feed link, map, history anchors.
    assert 'href="/actualites/projet-rd643-caudry-debut-des-travaux/"' in html
    assert 'href="/feeds/projets/rd643-caudry.atom.xml"' in html
    assert 'id="map_projet_rd643_caudry"' in html and (output / "cartes/projet-rd643-caudry.js").is_file()
    assert (output / "theme/vendor/leaflet/leaflet.js").is_file()
    assert 'id="evenement-phase-4-debut"' in html and 'id="evenement-phase-5-debut"' not in html
    assert 'id="modifications"' not in html  # the changes hook renders nothing until filled


@pytest.mark.slow
def test_the_changes_hook_reaches_only_its_project_page(site) -> None:
    _, result = site
    index = result.site.extras["projects"]
    change = {"date": date(2026, 11, 20), "summary": "Budget révisé", "details": ["montant : 4,2 → 4,65 M€"]}
    pages = build_pages(index.projects, result.site.settings, index, TODAY, {"rd643-caudry": [change]})
    contexts = {p.url: p.context for p in pages if p.kind == "project"}
    assert contexts["projets/rd643-caudry/"]["changes"] == (change,)
    assert contexts["projets/veloroute-lys/"]["changes"] == ()
    templates = Environment(loader=FileSystemLoader(ROOT / "theme" / "templates"), autoescape=True)
    templates.filters.update(JINJA_FILTERS)
    html = templates.get_template("projects/_changes.html").render(changes=[change], SITEURL="")
    assert 'id="modifications"' in html and "20 novembre 2026" in html and "4,65 M€" in html


@pytest.mark.slow
def test_between_phases_open_ended_and_without_coordinates(site) -> None:
    output, _ = site
    maubeuge = _html(output, "projets/mdie-maubeuge")
    assert "entre deux phases" in maubeuge and 'aria-current="step"' not in maubeuge
    fourmies = _html(output, "projets/tiers-lieu-fourmies")
    assert "fin non fixée" in fourmies and 'aria-current="step"' in fourmies
    assert 'class="map"' not in fourmies and not (output / "cartes/projet-tiers-lieu-fourmies.js").exists()
    flines = _html(output, "projets/deviation-flines")
    assert "status-badge--suspendu" in flines and "Projet suspendu." in flines


@pytest.mark.slow
def test_feeds_are_valid_atom_with_absolute_urls(site) -> None:
    output, result = site
    index = result.site.extras["projects"]
    everything = ET.parse(output / "feeds/projets.atom.xml").getroot()
    assert everything.tag == f"{ATOM}feed"
    total = 0
    for view in index.projects:
        feed = ET.parse(output / view.project.feed_path).getroot()
        assert feed.find(f"{ATOM}id").text == f"{BASE}/{view.project.feed_path}"
        assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{BASE}/{view.project.feed_path}"
        assert feed.find(f"{ATOM}author/{ATOM}name").text
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == len(view.events)
        total += len(entries)
        updated = [datetime.fromisoformat(e.find(f"{ATOM}updated").text) for e in entries]
        assert updated == sorted(updated, reverse=True), view.project.id
        assert all(u.date() <= TODAY for u in updated)
        if entries:
            assert datetime.fromisoformat(feed.find(f"{ATOM}updated").text) == updated[0]
        for entry in entries:
            assert entry.find(f"{ATOM}title").text
            link = entry.find(f"{ATOM}link").get("href")
            assert link.startswith(f"{BASE}/projets/{view.project.id}/#evenement-")
            anchor = link.split("#")[1]
            assert f'id="{anchor}"' in _html(output, f"projets/{view.project.id}")
    all_entries = everything.findall(f"{ATOM}entry")
    ids = [e.find(f"{ATOM}id").text for e in all_entries]
    assert len(ids) == total == len(set(ids))
    rd643 = ET.parse(output / "feeds/projets/rd643-caudry.atom.xml").getroot().findall(f"{ATOM}entry")
    assert rd643[0].find(f"{ATOM}title").text == "Début de la phase « travaux »"
    assert {e.find(f"{ATOM}title").text for e in rd643} >= {
        "Budget révisé : 4\u202f650\u202f000\u00a0€ (+450\u202f000\u00a0€)", "Délibération n° DCP-2024-0117",
        "Clôture de l'enquête publique", "Réunion publique", "Fin de la phase « études »"}


@pytest.mark.slow
def test_dataset_page_offers_the_tables_and_the_pdfs_are_published(site) -> None:
    output, _ = site
    page = _html(output, f"jeux-de-donnees/{SLUG}")
    for name in ("projets", "phases", "budget", "deliberations", "consultations", "documents"):
        for ext in ("csv", "parquet", "json"):
            assert f'href="/donnees/{SLUG}/{name}.{ext}"' in page, (name, ext)
            assert (output / "donnees" / SLUG / f"{name}.{ext}").is_file()
    source = ROOT / "datasets" / SLUG / "documents"
    pdfs = sorted(source.glob("*.pdf"))
    assert len(pdfs) >= 3
    for pdf in pdfs:
        assert (output / "donnees" / SLUG / "documents" / pdf.name).read_bytes() == pdf.read_bytes()


@pytest.mark.slow
def test_data_mistakes_are_reported_with_their_place(tmp_path: Path) -> None:
    def spoil(folder: Path) -> None:
        phases = folder / "phases.csv"
        text = phases.read_text(encoding="utf-8")
        phases.write_text(text.replace("rd643-caudry,5,livraison,2028-01-10,2028-01-31",
                                       "rd643-caudry,5,livraison,2028-01-10,2027-01-31"), encoding="utf-8")
        projets = folder / "projets.csv"
        projets.write_text(projets.read_text(encoding="utf-8").replace(",5908,59535,", ",5999,59535,"),
                           encoding="utf-8")
        (folder / "documents" / "mont-noir-plan-boucle.pdf").unlink()

    with pytest.raises(BuildRefused) as refused:
        _build(tmp_path, spoil)
    found = {(p.code, p.file, p.field) for p in refused.value.report.errors}
    assert ("end-before-start", f"datasets/{SLUG}/phases.csv", "fin") in found
    assert ("unknown-canton", f"datasets/{SLUG}/projets.csv", "cantons") in found
    assert ("missing-file", f"datasets/{SLUG}/documents.csv", "fichier") in found
    phase_error = next(p for p in refused.value.report.errors if p.code == "end-before-start")
    assert phase_error.row == 6 and phase_error.hint


def test_a_phase_of_an_unknown_project_is_a_foreign_key_error(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    folder = copy_dataset(SLUG, paths.datasets)
    with (folder / "phases.csv").open("a", encoding="utf-8") as file:
        file.write("rd-inconnue,1,études,2026-01-05,2026-06-30,\n")
    result, _, _ = validate(paths)
    errors = [p for p in result.report.errors if p.code == "foreign-key"]
    assert errors and errors[0].file == f"datasets/{SLUG}/phases.csv" and errors[0].value == "rd-inconnue"


def test_sample_dataset_is_labelled_and_large_enough() -> None:
    text = (ROOT / "datasets" / SLUG / "datapackage.yaml").read_text(encoding="utf-8")
    assert "kind: projets" in text and "sample: true" in text
    assert "**Données d'exemple** :" in text
    with (ROOT / "datasets" / SLUG / "consultations.csv").open(encoding="utf-8", newline="") as file:
        assert len(list(csv.DictReader(file))) >= 6
