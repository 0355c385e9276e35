"""National schemas (SCDL): the schema cache (URL → file, both layouts), the custom checks
(SIRET, phone numbers, GPS in France…), what is reported as not checked, the conformity
section of the dataset page, and the three-month deadline of the grants' essential data."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import pipeline.build
from pipeline.build import BuildResult, build, validate
from pipeline.config import BuildPaths, load_settings
from pipeline.errors import BuildRefused
from pipeline.model import Resource
from pipeline.national.checks import CHECKS, run_custom_checks
from pipeline.national.conformity import copied_national, declared_national
from pipeline.national.deadline import beneficiary_amount, deadline, euros, first_publications
from pipeline.national.identifiers import phone_valid, place_in_france, siren_valid, siret_valid
from pipeline.national.keys import unknown_keys
from pipeline.schemas import SchemaCache, SchemaNotCached, national_url
from tests.conftest import PELICAN_CONF, ROOT, SHARED_DATA, requires_shared_data
from tests.test_national_examples import EXAMPLES, EXPECTED

SCDL = SHARED_DATA / "schemas" / "scdl"
SHARED_CACHE = "../shared/data/schemas"  # the setting, relative to the project
URL = "https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json"
PAGE = "https://schema.data.gouv.fr/scdl/subventions/2.1.1/"
NORD = "22590001800014"  # the Département du Nord's SIRET
# SOURCE_DATE_EPOCH of the builds: datasets outside git are "published" that day.
BUILD_DAY = datetime(2025, 6, 1, 12, tzinfo=UTC)


def _luhn(number: str) -> bool:
    """The Luhn rule written plainly, to check the vectorised one."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _luhn_complete(prefix: str) -> str:
    """prefix + the digit that makes its Luhn key right."""
    for digit in "0123456789":
        if siren_valid([prefix + digit])[0] if len(prefix) == 8 else siret_valid([prefix + digit])[0]:
            return prefix + digit
    raise AssertionError(prefix)


def make_siret(seed: int) -> str:
    siren = _luhn_complete(f"{seed:08d}")
    return _luhn_complete(f"{siren}{seed % 10000:04d}")


# --- the schema cache: URL → file -------------------------------------------------------------

def test_national_urls_name_publisher_schema_and_version() -> None:
    assert national_url(URL) == national_url(URL.replace("https", "http"))
    named = national_url(URL)
    assert (named.publisher, named.name, named.version, named.fallback) == (
        "scdl", "subventions", "2.1.1", "scdl/subventions/schema.json")
    latest = national_url("https://schema.data.gouv.fr/schemas/scdl/deliberations/latest/schema.json")
    assert (latest.name, latest.version) == ("deliberations", "latest")
    gitlab = national_url("https://gitlab.com/opendatafrance/scdl/subventions/raw/v2.1.1/schema.json")
    assert (gitlab.publisher, gitlab.name, gitlab.version) == ("scdl", "subventions", "2.1.1")
    etalab = national_url("https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/2.3.1/schema.json")
    assert (etalab.publisher, etalab.name) == ("etalab", "schema-irve-statique")
    assert national_url("https://example.org/schemas/scdl/subventions/2.1.1/schema.json") is None


def _schema(version: str, title: str = "Subventions") -> dict:
    return {"name": "subventions", "title": title, "version": version,
            "fields": [{"name": "montant", "type": "number"}]}


def test_downloaded_layout_host_and_path(tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path)
    path = cache.path_for(URL)
    assert path == tmp_path / "schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json"
    with pytest.raises(SchemaNotCached, match="not in the cache"):
        cache.load(URL)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_schema("2.1.1")), encoding="utf-8")
    assert cache.load(URL)["version"] == "2.1.1"
    other = "https://example.org/a/b.json"
    assert cache.path_for(other) == tmp_path / "example.org/a/b.json"


def test_copy_layout_by_name_when_the_version_matches(tmp_path: Path) -> None:
    copy = tmp_path / "scdl" / "subventions" / "schema.json"
    copy.parent.mkdir(parents=True)
    copy.write_text(json.dumps(_schema("v2.1.1")), encoding="utf-8")
    cache = SchemaCache(tmp_path)
    assert cache.find(URL) == copy  # "v2.1.1" in the file is version 2.1.1
    assert cache.load(URL.replace("2.1.1", "latest"))["title"] == "Subventions"
    wrong = re.escape("holds version v2.1.1 of scdl/subventions, not 2.0.2")
    with pytest.raises(SchemaNotCached, match=wrong):
        cache.load(URL.replace("2.1.1", "2.0.2"))
    # The exact download wins over the copy of the latest versions.
    exact = cache.path_for(URL)
    exact.parent.mkdir(parents=True)
    exact.write_text(json.dumps(_schema("2.1.1", "Téléchargé")), encoding="utf-8")
    assert cache.load(URL)["title"] == "Téléchargé"
    # Not a national URL: no fallback.
    with pytest.raises(SchemaNotCached):
        cache.load("https://example.org/scdl/subventions/2.1.1/schema.json")


@requires_shared_data()
def test_the_shared_copy_resolves_every_scdl_schema_by_its_version() -> None:
    cache = SchemaCache.for_project(ROOT, _settings_with_cache(SHARED_CACHE))
    assert cache.folder == SHARED_DATA.resolve() / "schemas"
    versions = {"subventions": "2.1.1", "deliberations": "2.1.5", "equipements": "0.1.5",
                "budget": "0.8.3", "catalogue": "0.1.3", "prenoms": "1.1.6"}  # prenoms says v1.1.6
    for name, version in versions.items():
        url = f"https://schema.data.gouv.fr/schemas/scdl/{name}/{version}/schema.json"
        assert cache.find(url) == SCDL.resolve() / name / "schema.json"
    with pytest.raises(SchemaNotCached, match=re.escape("holds version 2.1.1")):
        cache.load(URL.replace("2.1.1", "2.1.0"))
    # site: schemas still come from the project, wherever the cache is.
    assert cache.find("site:projets/projets") == ROOT / "schemas" / "site" / "projets" / "projets.json"


def _settings_with_cache(folder: str):
    from dataclasses import replace

    return replace(load_settings(ROOT / "site.yaml"), schema_cache=folder)


def test_schema_cache_setting_default_and_absolute(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "site.yaml")
    assert settings.schema_cache == "schemas"
    assert SchemaCache.for_project(ROOT, settings).folder == ROOT / "schemas"
    assert SchemaCache.for_project(ROOT).folder == ROOT / "schemas"
    assert SchemaCache.for_project(ROOT, _settings_with_cache(str(tmp_path))).folder == tmp_path
    # The old form keeps working: one folder for both.
    assert SchemaCache(ROOT / "schemas").find("site:projets/projets").is_file()


@requires_shared_data()
def test_schemas_command_downloads_into_the_configured_cache(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    datasets = tmp_path / "datasets"
    _national_dataset(datasets, _rows())
    settings = tmp_path / "site.yaml"
    settings.write_text(_site_yaml(str(tmp_path / "cache-schemas")), encoding="utf-8")
    requested = []

    def fake_urlopen(url: str, timeout: float = 30):  # the shared copy stands for the network
        requested.append(url)
        return io.BytesIO((SCDL / "subventions" / "schema.json").read_bytes())

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    result = CliRunner().invoke(cli, ["--settings", str(settings), "--datasets", str(datasets),
                                      "schemas"], obj={})
    assert result.exit_code == 0, result.output
    target = tmp_path / "cache-schemas/schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json"
    assert requested == [URL] and f"{URL} -> {target}" in result.output
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.1"

    def no_network(url: str, timeout: float = 30):
        raise OSError("Network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    result = CliRunner().invoke(cli, ["--settings", str(settings), "--datasets", str(datasets),
                                      "schemas"], obj={})
    assert result.exit_code == 1 and "Could not download" in result.output
    assert "Traceback" not in result.output


# --- identifiers ------------------------------------------------------------------------------

def test_siret_luhn_valid_invalid_and_la_poste() -> None:
    valid = [NORD, "21590350100017", make_siret(12345678), "35600000000048"]
    assert siret_valid(valid).all()
    invalid = [
        "22590001800015",  # last digit changed
        "22590001800041",  # two digits swapped
        "12345678901234",
        "2259000180001",  # 13 digits
        "2259000180001A",
        "22590001 80014",
    ]
    assert not siret_valid(invalid).any()
    # 14 digits with a right Luhn key, but whose SIREN (first 9 digits) has a wrong one.
    bad_siren = next(f"123456789000{n:02d}" for n in range(100) if _luhn(f"123456789000{n:02d}"))
    assert not siren_valid([bad_siren[:9]])[0] and not siret_valid([bad_siren])[0]
    # La Poste: SIREN 356000000, digits adding up to a multiple of 5 instead of the Luhn key.
    assert siret_valid(["35600000000001", "35600000049837"]).tolist() == [True, True]
    assert not siret_valid(["35600000000002"])[0]  # sum 16
    assert siret_valid(["35600000000001"])[0] and not siret_valid(["35700000000001"])[0]
    assert siret_valid([]).shape == (0,)


def test_siren() -> None:
    assert siren_valid(["225900018", "356000000", "732829320"]).all()
    assert not siren_valid(["225900019", "22590001", "A25900018", None]).any()


@pytest.mark.parametrize("number", [
    "03 20 63 59 59", "0320635959", "03.20.63.59.59", "03-20-63-59-59", "06 12 34 56 78",
    "+33 3 20 63 59 59", "+33 (0)3 20 63 59 59", "+33320635959", "0033 3 20 63 59 59",
    "0262 12 34 56", "02 62 12 34 56", "+262 262 12 34 56", "+590 590 12 34 56", "+689 40 12 34 56",
    "3949", "15", "112", "115", "+32 2 123 45 67",
])
def test_phone_numbers_accepted(number: str) -> None:
    assert phone_valid(number)


@pytest.mark.parametrize("number", [
    "03 20 63 59", "3 20 63 59 59", "0 320 63 59 5", "+33 0 3 20 63 59", "+33 3 20 63 59 59 9",
    "0320635959x", "tél. 03 20 63 59 59", "+262 12 34", "+12", "",
])
def test_phone_numbers_refused(number: str) -> None:
    assert not phone_valid(number)


@pytest.mark.parametrize(("lon", "lat", "place"), [
    (3.0573, 50.6311, "France métropolitaine et Corse"),  # Lille
    (2.3522, 48.8566, "France métropolitaine et Corse"),
    (9.45, 42.7, "France métropolitaine et Corse"),  # Bastia
    (-4.49, 48.39, "France métropolitaine et Corse"),  # Brest
    (55.45, -20.88, "La Réunion"),
    (-52.33, 4.93, "Guyane"),
    (-61.53, 16.24, "Guadeloupe"),
    (-61.07, 14.6, "Martinique"),
    (45.23, -12.78, "Mayotte"),
    (166.45, -22.27, "Nouvelle-Calédonie"),
    (-149.57, -17.53, "Polynésie française"),
    (-56.17, 46.78, "Saint-Pierre-et-Miquelon"),
])
def test_gps_points_in_france(lon: float, lat: float, place: str) -> None:
    assert place_in_france(lon, lat) == place


@pytest.mark.parametrize(("lon", "lat"), [
    (-0.1276, 51.5072),  # London
    (-3.70, 40.42),  # Madrid
    (0.0, 0.0),
    (50.63, 3.06),  # Lille, swapped
    (13.40, 52.52),  # Berlin
    (-74.0, 40.7),  # New York
])
def test_gps_points_outside_france(lon: float, lat: float) -> None:
    assert place_in_france(lon, lat) is None


# --- custom checks on a typed table -----------------------------------------------------------

def _run(schema: dict, columns: dict[str, list]) -> tuple[dict, dict]:
    done, not_run = run_custom_checks(schema, pa.table(columns))
    return {(c.name, c.columns): c for c in done}, {n.name: n for n in not_run}


def test_siret_and_one_of_required_checks_locate_rows() -> None:
    schema = {"fields": [], "custom_checks": [
        {"name": "french-siret-value", "params": {"column": "idBeneficiaire"}},
        {"name": "one-of-required", "params": {"column1": "idBeneficiaire", "column2": "rnaBeneficiaire"}},
    ]}
    done, not_run = _run(schema, {"idBeneficiaire": [NORD, "22590001800015", None, None],
                                  "rnaBeneficiaire": [None, None, "W591234567", None]})
    assert not not_run
    siret = done[("french-siret-value", ("idBeneficiaire",))]
    assert siret.failures == 1
    finding = siret.findings[0]
    assert (finding.row, finding.field, finding.value) == (3, "idBeneficiaire", "22590001800015")
    assert "not a valid SIRET" in finding.message and "Luhn" in finding.message
    assert "annuaire-entreprises" in siret.hint
    one_of = done[("one-of-required", ("idBeneficiaire", "rnaBeneficiaire"))]
    assert [f.row for f in one_of.findings] == [5]
    assert "RNA" in one_of.hint


def test_phone_and_gps_checks() -> None:
    schema = {"fields": [{"name": "point", "type": "geopoint"}], "custom_checks": [
        {"name": "phone-number-value", "params": {"column": "tel"}},
        {"name": "french-gps-coordinates", "params": {"column": "point"}},
        {"name": "french-gps-coordinates", "params": {"latitude": "lat", "longitude": "lon"}},
    ]}
    done, _ = _run(schema, {
        "tel": ["03 20 63 59 59", "12", "0320"],
        "point": ["3.06, 50.63", "50.63, 3.06", "-3.7, 40.4"],
        "lat": [50.63, 40.4, None],
        "lon": [3.06, -3.7, 3.0],
    })
    phone = done[("phone-number-value", ("tel",))]
    assert [(f.row, f.value) for f in phone.findings] == [(4, "0320")]
    gps = done[("french-gps-coordinates", ("point",))].findings
    assert [f.row for f in gps] == [3, 4]
    assert "swapped" in gps[0].message and "not in France" in gps[1].message
    pair = done[("french-gps-coordinates", ("lat", "lon"))].findings
    assert [(f.row, f.field, f.value) for f in pair] == [(3, "lat, lon", "40.4, -3.7")]


def _check(name: str, **params) -> dict:
    return {"name": name, "params": params}


def test_deliberations_checks_between_columns() -> None:
    schema = {"fields": [], "custom_checks": [
        _check("year-interval-value", column="BUDGET_ANNEE", **{"allow-year-only": "yes"}),
        _check("cohesive-columns-value", column="BUDGET_ANNEE", othercolumns=["BUDGET_NOM"]),
        _check("compare-columns-value", column="PREF_DATE", op=">=", column2="DELIB_DATE"),
        _check("compare-columns-value", column="VOTE_REEL", op=">=", column2="VOTE_POUR"),
        _check("sum-columns-value", column="VOTE_REEL", columns=["VOTE_POUR", "VOTE_CONTRE"]),
        _check("nomenclature-actes-value", column="DELIB_MATIERE_NOM"),
    ]}
    done, not_run = _run(schema, {
        "BUDGET_ANNEE": ["2024", "2024/2025", "2025/2024", "vingt", None],
        "BUDGET_NOM": ["Budget principal", "Budget annexe", None, "Budget", None],
        "PREF_DATE": [date(2024, 3, 2), date(2024, 3, 1), None, date(2024, 1, 1), None],
        "DELIB_DATE": [date(2024, 3, 1), date(2024, 3, 1), date(2024, 3, 1), date(2024, 2, 1), None],
        "VOTE_REEL": [40, 40, 30, None, 10],
        "VOTE_POUR": [30, 41, 20, 1, 5],
        "VOTE_CONTRE": [10, 0, 5, 1, 5],
        "DELIB_MATIERE_NOM": ["Finances locales/Subventions", "finances LOCALES / Budget",
                              "Finances", "Culture/Musées", None],
    })
    assert not not_run
    rows = {key: [f.row for f in check.findings] for key, check in done.items()}
    assert rows[("year-interval-value", ("BUDGET_ANNEE",))] == [4, 5]
    assert rows[("cohesive-columns-value", ("BUDGET_ANNEE", "BUDGET_NOM"))] == [4]
    assert rows[("compare-columns-value", ("PREF_DATE", "DELIB_DATE"))] == [5]
    assert rows[("compare-columns-value", ("VOTE_REEL", "VOTE_POUR"))] == [3]
    assert rows[("sum-columns-value", ("VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE"))] == [3, 4]
    assert rows[("nomenclature-actes-value", ("DELIB_MATIERE_NOM",))] == [4, 5]


def test_unsupported_custom_checks_are_listed_as_not_run() -> None:
    schema = {"fields": [], "custom_checks": [
        {"name": "opening-hours-value", "params": {"column": "horaires"}},
        {"name": "french-siret-value", "params": {"column": "absente"}},
        {"name": "compare-columns-value", "params": {"column": "a", "op": "≈", "column2": "b"}},
        "pas une entrée",
    ]}
    table = pa.table({"horaires": ["Mo-Fr 09:00-17:00"], "a": [1], "b": [1]})
    done, not_run = run_custom_checks(schema, table)
    assert not done
    assert [n.name for n in not_run] == ["opening-hours-value", "french-siret-value",
                                         "compare-columns-value", "?"]
    labels = [n.label for n in not_run]
    assert "validateur national" in labels[0] and "« horaires »" in labels[0]
    assert "absente du fichier" in labels[1]
    assert "op" in labels[2]
    assert "illisible" in labels[3]


@requires_shared_data()
def test_every_custom_check_of_the_scdl_schemas_is_supported() -> None:
    declared = Counter()
    for path in sorted(SCDL.glob("*/schema.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")).get("custom_checks") or ():
            declared[entry["name"]] += 1
    assert set(declared) == {"french-siret-value", "one-of-required", "year-interval-value",
                             "cohesive-columns-value", "compare-columns-value", "sum-columns-value",
                             "nomenclature-actes-value"}
    assert set(declared) <= set(CHECKS)


@requires_shared_data()
def test_keys_outside_table_schema_are_reported_not_silently_ignored() -> None:
    for path in sorted(SCDL.glob("*/schema.json")):  # the SCDL schemas use Table Schema only
        assert unknown_keys(json.loads(path.read_text(encoding="utf-8"))) == [], path
    schema = {"fields": [{"name": "theme", "type": "string", "categories": ["a", "b"],
                          "constraints": {"required": True, "minItems": 2}, "examples": ["a"]}],
              "x-validata": {"strict": True}, "homepage": "https://example.org"}
    found = [(u.key, u.field) for u in unknown_keys(schema)]
    assert found == [("x-validata", None), ("categories", "theme"), ("constraints.minItems", "theme")]
    assert "n'applique pas" in unknown_keys(schema)[1].label


@requires_shared_data()
def test_the_official_examples_pass_or_fail_the_custom_checks() -> None:
    schema = json.loads((SCDL / "subventions" / "schema.json").read_text(encoding="utf-8"))
    counts = {}
    for name in ("exemple_valide.csv", "exemple_invalide_erreurs_cellules.csv"):
        header = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        table = pacsv.read_csv(EXAMPLES / name, convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True))
        done, not_run = run_custom_checks(schema, table)
        assert not not_run
        counts[name] = [(c.name, c.columns[0], c.failures) for c in done]
    assert counts["exemple_valide.csv"] == [("french-siret-value", "idAttribuant", 0),
                                            ("french-siret-value", "idBeneficiaire", 0),
                                            ("one-of-required", "idBeneficiaire", 0)]
    assert counts["exemple_invalide_erreurs_cellules.csv"] == [
        ("french-siret-value", "idAttribuant", 29), ("french-siret-value", "idBeneficiaire", 20),
        ("one-of-required", "idBeneficiaire", 1)]


# --- national schema of a resource ------------------------------------------------------------

def _resource(schema: dict, source: str) -> Resource:
    return Resource(name="r", title="R", path=Path("r.csv"), relpath="r.csv", format="csv",
                    encoding="utf-8", dialect={}, schema=schema, schema_source=source)


def test_declared_and_copied_national_schemas() -> None:
    declared = declared_national(_resource(_schema("2.1.1"), URL))
    assert (declared.label, declared.page_url) == ("Subventions 2.1.1", PAGE)
    latest = declared_national(_resource(_schema("v2.1.1"), URL.replace("2.1.1", "latest")))
    assert latest.version == "2.1.1"
    assert declared_national(_resource(_schema("2.1.1"), "schema.json")) is None
    copy = {**_schema("2.0.2"), "path": "https://git.opendatafrance.net/scdl/subventions/raw/v2.0.2/schema.json"}
    copied = copied_national(_resource(copy, "schema.json"))
    assert (copied.name, copied.version) == ("subventions", "2.0.2")
    assert copied_national(_resource(_schema("1"), "schema.json")) is None


# --- the deadline -----------------------------------------------------------------------------

@pytest.mark.parametrize(("convention", "due"), [
    (date(2024, 1, 10), date(2024, 4, 10)),
    (date(2024, 11, 30), date(2025, 2, 28)),  # clamped to the end of February
    (date(2023, 11, 30), date(2024, 2, 29)),  # leap year
    (date(2024, 12, 31), date(2025, 3, 31)),
])
def test_deadline_is_three_calendar_months(convention: date, due: date) -> None:
    assert deadline(convention) == due


def test_beneficiary_amount_and_euros() -> None:
    assert beneficiary_amount(60000.0, 0.3) == pytest.approx(18000)
    assert beneficiary_amount(45000.0, 1.0) == 45000
    assert beneficiary_amount(45000.0, None) == 45000
    assert beneficiary_amount(None, 0.5) is None
    assert euros(47800.2) == "47\u202f800,20\u202f€"


def _git(folder: Path, *args: str, day: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if day:
        env |= {"GIT_AUTHOR_DATE": f"{day}T10:00:00+01:00", "GIT_COMMITTER_DATE": f"{day}T10:00:00+01:00"}
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env)


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_first_publication_of_each_row_from_git(tmp_path: Path) -> None:
    repo = tmp_path / "depot"
    folder = repo / "datasets" / "subventions"
    folder.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    a = {"dateConvention": "2024-01-10", "nomBeneficiaire": "Club de judo", "montant": "30000"}
    b = {"dateConvention": "2024-01-10", "nomBeneficiaire": "Maison des familles", "montant": "40000"}
    c = {"dateConvention": "2024-03-01", "nomBeneficiaire": "Régie de quartier", "montant": "50000"}
    (folder / "old.csv").write_text(_csv([a, b]), encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first", day="2024-02-01")
    # The file is renamed, the judo club's amount and name's case corrected, a row added.
    _git(repo, "mv", "datasets/subventions/old.csv", "datasets/subventions/subventions.csv")
    corrected = {**a, "nomBeneficiaire": "CLUB DE JUDO", "montant": "31000"}
    (folder / "subventions.csv").write_text(_csv([corrected, b, c]), encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "second", day="2024-07-15")
    # A second grant to the same club the same day, not committed yet.
    (folder / "subventions.csv").write_text(_csv([corrected, b, c, {**a, "montant": "25000"}]),
                                            encoding="utf-8")
    resource = _resource({"fields": []}, URL)
    resource = Resource(**{**resource.__dict__, "path": folder / "subventions.csv"})
    fallback = date(2024, 9, 1)
    found = first_publications(resource, folder, 4, fallback, tmp_path / "cache")
    assert [(p.day, p.exact, p.from_git) for p in found] == [
        (date(2024, 2, 1), True, True), (date(2024, 2, 1), True, True),
        (date(2024, 7, 15), True, True), (fallback, True, False)]
    assert list((tmp_path / "cache").glob("*.json"))  # keys cached by blob
    assert first_publications(resource, folder, 4, fallback, tmp_path / "cache") == found
    # A shallow clone: the oldest version visible was published on or before its date.
    _git(repo, "commit", "-q", "-am", "third", day="2024-10-01")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True,
                   capture_output=True)
    shallow_folder = clone / "datasets" / "subventions"
    shallow = Resource(**{**resource.__dict__, "path": shallow_folder / "subventions.csv"})
    found = first_publications(shallow, shallow_folder, 4, fallback, None)
    assert {(p.day, p.exact) for p in found} == {(date(2024, 10, 1), False)}
    # Outside git: the dataset's modified date for every row.
    elsewhere = tmp_path / "ailleurs"
    shutil.copytree(folder, elsewhere)
    outside = Resource(**{**resource.__dict__, "path": elsewhere / "subventions.csv"})
    assert {p.from_git for p in first_publications(outside, elsewhere, 4, fallback, None)} == {False}


# --- builds -----------------------------------------------------------------------------------

HEADER = ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
          "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
          "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide"]


def _row(convention: str, name: str, amount: str, share: str = "1.00", siret: str | None = None,
         rna: str = "") -> dict[str, str]:
    return {"nomAttribuant": "Département du Nord", "idAttribuant": NORD,
            "dateConvention": convention, "referenceDecision": "CP-2024-01",
            "nomBeneficiaire": name, "idBeneficiaire": siret if siret is not None else make_siret(len(name)),
            "rnaBeneficiaire": rna, "objet": f"Soutien à {name}", "montant": amount,
            "nature": "aide en numéraire", "conditionsVersement": "unique",
            "datesPeriodeVersement": "2024-06-30", "idRAE": "", "notificationUE": "non",
            "pourcentageSubvention": share, "dispositifAide": ""}


def _rows() -> list[dict[str, str]]:
    return [
        _row("2024-01-10", "Régie de quartier d'Avesnes", "45000.00"),  # due 2024-04-10: late
        _row("2024-02-09", "Judo Club de Bavay", "5000.00"),  # under the threshold
        _row("2025-04-15", "Maison des familles", "30000.00"),  # due 2025-07-15: in time
        _row("2024-05-02", "Collectif des quartiers", "60000.00", share="0.30"),  # 18,000 €
        _row("2024-11-30", "Association sans SIRET", "24000.00", siret="", rna="W591234567"),  # late
    ]


def _national_dataset(datasets: Path, rows: list[dict[str, str]], slug: str = "subventions-nationales",
                      schema: str = URL) -> Path:
    folder = datasets / slug
    folder.mkdir(parents=True)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / "subventions.csv").write_text(out.getvalue(), encoding="utf-8")
    (folder / "datapackage.yaml").write_text(
        f"name: {slug}\ntitle: Subventions au format national\ndescription: Exemple.\n"
        "theme: finances\nkeywords: [subventions]\ncontact: {email: test@example.org}\n"
        f"resources:\n  - name: subventions\n    path: subventions.csv\n    schema: {schema}\n",
        encoding="utf-8")
    return folder


def _site_yaml(cache: str) -> str:
    text = (ROOT / "site.yaml").read_text(encoding="utf-8")
    return re.sub(r"^schema_cache: .*$", f'schema_cache: "{cache}"', text, flags=re.M)


def _national_paths(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> BuildPaths:
    """A project whose schema cache is the shared copy of the SCDL schemas."""
    settings = tmp / "site.yaml"
    settings.write_text(_site_yaml(SHARED_CACHE), encoding="utf-8")
    paths = BuildPaths.for_project(ROOT, settings_file=settings, datasets=tmp / "datasets",
                                   output=tmp / "output", cache=tmp / "cache")
    paths.datasets.mkdir(parents=True, exist_ok=True)
    _cache_from_settings(monkeypatch, paths)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_DAY.timestamp())))
    return paths


def _cache_from_settings(monkeypatch: pytest.MonkeyPatch, paths: BuildPaths) -> None:
    """build.py reads schemas with SchemaCache(root / "schemas"); until it builds its cache
    with SchemaCache.for_project(paths.root, settings), make it honour schema_cache here."""

    class SettingsCache:
        for_project = staticmethod(SchemaCache.for_project)

        def __new__(cls, folder: Path, *args, **kwargs) -> SchemaCache:
            return SchemaCache.for_project(paths.root, load_settings(paths.settings_file))

    monkeypatch.setattr(pipeline.build, "SchemaCache", SettingsCache)


def _page(paths: BuildPaths, slug: str = "subventions-nationales") -> str:
    return (paths.output / "jeux-de-donnees" / slug / "index.html").read_text(encoding="utf-8")


@pytest.fixture
def national_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[BuildPaths, BuildResult]:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    paths = _national_paths(tmp_path, monkeypatch)
    _national_dataset(paths.datasets, _rows())
    return paths, build(paths, PELICAN_CONF, strict=True)


@pytest.mark.slow
def test_national_dataset_page_says_it_conforms_and_lists_the_checks(national_site) -> None:
    paths, result = national_site
    html = _page(paths)
    assert not result.report.problems
    text = re.sub(r"<[^>]+>", "", html)
    assert "Conforme au schéma national Subventions 2.1.1" in text
    assert f'<a href="{PAGE}">Subventions 2.1.1</a>' in html
    assert 'id="conformite"' in html and "Contrôles effectués" in html
    assert "numéros SIRET valides" in text and "« idAttribuant »" in text and "« idBeneficiaire »" in text
    assert "au moins une des colonnes « idBeneficiaire », « rnaBeneficiaire » renseignée" in text
    assert "Contrôles non effectués" not in html
    assert f'<a href="{URL}">' in html  # the metadata table links the schema file


@pytest.mark.slow
def test_three_month_deadline_lists_late_rows_on_the_page_and_in_the_notes(national_site) -> None:
    paths, result = national_site
    html = _page(paths)
    section = html[html.index('id="delai-publication"'):]
    text = re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", "", section))
    assert "Sur 3 subventions de plus de 23\u202f000\u202f€ : 1 publiée dans le délai, 2 en retard" in text
    table = section[section.index("<table"):section.index("</table>")]
    assert "<caption" in table and "Subventions publiées après l'échéance légale" in table
    assert table.count('<th scope="col">') == 8 and table.count('<th scope="row">') == 2
    assert '<th scope="row">2</th>' in table and '<th scope="row">6</th>' in table
    assert '<time datetime="2024-04-10">10 avril 2024</time>' in table  # 10 January + 3 months
    assert '<time datetime="2025-02-28">28 février 2025</time>' in table  # 30 November + 3 months
    assert '<time datetime="2025-06-01">1er juin 2025</time>*' in table  # not in git: the build day
    assert "417 jours" in table and "93 jours" in table
    assert "3 de ces subventions, absentes de cet historique, sont datées du 1er juin 2025" in text
    notes = result.site.extras["national"].notes
    file = "datasets/subventions-nationales/subventions.csv"
    assert any(n.startswith(f"NOTE {file}: 3 grant(s) above 23,000 €: 1 published") for n in notes)
    assert f"NOTE {file}, row 2: grant of 45,000.00 € to \"Régie de quartier d'Avesnes\", convention of " \
           "2024-01-10, due by 2024-04-10, published on 2025-06-01 (417 days late)." in notes
    assert not result.report.warnings  # informational: --strict builds are not refused


@pytest.mark.slow
def test_a_wrong_siret_refuses_the_build_with_its_row_and_fix(tmp_path: Path, monkeypatch) -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    paths = _national_paths(tmp_path, monkeypatch)
    rows = _rows()
    good = rows[2]["idBeneficiaire"]
    rows[2]["idBeneficiaire"] = good[:-1] + str((int(good[-1]) + 1) % 10)  # a wrong key
    rows[4]["rnaBeneficiaire"] = ""  # neither SIRET nor RNA
    _national_dataset(paths.datasets, rows)
    with pytest.raises(BuildRefused) as refused:
        build(paths, PELICAN_CONF)
    errors = refused.value.report.errors
    assert [(p.code, p.row, p.field) for p in errors] == [
        ("french-siret-value", 4, "idBeneficiaire"),
        ("one-of-required", 6, "idBeneficiaire, rnaBeneficiaire")]
    siret = errors[0]
    assert siret.file == "datasets/subventions-nationales/subventions.csv"
    assert siret.value == rows[2]["idBeneficiaire"] and "not a valid SIRET" in siret.message
    assert "Sirene" in siret.hint
    assert not paths.output.exists()


@pytest.mark.slow
def test_unsupported_rules_are_reported_as_not_checked_without_failing_strict(tmp_path: Path) -> None:
    paths = BuildPaths.for_project(ROOT, datasets=tmp_path / "datasets", output=tmp_path / "output",
                                   cache=tmp_path / "cache")
    folder = paths.datasets / "lieux-accueil"
    folder.mkdir(parents=True)
    (folder / "lieux.csv").write_text(
        "nom,telephone,latitude,longitude,horaires\n"
        "Maison du Département,03 20 63 59 59,50.6311,3.0573,Mo-Fr 09:00-17:00\n"
        "Relais de Maubeuge,+33 3 27 53 00 00,50.2776,3.9726,Mo-Fr 09:00-12:00\n", encoding="utf-8")
    schema = {
        "fields": [
            {"name": "nom", "type": "string", "description": "Nom du lieu"},
            {"name": "telephone", "type": "string", "description": "Téléphone"},
            {"name": "latitude", "type": "number", "description": "Latitude WGS84"},
            {"name": "longitude", "type": "number", "description": "Longitude WGS84"},
            {"name": "horaires", "type": "string", "description": "Horaires OSM",
             "categories": ["Mo-Fr 09:00-17:00"]},
        ],
        "custom_checks": [
            {"name": "phone-number-value", "params": {"column": "telephone"}},
            {"name": "french-gps-coordinates", "params": {"latitude": "latitude", "longitude": "longitude"}},
            {"name": "opening-hours-value", "params": {"column": "horaires"}},
        ],
    }
    (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    (folder / "datapackage.yaml").write_text(
        "name: lieux-accueil\ntitle: Lieux d'accueil\ndescription: Exemple.\ntheme: action-sociale\n"
        "keywords: [accueil]\ncontact: {email: test@example.org}\n"
        "resources:\n  - name: lieux\n    path: lieux.csv\n    schema: schema.json\n", encoding="utf-8")
    result = build(paths, PELICAN_CONF, strict=True)
    assert not result.report.problems
    html = _page(paths, "lieux-accueil")
    text = re.sub(r"<[^>]+>", "", html)
    assert "Conformité au schéma</h2>" in html  # no national schema here
    assert "numéros de téléphone valides dans la colonne « telephone »" in text
    assert "coordonnées GPS situées en France, métropole ou outre-mer" in text
    assert "Contrôles non effectués" in text and "https://validata.fr/" in html
    assert "contrôle « opening-hours-value » (« horaires ») : contrôle propre au validateur national" in text
    assert "clé « categories » du champ « horaires »" in text
    notes = result.site.extras["national"].notes
    file = "datasets/lieux-accueil/lieux.csv"
    assert any("opening-hours-value" in n and n.startswith(f"NOTE {file}") for n in notes)
    assert any("'categories' of field 'horaires'" in n for n in notes)
    assert 'id="delai-publication"' not in html


@pytest.mark.slow
@requires_shared_data()
def test_the_official_valid_example_conforms_with_the_national_url(tmp_path: Path, monkeypatch) -> None:
    paths = _national_paths(tmp_path, monkeypatch)
    folder = paths.datasets / "subventions-exemple"
    folder.mkdir()
    shutil.copy(EXAMPLES / "exemple_valide.csv", folder / "data.csv")
    (folder / "datapackage.yaml").write_text(
        "name: subventions-exemple\ntitle: Exemple officiel\ndescription: Exemple.\n"
        "theme: finances\nkeywords: [subventions]\ncontact: {email: test@example.org}\n"
        f"resources:\n  - name: subventions\n    path: data.csv\n    schema: {URL}\n", encoding="utf-8")
    result = build(paths, PELICAN_CONF, strict=True)
    assert not result.report.problems
    text = re.sub(r"<[^>]+>", "", _page(paths, "subventions-exemple"))
    assert "Conforme au schéma national Subventions 2.1.1" in text


@pytest.mark.slow
@requires_shared_data()
@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_the_official_examples_give_the_same_counts_with_the_national_url(
        example: str, tmp_path: Path, monkeypatch) -> None:
    encoding, counts = EXPECTED[example]
    paths = _national_paths(tmp_path, monkeypatch)
    folder = paths.datasets / "subventions-exemple"
    folder.mkdir()
    shutil.copy(EXAMPLES / example, folder / "data.csv")
    (folder / "datapackage.yaml").write_text(
        "name: subventions-exemple\ntitle: Exemple officiel\ndescription: Exemple.\n"
        "theme: finances\nkeywords: [subventions]\ncontact: {email: test@example.org}\n"
        f"resources:\n  - path: data.csv\n    encoding: {encoding}\n    schema: {URL}\n",
        encoding="utf-8")
    result, _, _ = validate(paths, jobs=1)
    assert dict(Counter(p.code for p in result.report.errors)) == counts


@pytest.mark.slow
def test_the_sample_site_is_unchanged(sample_output: Path) -> None:
    html = (sample_output / "jeux-de-donnees" / "subventions-associations" / "index.html").read_text(
        encoding="utf-8")
    assert 'id="conformite"' not in html and 'id="delai-publication"' not in html


# --- quality gates of the new sections (the sample site has none of them) ----------------------

@pytest.mark.slow
def test_national_sections_pass_the_static_gates(national_site) -> None:
    from tests.support.gates import lang_findings, table_findings

    paths, _ = national_site
    html = _page(paths)
    assert table_findings(html, "subventions-nationales") == []
    assert lang_findings(html, "subventions-nationales") == []
    headings = re.findall(r"<h([1-6])", html[html.index('id="conformite"'):])
    assert headings[:2] == ["2", "3"] and "4" not in headings[:5]


@pytest.mark.slow
@pytest.mark.browser
def test_national_sections_pass_axe_and_reflow_without_foreign_requests(national_site, browser) -> None:
    from tests.browser.conftest import MOBILE, serve
    from tests.support.gates import RequestGuard, axe_violations, reflow_findings

    paths, _ = national_site
    with serve(paths.output) as url:
        for viewport in ({"width": 1280, "height": 800}, MOBILE):
            context = browser.new_context(viewport=viewport, locale="fr-FR")
            try:
                guard = RequestGuard(url).attach(context)
                page = context.new_page()
                page.goto(f"{url}/jeux-de-donnees/subventions-nationales/")
                assert page.locator("#conformite").is_visible()
                assert axe_violations(page) == []
                assert reflow_findings(page) == []
                assert guard.findings(context) == []
            finally:
                context.close()
