"""Missions d'information et d'évaluation: deadline arithmetic, statuses, pages, feed, problems."""

from __future__ import annotations

import calendar
import csv
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.build import BuildResult, build
from pipeline.config import BuildPaths
from pipeline.errors import BuildRefused
from pipeline.extensions.mie import deadline, status
from pipeline.transparency.dates import local_date
from pipeline.transparency.markdown import markdown_html
from tests.conftest import PELICAN_CONF, copy_dataset, make_paths

SLUG = "missions-information-evaluation"
ATOM = "{http://www.w3.org/2005/Atom}"
# The day the sample's statuses are written for: one mission published in time, one
# published late, one in progress (created 31 August 2026, due 28 February 2027).
SAMPLE_DAY = datetime(2026, 11, 22, 12, tzinfo=UTC)


# --- deadline arithmetic ------------------------------------------------------------------

@pytest.mark.parametrize(("created", "due"), [
    (date(2025, 10, 13), date(2026, 4, 13)),   # across a year
    (date(2025, 1, 15), date(2025, 7, 15)),
    (date(2025, 8, 31), date(2026, 2, 28)),    # month end, common year: clamped to 28 February
    (date(2027, 8, 31), date(2028, 2, 29)),    # month end, leap year: 29 February
    (date(2023, 8, 29), date(2024, 2, 29)),    # 29 February exists in 2024
    (date(2023, 8, 30), date(2024, 2, 29)),
    (date(2025, 8, 29), date(2026, 2, 28)),    # ...and not in 2026
    (date(2024, 2, 29), date(2024, 8, 29)),    # from 29 February
    (date(2025, 12, 31), date(2026, 6, 30)),   # 31 → 30
    (date(2025, 3, 31), date(2025, 9, 30)),
    (date(2026, 8, 31), date(2027, 2, 28)),    # the sample's mission in progress
])
def test_deadline_is_six_calendar_months_clamped_to_month_end(created: date, due: date) -> None:
    assert deadline(created) == due


def test_deadline_of_every_day_of_a_leap_cycle_is_in_the_sixth_month_after() -> None:
    day = date(2023, 1, 1)
    while day < date(2027, 1, 1):
        due = deadline(day)
        assert (due.year * 12 + due.month) - (day.year * 12 + day.month) == 6
        assert due.day == min(day.day, calendar.monthrange(due.year, due.month)[1]), (day, due)
        day = date.fromordinal(day.toordinal() + 1)


# --- statuses -----------------------------------------------------------------------------

DUE = date(2026, 6, 15)


def test_in_progress_counts_days_remaining() -> None:
    s = status(DUE, None, date(2026, 6, 1))
    assert (s.code, s.label, s.days_remaining, s.days_late) == ("en-cours", "en cours", 14, None)
    assert s.delay == "14 jours restants"


def test_last_day_is_still_in_progress() -> None:
    s = status(DUE, None, DUE)
    assert (s.code, s.days_remaining, s.delay) == ("en-cours", 0, "dernier jour")
    assert status(DUE, None, date(2026, 6, 14)).delay == "1 jour restant"


def test_late_from_the_day_after_the_deadline() -> None:
    s = status(DUE, None, date(2026, 6, 16))
    assert (s.code, s.label, s.days_late, s.delay) == ("en-retard", "en retard", 1, "1 jour de retard")
    assert status(DUE, None, date(2026, 7, 15)).days_late == 30


def test_published_in_time_including_on_the_deadline() -> None:
    early = status(DUE, date(2026, 6, 1), date(2026, 11, 1))
    assert (early.code, early.label) == ("dans-les-delais", "conclusions publiées dans les délais")
    assert early.delay == "publiées 14 jours avant l'échéance"
    on_time = status(DUE, DUE, date(2026, 11, 1))
    assert (on_time.code, on_time.delay) == ("dans-les-delais", "publiées le jour de l'échéance")


def test_published_late_by_n_days() -> None:
    s = status(DUE, date(2026, 7, 9), date(2026, 11, 1))
    assert s.code == "publiees-en-retard"
    assert s.label == "conclusions publiées en retard de 24 jours"
    assert status(DUE, date(2026, 6, 16), date(2026, 11, 1)).label == \
        "conclusions publiées en retard de 1 jour"


def test_published_status_does_not_depend_on_the_build_date() -> None:
    published = date(2026, 7, 9)
    assert status(DUE, published, date(2026, 7, 9)) == status(DUE, published, date(2040, 1, 1))


def test_build_date_is_read_as_a_day_in_france() -> None:
    assert local_date(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 4, 1)  # CEST
    assert local_date(datetime(2026, 1, 31, 22, 30, tzinfo=UTC)) == date(2026, 1, 31)  # CET
    assert local_date(date(2026, 1, 31)) == date(2026, 1, 31)


def test_markdown_headings_continue_the_page_outline_and_html_is_text() -> None:
    html = str(markdown_html("# Synthèse\n\n## Détail\n\n<script>x()</script>", top_level=2))
    assert "<h2>Synthèse</h2>" in html and "<h3>Détail</h3>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<h6>" in str(markdown_html("###### Six", top_level=3))


# --- builds -------------------------------------------------------------------------------

def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _build_on(tmp: Path, moment: datetime, strict: bool = False, edit=None) -> tuple[BuildPaths, BuildResult]:
    paths = make_paths(tmp)
    paths.datasets.mkdir(parents=True)
    folder = copy_dataset(SLUG, paths.datasets)
    if edit:
        edit(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", _epoch(moment))
        return paths, build(paths, PELICAN_CONF, strict=strict)


@pytest.fixture(scope="module")
def mie_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildResult]]:
    paths, result = _build_on(tmp_path_factory.mktemp("mie"), SAMPLE_DAY, strict=True)
    yield paths.output, result


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_listing_shows_every_mission_with_status_deadline_and_days(mie_site) -> None:
    output, result = mie_site
    html = _text(output / "mie" / "index.html")
    assert '<caption id="caption-missions">' in html
    assert html.count('<th scope="col">') == 6
    assert html.count('<th scope="row">') == 3
    for expected in [
        "conclusions publiées dans les délais", "publiées 14 jours avant l&#39;échéance",
        "conclusions publiées en retard de 24 jours", "24 jours de retard",
        "status--en-cours", "98 jours restants",
        '<time datetime="2027-02-28">28 février 2027</time>',   # 31 August 2026 + 6 months
        '<time datetime="2026-06-15">15 juin 2026</time>',
        '<time datetime="2026-04-13">13 avril 2026</time>',
        'href="/mie/restauration-colleges/"', 'href="/feeds/mie.atom.xml"',
        f'href="/jeux-de-donnees/{SLUG}/"', "theme/css/transparency.css",
    ]:
        assert expected in html, expected
    assert not result.report.problems
    assert any(link.label == "MIE" and link.url == "mie/" for link in result.site.nav)


@pytest.mark.slow
def test_mission_page_has_deliberation_members_deadline_report_and_follow_up(mie_site) -> None:
    output, _ = mie_site
    html = _text(output / "mie" / "accompagnement-rsa-emploi" / "index.html")
    for expected in ["n° 2025-DCD-0141", "13 octobre 2025", "18 conseillers départementaux sur 82",
                     "Nadia Bensalem (Nord solidaire)", "Les 7 membres de la mission",
                     '<th scope="row">Hélène Vasseur</th>', "rapporteure",
                     "conclusions publiées dans les délais", "<strong>Délibération du 22 juin 2026</strong>",
                     'href="/mie/accompagnement-rsa-emploi/rapport/"']:
        assert expected in html, expected
    pdf = output / "mie" / "accompagnement-rsa-emploi" / "accompagnement-rsa-emploi.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    source = Path(__file__).parent.parent / "datasets" / SLUG / "rapports" / pdf.name
    assert pdf.read_bytes() == source.read_bytes()
    size = f"{pdf.stat().st_size / 1000:.1f} ko".replace(".", ",")
    assert f'href="/mie/accompagnement-rsa-emploi/{pdf.name}" type="application/pdf"' in html
    assert size in html
    # headings in order: h1, then h2 sections, the follow-up's own headings below them
    assert html.index("<h1>") < html.index('<h2 id="titre-mission">') < html.index('<h2 id="titre-suites">')


@pytest.mark.slow
def test_mission_in_progress_says_what_is_awaited(mie_site) -> None:
    output, _ = mie_site
    html = _text(output / "mie" / "restauration-colleges" / "index.html")
    assert "pas encore publiées" in html and "Le rapport n'est pas encore publié" in html
    assert "Aucune suite n'est encore enregistrée" in html
    assert not (output / "mie" / "restauration-colleges" / "rapport").exists()


@pytest.mark.slow
def test_report_page_is_the_accessible_version(mie_site) -> None:
    output, _ = mie_site
    html = _text(output / "mie" / "routes-viabilite-hivernale" / "rapport" / "index.html")
    assert "<h1>Rapport : L&#39;entretien des routes départementales" in html
    assert "<h2>Synthèse</h2>" in html and "<h3>Un réseau prioritaire bien traité</h3>" in html
    assert "<h1>Synthèse</h1>" not in html
    assert 'href="/mie/routes-viabilite-hivernale/routes-viabilite-hivernale.pdf"' in html


@pytest.mark.slow
def test_feed_parses_with_absolute_links_and_one_entry_per_event(mie_site) -> None:
    output, _ = mie_site
    root = ET.parse(output / "feeds" / "mie.atom.xml").getroot()
    assert root.tag == f"{ATOM}feed" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert root.findtext(f"{ATOM}title") == "Missions d'information et d'évaluation"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert len(entries) == 5  # three creations, two publications
    assert titles[0].startswith("Création de la mission « La restauration scolaire")
    assert sum(t.startswith("Conclusions publiées") for t in titles) == 2
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 5 and all(i.startswith("tag:donnees.lenord.fr,") for i in ids)
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert root.findtext(f"{ATOM}updated") == updated[0] == "2026-08-31T00:00:00+02:00"
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith("https://donnees.lenord.fr/mie/")
    late = next(e for e in entries if "viabilité" in e.findtext(f"{ATOM}title") and
                "Conclusions" in e.findtext(f"{ATOM}title"))
    assert "en retard de 24 jours" in late.findtext(f"{ATOM}summary")


@pytest.mark.slow
def test_statuses_move_with_the_build_date_and_a_late_mission_warns(tmp_path: Path) -> None:
    _, result = _build_on(tmp_path, datetime(2027, 3, 10, 12, tzinfo=UTC))
    late = [p for p in result.report.warnings if p.code == "mie-late"]
    assert len(late) == 1
    assert "restauration-colleges" in late[0].message and "2027-02-28" in late[0].message
    assert "10 day(s) ago" in late[0].message
    assert late[0].file == f"datasets/{SLUG}/missions.csv" and late[0].row == 4
    html = _text(tmp_path / "output" / "mie" / "index.html")
    assert "status--en-retard" in html and "10 jours de retard" in html
    root = ET.parse(tmp_path / "output" / "feeds" / "mie.atom.xml").getroot()
    first = root.find(f"{ATOM}entry")
    assert first.findtext(f"{ATOM}title").startswith("Mission en retard")
    assert first.findtext(f"{ATOM}updated") == "2027-03-01T00:00:00+01:00"


@pytest.mark.slow
def test_a_late_mission_refuses_a_strict_build(tmp_path: Path) -> None:
    with pytest.raises(BuildRefused) as refused:
        _build_on(tmp_path, datetime(2027, 3, 1, 12, tzinfo=UTC), strict=True)
    assert [p.code for p in refused.value.report.problems] == ["mie-late"]


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
def test_broken_references_are_errors_naming_row_and_column(tmp_path: Path) -> None:
    def edit(folder: Path) -> None:
        def missions(rows):
            rows[0]["rapport_pdf"] = "rapports/absent.pdf"
            rows[1]["rapport_pdf"] = "rapports/faux.pdf"  # named .pdf, but text
            rows[2]["rapport_html"] = "rapports/accompagnement-rsa-emploi.md"  # report, no date
        (folder / "rapports" / "faux.pdf").write_text("pas un PDF", encoding="utf-8")
        _rewrite(folder / "missions.csv", missions)
        _rewrite(folder / "membres.csv", lambda rows: rows[0].update(mission="mission-inconnue"))

    with pytest.raises(BuildRefused) as refused:
        _build_on(tmp_path, SAMPLE_DAY, edit=edit)
    found = {(p.code, p.file.rsplit("/", 1)[1], p.row, p.field) for p in refused.value.report.errors}
    assert found == {
        ("bad-document", "missions.csv", 2, "rapport_pdf"),
        ("bad-document", "missions.csv", 3, "rapport_pdf"),
        ("report-without-date", "missions.csv", 4, "date_conclusions_publiques"),
        ("unknown-mission", "membres.csv", 2, "mission"),
    }
    not_pdf = next(p for p in refused.value.report.errors if p.row == 3)
    assert "not a PDF" in not_pdf.message and not_pdf.hint
    assert not (tmp_path / "output").exists()


@pytest.mark.slow
def test_a_path_leaving_the_folder_is_refused_by_the_schema(tmp_path: Path) -> None:
    def edit(folder: Path) -> None:
        _rewrite(folder / "missions.csv", lambda rows: rows[0].update(rapport_pdf="../secret.pdf"))

    with pytest.raises(BuildRefused) as refused:
        _build_on(tmp_path, SAMPLE_DAY, edit=edit)
    [error] = refused.value.report.errors
    assert error.field == "rapport_pdf" and error.row == 2


@pytest.mark.slow
def test_two_builds_of_one_date_are_identical(tmp_path: Path) -> None:
    _build_on(tmp_path / "a", SAMPLE_DAY)
    _build_on(tmp_path / "b", SAMPLE_DAY)
    for name in ["feeds/mie.atom.xml", "mie/index.html", "mie/restauration-colleges/index.html"]:
        assert (tmp_path / "a" / "output" / name).read_bytes() == \
            (tmp_path / "b" / "output" / name).read_bytes()


@pytest.mark.slow
def test_dates_after_the_build_date_warn_and_are_not_shown_as_published(tmp_path: Path) -> None:
    paths, result = _build_on(tmp_path, datetime(2026, 5, 1, 12, tzinfo=UTC))
    found = sorted((p.code, p.row) for p in result.report.problems)
    assert found == [("conclusions-in-future", 3), ("deliberation-in-future", 4)]
    assert all(p.severity == "warning" for p in result.report.problems)
    html = _text(paths.output / "mie" / "routes-viabilite-hivernale" / "index.html")
    assert "status--en-cours" in html and "45 jours restants" in html and "pas encore publiées" in html
