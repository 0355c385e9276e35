"""Maps: classes, the built map pages, and the 648 communes of the Nord within budget."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.config import BuildPaths
from pipeline.maps.classes import class_of, format_number, palette, quantile_breaks
from tests.conftest import PELICAN_CONF, SHARED_DATA, copy_dataset, make_paths, requires_shared_data

WEIGHT_BUDGET = 300_000  # bytes: the communes map page without the shared Leaflet files


def test_quantile_classes() -> None:
    values = [float(v) for v in range(1, 101)]
    breaks = quantile_breaks(values, 5)
    assert len(breaks) == 4
    counts = [0] * 5
    for value in values:
        counts[class_of(value, breaks)] += 1
    assert counts == [20, 20, 20, 20, 20]
    assert quantile_breaks([3.0] * 10, 5) == []  # all equal: one class
    assert len(palette(5)) == 5 and palette(5)[0] != palette(5)[-1]


def test_french_number_format() -> None:
    assert format_number(1234567.0) == "1\u202f234\u202f567"
    assert format_number(12.5) == "12,5"
    assert format_number(0.25) == "0,25"


@pytest.mark.slow
def test_sample_maps_are_built(sample_output: Path, sample_build) -> None:
    _, result = sample_build
    maps = {m.id: m for m in result.site.maps}
    assert maps["rsa-foyers-cantons"].kind == "choropleth"
    assert maps["lieux-mediation-numerique"].kind == "points"
    listing = (sample_output / "cartes" / "index.html").read_text(encoding="utf-8")
    for rendered in maps.values():
        script = (sample_output / rendered.script_path).read_text(encoding="utf-8")
        assert "L.map(" in script
        assert rendered.element_id in script
        assert not re.search(r"https?://(?!localhost)", script), "a map script refers to another host"
        page = (sample_output / "jeux-de-donnees" / rendered.dataset_slug / "index.html").read_text()
        assert f'id="{rendered.element_id}"' in page
        assert "<caption" in page and rendered.table_caption.split(" :")[0] in page
        assert f"#carte-{rendered.id}" in listing
    assert (sample_output / "theme" / "vendor" / "leaflet" / "leaflet.js").is_file()
    choropleth = maps["rsa-foyers-cantons"]
    assert choropleth.feature_count == 41 and choropleth.unjoined == ()
    assert len(choropleth.table_rows) == 41 and len(choropleth.legend) == 5


def _communes_site(tmp_path: Path) -> BuildPaths:
    """A site with the real communes layer and population table, as a data officer would add them."""
    paths = make_paths(tmp_path)
    boundaries = paths.datasets / "communes-nord"
    boundaries.mkdir(parents=True)
    shutil.copy(SHARED_DATA / "geo" / "communes-59-nord.geojson", boundaries / "communes.geojson")
    (boundaries / "datapackage.yaml").write_text(
        "name: communes-nord\ntitle: Communes du Nord\ndescription: Contours des communes.\n"
        "theme: statistiques\nkeywords: [communes]\ncontact: {email: sig@example.org}\n"
        "resources:\n  - name: communes\n    path: communes.geojson\n    format: geojson\n"
        "    map: false\n"
        "    schema:\n      primaryKey: [code]\n      fields:\n"
        "        - {name: code, type: string, description: Code INSEE.}\n"
        "        - {name: nom, type: string, description: Nom.}\n",
        encoding="utf-8")
    population = paths.datasets / "population-communes"
    population.mkdir()
    shutil.copy(SHARED_DATA / "nord" / "communes-59-nord-population-epci.csv", population / "population.csv")
    (population / "datapackage.yaml").write_text(
        "name: population-communes\ntitle: Population des communes\ndescription: Population.\n"
        "theme: statistiques\nkeywords: [population]\ncontact: {email: stat@example.org}\n"
        "resources:\n  - name: population\n    path: population.csv\n"
        "    map: {kind: choropleth, boundaries: communes-nord, join: code_insee, boundary_key: code,"
        " value: population_municipale, title: Population municipale par commune}\n"
        "    schema:\n      primaryKey: [code_insee]\n      fields:\n"
        "        - {name: code_insee, type: string, description: Code INSEE.}\n"
        "        - {name: nom, type: string, description: Nom.}\n"
        "        - {name: siren, type: string, description: SIREN.}\n"
        "        - {name: population_municipale, type: integer, description: Habitants.}\n"
        "        - {name: population_totale, type: integer, description: Habitants.}\n"
        "        - {name: epci_siren, type: string, description: SIREN de l'EPCI.}\n"
        "        - {name: epci_nom, type: string, description: EPCI.}\n"
        "        - {name: epci_type, type: string, description: Type d'EPCI.}\n",
        encoding="utf-8")
    return paths


@pytest.mark.slow
@requires_shared_data()
def test_communes_choropleth_within_weight_budget(tmp_path: Path) -> None:
    paths = _communes_site(tmp_path)
    result = build(paths, PELICAN_CONF, jobs=1)
    rendered = next(m for m in result.site.maps if m.dataset_slug == "population-communes")
    assert rendered.feature_count == 648 and rendered.unjoined == ()
    assert len(rendered.table_rows) == 648
    page = paths.output / "jeux-de-donnees" / "population-communes" / "index.html"
    script = paths.output / rendered.script_path
    weight = page.stat().st_size + script.stat().st_size
    print(f"communes map page: HTML {page.stat().st_size} B + map script {script.stat().st_size} B "
          f"= {weight} B (budget {WEIGHT_BUDGET} B)")
    assert weight <= WEIGHT_BUDGET
    # the downloads keep full precision: the GeoJSON has all 648 features, unsimplified
    geojson = json.loads((paths.output / "donnees" / "communes-nord" / "communes.geojson").read_text())
    assert len(geojson["features"]) == 648


@pytest.mark.slow
@requires_shared_data()
def test_rows_that_do_not_join_are_reported(tmp_path: Path) -> None:
    paths = _communes_site(tmp_path)
    csv = paths.datasets / "population-communes" / "population.csv"
    csv.write_bytes(csv.read_bytes() + b"99999,Nulle-part,000000000,1,1,000000000,Aucun,CC\r\n")
    result = build(paths, PELICAN_CONF, jobs=1)
    warnings = [p for p in result.report.warnings if p.code == "map-unjoined"]
    assert len(warnings) == 1 and "99999" in warnings[0].message


def test_map_spec_errors_are_reported(tmp_path: Path) -> None:
    from pipeline.build import validate

    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    folder = copy_dataset("lieux-mediation-numerique", paths.datasets)
    descriptor = folder / "datapackage.yaml"
    descriptor.write_text(descriptor.read_text().replace("latitude: latitude", "latitude: lat"))
    result, _, _ = validate(paths, jobs=1)
    assert [p.code for p in result.report.errors] == ["bad-map"]
    assert "'lat'" in result.report.errors[0].message
