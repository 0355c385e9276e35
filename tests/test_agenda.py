"""The agenda of participation: pages, schema.org markup and iCalendar feeds, from real builds.

A small site with a crafted agenda (and one body) is built with the build date fixed by
SOURCE_DATE_EPOCH to 2026-11-22 12:00 UTC (13:00 in Paris), so the edges of "upcoming"
are known: an event later today, one under way, one that ended an hour before. Calendars
are parsed back with icalendar, the JSON-LD with json.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import yaml

from pipeline.build import build
from pipeline.config import BuildPaths
from pipeline.errors import BuildRefused
from pipeline.participation.common import span_fr
from pipeline.participation.ical import vtimezone
from tests.conftest import PELICAN_CONF, ROOT, make_paths

PARIS = ZoneInfo("Europe/Paris")
BUILD_DATE = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOST = "donnees.lenord.fr"  # site.yaml's base_url
SAMPLE_PDF = ROOT / "datasets" / "agenda-participation" / "comptes-rendus" / "ccc-armentieres-2026-09-17.pdf"
FIELDS = ["id", "titre", "instance", "type", "statut", "debut", "fin", "lieu", "adresse", "commune",
          "canton", "latitude", "longitude", "lien_en_ligne", "accessibilite", "lien_inscription",
          "date_limite_inscription", "documents_avant", "compte_rendu", "description", "sequence"]
ARMENTIERES = {"lieu": "Maison des associations", "adresse": "12 rue de Lille, 59280 Armentières",
               "commune": "59017", "canton": "5904", "latitude": "50.6858", "longitude": "2.8812",
               "accessibilite": "Salle de plain-pied."}
CAMBRAI = {"lieu": "Centre social", "adresse": "3 rue des Capucins, 59400 Cambrai", "commune": "59122",
           "canton": "5909", "accessibilite": "Accessible en fauteuil roulant."}


# ---- writing small datasets ----------------------------------------------------------

def event(id_: str, debut: str, fin: str, **fields: Any) -> dict[str, str]:
    row = {"id": id_, "titre": f"Événement {id_}", "type": "réunion publique", "debut": debut,
           "fin": fin, "sequence": "0", **ARMENTIERES}
    row.update({k: str(v) for k, v in fields.items()})
    return row


def write_csv(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows({f: row.get(f, "") for f in fields} for row in rows)


def write_agenda(datasets: Path, rows: list[dict[str, str]], slug: str = "agenda-test",
                 files: dict[str, bytes] | None = None) -> Path:
    folder = datasets / slug
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = {
        "name": slug, "title": "Agenda de test", "kind": "agenda", "sample": True,
        "description": "**Données d'exemple** : événements fictifs pour les tests.",
        "theme": "participation", "keywords": ["agenda"],
        "contact": {"name": "Test", "email": "test@example.org"},
        "resources": [{"name": "evenements", "path": "evenements.csv", "format": "csv",
                       "encoding": "utf-8", "schema": "site:agenda/evenements"}],
    }
    (folder / "datapackage.yaml").write_text(yaml.safe_dump(descriptor, allow_unicode=True), "utf-8")
    write_csv(folder / "evenements.csv", FIELDS, rows)
    for relpath, content in (files or {}).items():
        (folder / relpath).parent.mkdir(parents=True, exist_ok=True)
        (folder / relpath).write_bytes(content)
    return folder


def write_bodies(datasets: Path, bodies: list[dict[str, str]], members: list[dict[str, str]] = (),
                 documents: list[dict[str, str]] = (), calls: list[dict[str, str]] = (),
                 files: dict[str, bytes] | None = None, slug: str = "instances-test") -> Path:
    folder = datasets / slug
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "instances": (["id", "nom", "type", "description", "reglement", "canton"], bodies),
        "membres": (["instance", "nom", "role", "college", "debut", "fin"], members),
        "documents": (["instance", "titre", "type", "date", "fichier"], documents),
        "appels_contributions": (["instance", "id", "theme", "titre", "debut", "fin",
                                  "lien_contribution", "resultats", "livret"], calls),
    }
    resources = []
    for name, (fields, rows) in tables.items():
        if not rows and name != "instances":
            continue  # an empty table is refused: a body may have no member, document or call yet
        write_csv(folder / f"{name}.csv", fields, list(rows))
        resources.append({"name": name, "path": f"{name}.csv", "format": "csv", "encoding": "utf-8",
                          "schema": f"site:instances/{name}"})
    descriptor = {
        "name": slug, "title": "Instances de test", "kind": "instances", "sample": True,
        "description": "**Données d'exemple** : instances fictives pour les tests.",
        "theme": "participation", "keywords": ["instances"],
        "contact": {"name": "Test", "email": "test@example.org"}, "resources": resources,
    }
    (folder / "datapackage.yaml").write_text(yaml.safe_dump(descriptor, allow_unicode=True), "utf-8")
    for relpath, content in (files or {}).items():
        (folder / relpath).parent.mkdir(parents=True, exist_ok=True)
        (folder / relpath).write_bytes(content)
    return folder


def build_at(paths: BuildPaths, moment: datetime = BUILD_DATE) -> Any:
    """Build with the build date (and the dates of uncommitted datasets) fixed to moment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(int(moment.timestamp())))
        return build(paths, PELICAN_CONF)


def read_calendar(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def vevents(path: Path) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in read_calendar(path).walk("VEVENT")}


def hrefs(html: str) -> list[str]:
    """The links of a page's main content (or of a piece of a page)."""
    if "<main" in html:
        html = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.findall(r'href="([^"]+)"', html)


def event_links(html: str) -> set[str]:
    """Ids of the event pages a page links to from its main content."""
    return {m.group(1) for h in hrefs(html) if (m := re.fullmatch(r"/agenda/([a-z0-9-]+)/", h))
            and m.group(1) not in {"passes", "instances", "cantons"}}


def jsonld(html: str) -> dict[str, Any]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert len(blocks) == 1
    return json.loads(blocks[0])


# ---- the crafted agenda --------------------------------------------------------------

ROWS = [
    # Today (22 November, build at 13:00 Paris): later today, under way, ended an hour ago.
    event("ce-soir", "2026-11-22T18:00:00", "2026-11-22T20:00:00", instance="ccc-test",
          lien_inscription="https://inscriptions.example.org/ce-soir", date_limite_inscription="2026-11-22"),
    event("en-cours", "2026-11-22T12:30:00", "2026-11-22T14:00:00", type="permanence"),
    event("fini-il-y-a-une-heure", "2026-11-22T10:00:00", "2026-11-22T12:00:00", instance="ccc-test",
          compte_rendu="comptes-rendus/fini.pdf"),
    # Either side of the change to winter time (25 October 2026).
    event("avant-changement-heure", "2026-10-20T18:30:00", "2026-10-20T20:30:00", type="conseil",
          instance="ccc-test", **CAMBRAI),
    event("apres-changement-heure", "2026-11-05T18:30:00", "2026-11-05T20:30:00", type="atelier",
          **CAMBRAI),
    # A month-long public inquiry across the change, and one across the spring change.
    event("enquete", "2026-10-19T09:00:00", "2026-11-20T17:00:00", type="enquête publique",
          documents_avant="https://lenord.fr/enquete"),
    event("printemps", "2027-03-27T10:00:00", "2027-03-28T16:00:00", type="visite", **CAMBRAI),
    # Upcoming: open registration, registration closed, cancelled, online only.
    event("decembre", "2026-12-03T18:30:00", "2026-12-03T20:30:00", instance="ccc-test",
          lien_inscription="https://inscriptions.example.org/decembre", date_limite_inscription="2026-12-01",
          documents_avant="documents/ordre-du-jour.pdf",
          description="Ordre du jour : **avis** sur le projet.\n\n</script><script>alert(1)</script>"),
    event("inscriptions-closes", "2026-11-28T10:00:00", "2026-11-28T12:00:00",
          lien_inscription="https://inscriptions.example.org/closes", date_limite_inscription="2026-11-21"),
    event("annule", "2026-12-10T18:00:00", "2026-12-10T20:00:00", statut="annulé", sequence="3"),
    event("en-ligne", "2026-12-14T18:00:00", "2026-12-14T19:30:00", type="atelier", lieu="En ligne",
          adresse="", commune="", canton="", latitude="", longitude="", accessibilite="",
          lien_en_ligne="https://visio.example.org/atelier"),
]
FILES = {"comptes-rendus/fini.pdf": SAMPLE_PDF.read_bytes(),
         "documents/ordre-du-jour.pdf": SAMPLE_PDF.read_bytes()}
BODY = {"id": "ccc-test", "nom": "Conseil cantonal de concertation d'Armentières",
        "type": "conseil cantonal de concertation", "description": "Un conseil de test.",
        "canton": "5904"}


@pytest.fixture(scope="module")
def agenda_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("agenda-site")
    paths = make_paths(tmp)
    write_agenda(paths.datasets, ROWS, files=FILES)
    write_bodies(paths.datasets, [BODY])
    result = build_at(paths)
    assert not result.report.problems, result.report.render_text()
    yield paths.output


# ---- iCalendar -----------------------------------------------------------------------

def test_the_full_calendar_has_every_event_with_stable_uids(agenda_site: Path) -> None:
    calendar = read_calendar(agenda_site / "agenda" / "agenda.ics")
    events = calendar.walk("VEVENT")
    assert len(events) == len(ROWS)
    assert {str(e["UID"]) for e in events} == {f"{row['id']}@{HOST}" for row in ROWS}
    assert str(calendar["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    for component in events:
        for prop in ("DTSTAMP", "SEQUENCE", "LOCATION", "URL", "DESCRIPTION", "SUMMARY"):
            assert prop in component, (component["UID"], prop)
        assert str(component["URL"]) == f"https://{HOST}/agenda/{str(component['UID']).split('@')[0]}/"


def test_times_are_right_on_both_sides_of_the_change_to_winter_time(agenda_site: Path) -> None:
    events = vevents(agenda_site / "agenda" / "agenda.ics")
    before = events[f"avant-changement-heure@{HOST}"]
    after = events[f"apres-changement-heure@{HOST}"]
    assert before.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 20, 16, 30, tzinfo=UTC)
    assert after.decoded("DTSTART").astimezone(UTC) == datetime(2026, 11, 5, 17, 30, tzinfo=UTC)
    assert before["DTSTART"].params["TZID"] == "Europe/Paris"
    # The inquiry runs from summer time into winter time: 32 days and one hour.
    inquiry = events[f"enquete@{HOST}"]
    assert inquiry.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    assert inquiry.decoded("DTEND").astimezone(UTC) == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    spring = events[f"printemps@{HOST}"]
    assert spring.decoded("DTEND").astimezone(UTC) == datetime(2027, 3, 28, 14, 0, tzinfo=UTC)


def test_the_vtimezone_follows_the_rfc_and_the_time_zone_database() -> None:
    """Each onset is written in the local time before the change (RFC 5545 §3.6.5)."""
    for name in ("Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Tokyo"):
        zone = ZoneInfo(name)
        component = vtimezone(zone, date(2026, 1, 1), date(2027, 12, 31))
        parsed = icalendar.Calendar.from_ical(
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//FR\r\n" + component.to_ical()
            + b"END:VCALENDAR\r\n").walk("VTIMEZONE")[0]
        onsets = sorted((o.decoded("DTSTART"), o.decoded("TZOFFSETFROM"), o.decoded("TZOFFSETTO"))
                        for o in parsed.walk() if o.name in ("STANDARD", "DAYLIGHT"))
        for onset, offset_from, offset_to in onsets[1:]:  # the first one is the zone in force
            instant = (onset - offset_from).replace(tzinfo=UTC)
            assert (instant - timedelta(seconds=1)).astimezone(zone).utcoffset() == offset_from
            assert instant.astimezone(zone).utcoffset() == offset_to
        expected_changes = 0 if name == "Asia/Tokyo" else 4
        assert len(onsets) - 1 == expected_changes, name
    paris = vtimezone(PARIS, date(2026, 1, 1), date(2026, 12, 31)).to_ical().decode()
    assert "DTSTART:20260329T020000" in paris and "DTSTART:20261025T030000" in paris


def test_sequence_and_status_come_from_the_data(agenda_site: Path) -> None:
    events = vevents(agenda_site / "agenda" / "agenda.ics")
    cancelled = events[f"annule@{HOST}"]
    assert cancelled["SEQUENCE"] == 3 and str(cancelled["STATUS"]) == "CANCELLED"
    assert str(events[f"decembre@{HOST}"]["STATUS"]) == "CONFIRMED"
    assert events[f"decembre@{HOST}"].decoded("DTSTAMP") == BUILD_DATE  # the dataset's date
    assert "inscriptions.example.org/decembre" in str(events[f"decembre@{HOST}"]["DESCRIPTION"])
    assert "En ligne" in str(events[f"en-ligne@{HOST}"]["LOCATION"])
    assert events[f"ce-soir@{HOST}"].decoded("GEO") is not None


def test_body_and_canton_calendars_hold_their_events_only(agenda_site: Path) -> None:
    body = vevents(agenda_site / "agenda" / "instances" / "ccc-test.ics")
    assert set(body) == {f"{i}@{HOST}" for i in ("ce-soir", "fini-il-y-a-une-heure",
                                                 "avant-changement-heure", "decembre")}
    cambrai = vevents(agenda_site / "agenda" / "cantons" / "cambrai.ics")
    assert set(cambrai) == {f"{i}@{HOST}" for i in ("avant-changement-heure", "apres-changement-heure",
                                                    "printemps")}
    armentieres = vevents(agenda_site / "agenda" / "cantons" / "armentieres.ics")
    assert len(armentieres) == len(ROWS) - 4  # all but Cambrai's three and the online one
    # A canton without events still has a valid calendar, so subscriptions keep working.
    empty = read_calendar(agenda_site / "agenda" / "cantons" / "wormhout.ics")
    assert empty.walk("VEVENT") == [] and empty.walk("VTIMEZONE")
    assert len(list((agenda_site / "agenda" / "cantons").glob("*.ics"))) == 41


def test_each_event_has_its_own_calendar(agenda_site: Path) -> None:
    single = vevents(agenda_site / "agenda" / "decembre" / "decembre.ics")
    assert list(single) == [f"decembre@{HOST}"]


def test_uids_survive_an_update_that_raises_the_sequence(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    rows = [event("seance", "2026-12-03T18:00:00", "2026-12-03T20:00:00"),
            event("visite", "2026-12-05T10:00:00", "2026-12-05T12:00:00", type="visite")]
    write_agenda(paths.datasets, rows)
    build_at(paths)
    first = vevents(paths.output / "agenda" / "agenda.ics")
    build_at(paths, BUILD_DATE + timedelta(hours=1))
    assert vevents(paths.output / "agenda" / "agenda.ics").keys() == first.keys()
    # The meeting moves to 18:30: same UID, a higher SEQUENCE, the new time.
    rows[0].update(debut="2026-12-03T18:30:00", sequence="1")
    write_agenda(paths.datasets, rows)
    build_at(paths, BUILD_DATE + timedelta(days=1))
    second = vevents(paths.output / "agenda" / "agenda.ics")
    assert second.keys() == first.keys()
    moved = second[f"seance@{HOST}"]
    assert moved["SEQUENCE"] > first[f"seance@{HOST}"]["SEQUENCE"]
    assert moved.decoded("DTSTART").astimezone(UTC) == datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
    assert moved.decoded("DTSTAMP") > first[f"seance@{HOST}"].decoded("DTSTAMP")


def test_two_builds_of_the_same_data_give_the_same_calendars(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        paths = make_paths(tmp_path / run)
        write_agenda(paths.datasets, ROWS[:4], files=FILES)
        build_at(paths)
        outputs.append(paths.output)
    for name in ("agenda/agenda.ics", "agenda/instances/ccc-test.ics", "agenda/cantons/armentieres.ics",
                 "agenda/ce-soir/index.html"):
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name


# ---- pages ---------------------------------------------------------------------------

def test_upcoming_and_past_split_at_the_build_date(agenda_site: Path) -> None:
    index = (agenda_site / "agenda" / "index.html").read_text(encoding="utf-8")
    past = (agenda_site / "agenda" / "passes" / "index.html").read_text(encoding="utf-8")
    upcoming_ids = {"ce-soir", "en-cours", "printemps", "decembre", "inscriptions-closes", "annule",
                    "en-ligne"}
    past_ids = {"fini-il-y-a-une-heure", "avant-changement-heure", "apres-changement-heure", "enquete"}
    assert event_links(index) == upcoming_ids
    assert event_links(past) == past_ids
    # Soonest first on the agenda, latest first among past events.
    order = [m for m in re.findall(r'href="/agenda/([a-z0-9-]+)/"', index) if m in upcoming_ids]
    assert order[:3] == ["en-cours", "ce-soir", "inscriptions-closes"]
    past_order = [m for m in re.findall(r'href="/agenda/([a-z0-9-]+)/"', past) if m in past_ids]
    assert past_order[0] == "fini-il-y-a-une-heure"
    assert "Voir les 4 événements passés" in index
    ongoing = (agenda_site / "agenda" / "en-cours" / "index.html").read_text(encoding="utf-8")
    assert "En cours" in ongoing


def test_the_agenda_links_to_its_calendars(agenda_site: Path) -> None:
    index = (agenda_site / "agenda" / "index.html").read_text(encoding="utf-8")
    assert "Ajouter à mon agenda" in index
    assert "/agenda/agenda.ics" in hrefs(index)
    assert f"https://{HOST}/agenda/agenda.ics" in index  # the address to subscribe to
    assert 'type="text/calendar" href="/agenda/agenda.ics"' in index  # <link rel="alternate">
    assert "/agenda/instances/ccc-test/" in hrefs(index)
    assert "/agenda/cantons/armentieres/" in hrefs(index)
    page = (agenda_site / "agenda" / "decembre" / "index.html").read_text(encoding="utf-8")
    assert "Ajouter à mon agenda" in page
    for feed in ("/agenda/decembre/decembre.ics", "/agenda/instances/ccc-test.ics",
                 "/agenda/cantons/armentieres.ics", "/agenda/agenda.ics"):
        assert feed in hrefs(page), feed


def test_event_page_carries_schema_org_event_markup(agenda_site: Path) -> None:
    html = (agenda_site / "agenda" / "decembre" / "index.html").read_text(encoding="utf-8")
    data = jsonld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["startDate"] == "2026-12-03T18:30:00+01:00"
    assert data["endDate"] == "2026-12-03T20:30:00+01:00"
    assert data["url"] == f"https://{HOST}/agenda/decembre/"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    place = data["location"]
    assert place["@type"] == "Place" and place["address"]["postalCode"] == "59280"
    assert place["address"]["addressLocality"] == "Armentières"
    assert place["geo"]["latitude"] == pytest.approx(50.6858)
    assert data["offers"]["url"] == "https://inscriptions.example.org/decembre"
    assert data["offers"]["validThrough"] == "2026-12-01"
    assert data["superEvent"]["name"] == BODY["nom"]
    # Data cannot close the script element: the description's </script> is escaped.
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
    summer = jsonld((agenda_site / "agenda" / "avant-changement-heure" / "index.html").read_text("utf-8"))
    assert summer["startDate"] == "2026-10-20T18:30:00+02:00"
    cancelled = jsonld((agenda_site / "agenda" / "annule" / "index.html").read_text("utf-8"))
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"
    online = jsonld((agenda_site / "agenda" / "en-ligne" / "index.html").read_text("utf-8"))
    assert online["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert online["location"] == {"@type": "VirtualLocation", "url": "https://visio.example.org/atelier"}


def test_event_page_says_when_where_and_how_to_register(agenda_site: Path) -> None:
    html = (agenda_site / "agenda" / "decembre" / "index.html").read_text(encoding="utf-8")
    assert "jeudi 3 décembre 2026, de 18\u00a0h\u00a030 à 20\u00a0h\u00a030" in html
    assert 'datetime="2026-12-03T18:30:00+01:00"' in html
    assert "Salle de plain-pied." in html  # accessibility
    assert 'href="https://inscriptions.example.org/decembre"' in html
    assert "Jusqu'au 1er décembre 2026 inclus" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # Markdown with raw HTML shown as text
    closed = (agenda_site / "agenda" / "inscriptions-closes" / "index.html").read_text("utf-8")
    assert "Les inscriptions sont closes depuis le 21 novembre 2026" in closed
    assert "inscriptions.example.org/closes" not in hrefs(closed)
    today = (agenda_site / "agenda" / "ce-soir" / "index.html").read_text("utf-8")
    assert 'href="https://inscriptions.example.org/ce-soir"' in today  # the deadline day itself
    cancelled = (agenda_site / "agenda" / "annule" / "index.html").read_text("utf-8")
    assert "Cet événement est annulé" in cancelled
    assert "Pas de document" in cancelled and "Ajouter à mon agenda" not in cancelled


def test_documents_before_and_minutes_after_are_published(agenda_site: Path) -> None:
    minutes = agenda_site / "agenda" / "fini-il-y-a-une-heure" / "fini.pdf"
    assert minutes.read_bytes() == SAMPLE_PDF.read_bytes()
    page = (agenda_site / "agenda" / "fini-il-y-a-une-heure" / "index.html").read_text("utf-8")
    assert "/agenda/fini-il-y-a-une-heure/fini.pdf" in hrefs(page)
    size = f"{SAMPLE_PDF.stat().st_size / 1000:.1f} ko".replace(".", ",")
    assert f"PDF, {size}" in page
    before = (agenda_site / "agenda" / "decembre" / "index.html").read_text("utf-8")
    assert "/agenda/decembre/ordre-du-jour.pdf" in hrefs(before)
    assert "Le compte rendu sera publié ici après l'événement." in before
    inquiry = (agenda_site / "agenda" / "enquete" / "index.html").read_text("utf-8")
    assert "https://lenord.fr/enquete" in hrefs(inquiry)


def test_body_and_canton_pages_list_their_events(agenda_site: Path) -> None:
    body = (agenda_site / "agenda" / "instances" / "ccc-test" / "index.html").read_text("utf-8")
    assert event_links(body) == {"ce-soir", "fini-il-y-a-une-heure", "avant-changement-heure", "decembre"}
    assert "/agenda/instances/ccc-test.ics" in hrefs(body)
    assert "/instances/ccc-test/" in hrefs(body)
    canton = (agenda_site / "agenda" / "cantons" / "cambrai" / "index.html").read_text("utf-8")
    assert event_links(canton) == {"avant-changement-heure", "apres-changement-heure", "printemps"}
    assert "Agenda : canton de Cambrai" in canton
    assert "/agenda/cantons/cambrai.ics" in hrefs(canton)
    empty = (agenda_site / "agenda" / "cantons" / "le-cateau-cambresis" / "index.html").read_text("utf-8")
    assert "canton du Cateau-Cambrésis" in empty and event_links(empty) == set()


def test_the_agenda_is_in_the_navigation(agenda_site: Path) -> None:
    home = (agenda_site / "index.html").read_text(encoding="utf-8")
    assert 'href="/agenda/"' in home


# ---- problems in the data ------------------------------------------------------------

def test_bad_events_are_refused_with_their_row_and_column(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_agenda(paths.datasets, [
        event("a-l-envers", "2026-12-03T20:00:00", "2026-12-03T18:00:00"),
        event("canton-inconnu", "2026-12-03T18:00:00", "2026-12-03T20:00:00", canton="5999"),
        event("passes", "2026-12-03T18:00:00", "2026-12-03T20:00:00"),
        event("sans-fichier", "2026-11-03T18:00:00", "2026-11-03T20:00:00", compte_rendu="cr/absent.pdf"),
        event("hors-dossier", "2026-11-03T18:00:00", "2026-11-03T20:00:00", compte_rendu="../secret.pdf"),
        event("instance-inconnue", "2026-12-03T18:00:00", "2026-12-03T20:00:00", instance="fantome"),
        event("limite-tardive", "2026-12-03T18:00:00", "2026-12-03T20:00:00",
              lien_inscription="https://example.org", date_limite_inscription="2026-12-04"),
    ])
    write_bodies(paths.datasets, [BODY])
    with pytest.raises(BuildRefused) as refused:
        build_at(paths)
    found = {(p.code, p.row, p.field) for p in refused.value.report.errors}
    assert found == {
        ("end-before-start", 2, "fin"), ("unknown-canton", 3, "canton"), ("reserved-id", 4, "id"),
        ("missing-file", 5, "compte_rendu"), ("unsafe-path", 6, "compte_rendu"),
        ("unknown-body", 7, "instance"), ("late-deadline", 8, "date_limite_inscription"),
    }
    assert all(p.file == "datasets/agenda-test/evenements.csv" for p in refused.value.report.errors)
    assert not paths.output.exists()


def test_an_offset_in_a_time_is_refused_by_the_schema(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_agenda(paths.datasets, [event("utc", "2026-12-03T18:00:00+01:00", "2026-12-03T20:00:00")])
    with pytest.raises(BuildRefused) as refused:
        build_at(paths)
    assert [(p.row, p.field) for p in refused.value.report.errors] == [(2, "debut")]


def test_doubtful_events_are_warnings(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_agenda(paths.datasets, [
        event("sans-accessibilite", "2026-12-03T18:00:00", "2026-12-03T20:00:00", accessibilite=""),
        event("heure-sautee", "2027-03-28T02:30:00", "2027-03-28T04:00:00"),
        event("cr-trop-tot", "2026-12-03T18:00:00", "2026-12-03T20:00:00",
              compte_rendu="cr.pdf"),
    ], files={"cr.pdf": SAMPLE_PDF.read_bytes()})
    result = build_at(paths)
    codes = {(p.code, p.row) for p in result.report.warnings}
    assert codes == {("no-accessibility", 2), ("nonexistent-time", 3), ("minutes-too-early", 4)}
    with pytest.raises(BuildRefused), pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_DATE.timestamp())))
        build(paths, PELICAN_CONF, strict=True)


def test_a_site_without_agenda_has_no_agenda_pages(small_site: BuildPaths) -> None:
    build_at(small_site)
    assert not (small_site.output / "agenda").exists()


def test_french_dates() -> None:
    start = datetime(2027, 3, 1, 9, 0, tzinfo=PARIS)
    def plain(text: str) -> str:
        return text.replace("\u00a0", " ")

    assert plain(span_fr(start, start + timedelta(hours=2, minutes=30))) == \
        "lundi 1er mars 2027, de 9 h à 11 h 30"
    assert plain(span_fr(start, start + timedelta(days=2))) == \
        "du lundi 1er mars 2027 à 9 h au mercredi 3 mars 2027 à 9 h"
    assert "18\u00a0h\u00a030" in span_fr(start.replace(hour=18, minute=30), start.replace(hour=20))


# ---- the sample site -----------------------------------------------------------------

@pytest.mark.slow
def test_sample_agenda_in_the_full_site(sample_output: Path) -> None:
    calendar = read_calendar(sample_output / "agenda" / "agenda.ics")
    rows = list(csv.DictReader((ROOT / "datasets" / "agenda-participation" / "evenements.csv")
                               .open(encoding="utf-8")))
    assert len(calendar.walk("VEVENT")) == len(rows) == 20
    assert len({r["canton"] for r in rows if r["canton"]}) >= 5
    assert len({r["type"] for r in rows}) >= 6
    for row in rows:
        page = sample_output / "agenda" / row["id"] / "index.html"
        data = jsonld(page.read_text(encoding="utf-8"))
        assert data["name"] == row["titre"]
        if row["compte_rendu"]:
            assert (sample_output / "agenda" / row["id"] / Path(row["compte_rendu"]).name).is_file()


# ---- in a browser --------------------------------------------------------------------

def browser_findings(output: Path, paths: list[str], tmp_path: Path, browser) -> list[str]:
    """Open each page of a built site in Chromium: axe at 1280 px, reflow at 320 px, and
    whatever the console, the CSP or a request to another host reported."""
    from tests.browser.conftest import serve
    from tests.support.gates import RequestGuard, axe_violations, reflow_findings

    site = tmp_path / "site"
    shutil.copytree(output, site)
    findings = []
    with serve(site) as base:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
        try:
            guard = RequestGuard(base).attach(context)
            page = context.new_page()
            for path in paths:
                response = page.goto(base + path)
                assert response is not None and response.ok, path
                findings += [f"{path}: {f}" for f in axe_violations(page)]
                page.set_viewport_size({"width": 320, "height": 640})
                findings += [f"{path}: {f}" for f in reflow_findings(page)]
                page.set_viewport_size({"width": 1280, "height": 800})
                scripts = page.evaluate(
                    "() => [...document.querySelectorAll('script[type=\"application/ld+json\"]')]"
                    ".map(s => JSON.parse(s.textContent)['@type'])")
                if re.fullmatch(r"/agenda/(?!passes/|instances/|cantons/)[a-z0-9-]+/", path):
                    assert scripts == ["Event"], path
            findings += guard.findings(context)
        finally:
            context.close()
    return findings


@pytest.mark.slow
@pytest.mark.browser
def test_agenda_pages_in_a_browser(agenda_site: Path, tmp_path: Path, browser) -> None:
    """JSON-LD is a data block: the CSP lets it be, and nothing complains in the console."""
    paths = ["/agenda/", "/agenda/decembre/", "/agenda/annule/", "/agenda/en-ligne/", "/agenda/passes/",
             "/agenda/instances/ccc-test/", "/agenda/cantons/cambrai/"]
    assert browser_findings(agenda_site, paths, tmp_path, browser) == []
