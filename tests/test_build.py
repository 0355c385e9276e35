"""Full builds of the sample site and of small sites: pages, downloads, cache, atomicity."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.build import BuildResult, build
from pipeline.config import BuildPaths
from pipeline.convert import sha256_file
from pipeline.errors import BuildRefused, RenderError
from pipeline.extensions import discover as discover_extensions
from pipeline.scaffold import new_dataset
from tests.conftest import PELICAN_CONF, ROOT, tree_digest

pytestmark = pytest.mark.slow

SAMPLE_SLUGS = sorted(p.name for p in (ROOT / "datasets").iterdir() if p.is_dir())


def test_sample_site_has_every_page(sample_output: Path) -> None:
    for page in ["index.html", "catalogue/index.html", "actualites/index.html",
                 "a-propos/index.html", "licence-et-reutilisation/index.html",
                 "feeds/actualites.atom.xml", "donnees/index.json", "theme/css/colors.css"]:
        assert (sample_output / page).is_file(), page
    for slug in SAMPLE_SLUGS:
        assert (sample_output / "jeux-de-donnees" / slug / "index.html").is_file(), slug


def test_at_least_eight_samples_across_themes_one_large(sample_build) -> None:
    _, result = sample_build
    datasets = result.site.datasets
    assert len(datasets) >= 8
    assert len({d.dataset.theme_id for d in datasets}) >= 6
    assert max(d.rows for d in datasets) >= 100_000
    assert all(d.dataset.sample for d in datasets)


def test_index_lists_every_file_with_its_size_and_checksum(sample_output: Path) -> None:
    index = json.loads((sample_output / "donnees" / "index.json").read_text(encoding="utf-8"))
    assert sorted(d["slug"] for d in index["datasets"]) == SAMPLE_SLUGS
    for dataset in index["datasets"]:
        for resource in dataset["resources"]:
            formats = {f["format"] for f in resource["files"]}
            assert {"CSV", "Table Schema"} <= formats
            assert formats & {"Parquet", "GeoParquet"}
            for entry in resource["files"]:
                path = sample_output / entry["path"].lstrip("/")
                assert path.stat().st_size == entry["size"]
                assert sha256_file(path) == entry["sha256"]


def test_parquet_download_matches_row_count(sample_output: Path, sample_build) -> None:
    _, result = sample_build
    for published in result.site.datasets:
        for resource, converted in published.resources:
            table = pq.read_table(sample_output / "donnees" / published.slug / f"{resource.name}.parquet")
            assert table.num_rows == converted.rows
            geometry = ["geometry"] if resource.is_geojson else []
            assert table.column_names == [f.name for f in resource.fields] + geometry


def test_dataset_page_documents_and_previews(sample_output: Path, sample_build) -> None:
    _, result = sample_build
    published = next(d for d in result.site.datasets if d.slug == "rsa-foyers-cantons")
    html = (sample_output / "jeux-de-donnees" / "rsa-foyers-cantons" / "index.html").read_text()
    assert published.dataset.title in html
    for field in published.resources[0][0].fields:
        assert f"<code>{field.name}</code>" in html
        assert field.title in html
    assert html.count("<caption") >= 4
    assert '<th scope="col">' in html and '<th scope="row">' in html
    for data_file in published.resources[0][1].files:
        assert data_file.sha256 in html
        assert f"/donnees/rsa-foyers-cantons/{data_file.filename}" in html
    assert "Licence Ouverte" in html
    assert "pd.read_parquet" in html and "arrow::read_parquet" in html
    assert "Profil des colonnes" in html


def test_theme_pages_and_catalogue_list_every_dataset(sample_output: Path, sample_build) -> None:
    _, result = sample_build
    catalogue = (sample_output / "catalogue" / "index.html").read_text()
    for published in result.site.datasets:
        assert f"/jeux-de-donnees/{published.slug}/" in catalogue
        theme_page = sample_output / "themes" / published.dataset.theme_id / "index.html"
        assert f"/jeux-de-donnees/{published.slug}/" in theme_page.read_text()


def test_warm_rebuild_uses_the_cache(sample_build) -> None:
    paths, _ = sample_build
    again = build(paths, PELICAN_CONF, strict=True, force=True)
    assert not again.up_to_date
    assert again.cached == len(SAMPLE_SLUGS) and again.processed == 0


def _small_build(paths: BuildPaths, **kwargs) -> BuildResult:
    return build(paths, PELICAN_CONF, jobs=1, **kwargs)


def test_adding_a_dataset_folder_publishes_it(small_site: BuildPaths) -> None:
    _small_build(small_site)
    assert not (small_site.output / "jeux-de-donnees" / "nouveau-jeu").exists()
    new_dataset(small_site.datasets, "nouveau-jeu")
    result = _small_build(small_site)
    assert (small_site.output / "jeux-de-donnees" / "nouveau-jeu" / "index.html").is_file()
    assert (small_site.output / "donnees" / "nouveau-jeu" / "nouveau-jeu.parquet").is_file()
    assert result.cached == 2 and result.processed == 1


def test_an_extension_without_a_dataset_of_its_kind_adds_no_page_link_or_feed(
        small_site: BuildPaths) -> None:
    result = _small_build(small_site)
    of_kinds = {e.name for e in discover_extensions() if e.dataset_kind}
    assert {"projects", "mie", "deontologie", "agenda", "bodies", "budgets"} <= of_kinds
    assert not of_kinds & set(result.site.extras)
    for section in ("projets", "cantons", "mie", "deontologie", "agenda", "instances", "budgets",
                    "interpellations", "contributions"):
        assert not (small_site.output / section).exists(), section
    feeds = sorted(p.name for p in (small_site.output / "feeds").iterdir())
    assert not [name for name in feeds if name.startswith(("mie", "projets", "interpellations"))]
    catalogue = (small_site.output / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert not re.findall(r'href="/(projets|cantons|mie|deontologie|agenda|instances)/"', catalogue)


def test_breaking_a_cell_refuses_the_build_and_keeps_output(small_site: BuildPaths) -> None:
    _small_build(small_site)
    before = tree_digest(small_site.output)
    csv = small_site.datasets / "budget-primitif" / "budget-primitif.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("montant")
    cells = lines[5].split(",")
    cells[column] = "douze"
    lines[5] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BuildRefused) as refused:
        _small_build(small_site)
    errors = refused.value.report.errors
    assert [(e.file, e.row, e.field, e.value) for e in errors] == [
        ("datasets/budget-primitif/budget-primitif.csv", 6, "montant", "douze")
    ]
    assert tree_digest(small_site.output) == before


def test_strict_mode_refuses_warnings(small_site: BuildPaths) -> None:
    descriptor = small_site.datasets / "budget-primitif" / "datapackage.yaml"
    text = descriptor.read_text(encoding="utf-8")
    descriptor.write_text(text.replace("keywords:", "old_keywords:", 1), encoding="utf-8")
    result = _small_build(small_site)
    assert any(p.code == "no-keywords" for p in result.report.warnings)
    with pytest.raises(BuildRefused):
        _small_build(small_site, strict=True)


def test_failed_render_leaves_output_unchanged(small_site: BuildPaths, tmp_path: Path) -> None:
    _small_build(small_site)
    before = tree_digest(small_site.output)
    broken_content = tmp_path / "content"
    shutil.copytree(ROOT / "content", broken_content)
    (broken_content / "pages" / "casse.md").write_text("Title: Casse\nDate: pas une date\n\nx\n")
    paths = BuildPaths.for_project(ROOT, datasets=small_site.datasets, output=small_site.output,
                                   cache=small_site.cache, content=broken_content)
    with pytest.raises(RenderError):
        _small_build(paths)
    assert tree_digest(small_site.output) == before
