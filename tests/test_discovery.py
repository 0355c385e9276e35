"""Search engines: sitemap.xml, robots.txt and the schema.org Dataset of each dataset page."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader

from pipeline.build import BuildResult
from pipeline.catalogue_rdf.schemaorg import dataset_jsonld
from pipeline.catalogue_rdf.terms import SiteIRIs
from pipeline.config import BuildPaths
from pipeline.extensions import discovery
from pipeline.extensions.base import BuildContext
from pipeline.extensions.discovery import EXTENSION, html_pages, page_url, robots_txt, sitemap_files
from pipeline.site import dataset_url
from tests.conftest import ROOT
from tests.test_dcat import BASE, BUILT, SETTINGS, published, synthetic_datasets

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")


def jsonld_blocks(html: str) -> list[dict[str, Any]]:
    return [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)]


def context_for(paths: BuildPaths, datasets=(), settings=SETTINGS) -> BuildContext:
    return BuildContext(paths, settings, tuple(datasets), {}, BUILT, "")


# ---- fast -----------------------------------------------------------------------------

def test_page_urls_of_html_files() -> None:
    assert page_url("index.html") == ""
    assert page_url("jeux-de-donnees/budget/index.html") == "jeux-de-donnees/budget/"
    assert page_url("a/page libre.html") == "a/page%20libre.html"


def test_sitemap_lists_pages_with_git_dates(tmp_path: Path, small_site: BuildPaths) -> None:
    for page in ("index.html", "catalogue/index.html", "jeux-de-donnees/budget-exemple/index.html",
                 "theme/vendor/x.html", "donnees/budget-exemple/notice.html"):
        (tmp_path / "site" / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "site" / page).write_text("<!DOCTYPE html>", encoding="utf-8")
    pages = html_pages(tmp_path / "site")
    assert pages == ["", "catalogue/", "jeux-de-donnees/budget-exemple/"]
    files = sitemap_files(context_for(small_site, [published()]), pages)
    root = ET.fromstring(files["sitemap.xml"])
    entries = {u.findtext("sm:loc", namespaces=NS): u.findtext("sm:lastmod", namespaces=NS)
               for u in root.findall("sm:url", NS)}
    assert entries == {
        f"{BASE}/": "2026-11-22T12:00:00+00:00",
        f"{BASE}/catalogue/": "2026-11-22T12:00:00+00:00",
        f"{BASE}/jeux-de-donnees/budget-exemple/": "2026-01-02T08:30:00+00:00",
    }


def test_a_large_site_gets_a_sitemap_index(monkeypatch: pytest.MonkeyPatch, small_site: BuildPaths) -> None:
    monkeypatch.setattr(discovery, "SITEMAP_LIMIT", 2)
    files = sitemap_files(context_for(small_site), ["", "a/", "b/", "c/", "d/"])
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert [s.findtext("sm:loc", namespaces=NS) for s in index.findall("sm:sitemap", NS)] == [
        f"{BASE}/sitemap-{n}.xml" for n in (1, 2, 3)]
    assert len(ET.fromstring(files["sitemap-3.xml"]).findall("sm:url", NS)) == 1


def test_robots_allows_all_and_gives_the_sitemap(small_site: BuildPaths) -> None:
    text = robots_txt(context_for(small_site)).decode()
    assert "User-agent: *\nAllow: /\n" in text
    assert f"Sitemap: {BASE}/sitemap.xml\n" in text


def test_without_base_url_nothing_is_written_and_the_build_is_told(small_site: BuildPaths,
                                                                    tmp_path: Path) -> None:
    context = context_for(small_site, settings=dataclasses.replace(SETTINGS, base_url=""))
    contribution = EXTENSION.prepare(context)
    assert contribution.files == () and contribution.dataset_sections == ()
    assert [p.code for p in contribution.problems] == ["no-base-url"]
    site = tmp_path / "site"
    site.mkdir()
    assert EXTENSION.after_render(context, site) == []
    assert list(site.iterdir()) == []


def test_schema_org_dataset_has_what_search_engines_read() -> None:
    iris = SiteIRIs(SETTINGS)
    data = dataset_jsonld(iris, published(geo=True))
    assert data["@type"] == "Dataset" and data["@context"] == "https://schema.org"
    assert data["@id"] == f"{BASE}/jeux-de-donnees/budget-exemple/#jeu-de-donnees"
    assert data["url"] == f"{BASE}/jeux-de-donnees/budget-exemple/"
    assert data["license"] == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert data["temporalCoverage"] == "2024-01-01/2025-12-31"
    assert data["dateModified"] == "2026-01-02T08:30:00+00:00"
    assert data["publisher"]["@type"] == "Organization" and data["publisher"]["url"] == "https://lenord.fr"
    assert data["spatialCoverage"][0] == {"@type": "Place", "name": "Département du Nord (59)",
                                          "sameAs": "http://id.insee.fr/geo/departement/59"}
    assert data["spatialCoverage"][-1]["geo"] == {"@type": "GeoShape",
                                                  "box": "50.000000 2.000000 51.000000 4.000000"}
    downloads = data["distribution"]
    assert [d["encodingFormat"] for d in downloads] == [
        "text/csv", "application/vnd.apache.parquet", "application/json", "application/geo+json"]
    assert downloads[0]["contentUrl"] == f"{BASE}/donnees/budget-exemple/budget.csv"
    assert downloads[0]["contentSize"] == "1234 B"
    assert data["includedInDataCatalog"]["url"] == f"{BASE}/catalogue/"
    open_ended = dataset_jsonld(iris, synthetic_datasets()[2])
    assert open_ended["temporalCoverage"] == "2020-01-01/.."
    assert "temporalCoverage" not in dataset_jsonld(iris, synthetic_datasets()[1])


def test_markup_cannot_be_closed_by_the_data() -> None:
    """A title that ends the <script> element stays inside the JSON string."""
    hostile = published(title='Budget </script><script>alert("x")</script> & <!-- fin')
    data = discovery.DiscoveryData({hostile.slug: dataset_jsonld(SiteIRIs(SETTINGS), hostile)})
    env = Environment(loader=FileSystemLoader(ROOT / "theme" / "templates"), autoescape=True)
    html = env.get_template("dcat/_dataset_jsonld.html").render(
        opendata=type("SiteData", (), {"extras": {"discovery": data}})(), published=hostile)
    assert html.count("<script") == 1 and html.count("</script>") == 1
    assert "<!--" not in html and "&amp;" not in html
    [block] = jsonld_blocks(html)
    assert block["name"] == hostile.dataset.title


# ---- slow: the sample site ------------------------------------------------------------

@pytest.mark.slow
def test_sample_sitemap_lists_every_page_once_with_its_date(
    sample_output: Path, sample_build: tuple[BuildPaths, BuildResult]
) -> None:
    _, result = sample_build
    root = ET.fromstring((sample_output / "sitemap.xml").read_bytes())
    entries = [(u.findtext("sm:loc", namespaces=NS), u.findtext("sm:lastmod", namespaces=NS))
               for u in root.findall("sm:url", NS)]
    locs = [loc for loc, _ in entries]
    assert len(locs) == len(set(locs))
    pages = {f"{BASE}/{page_url(p.relative_to(sample_output).as_posix())}"
             for p in sample_output.rglob("*.html")
             if not p.relative_to(sample_output).as_posix().startswith(("theme/", "pagefind/"))}
    assert set(locs) == pages
    assert all(lastmod and W3C_DATETIME.match(lastmod) for _, lastmod in entries)
    lastmods = dict(entries)
    for p in result.site.datasets:
        assert lastmods[f"{BASE}/{dataset_url(p.slug)}"] == p.dates.modified.isoformat()
    assert lastmods[f"{BASE}/"] == result.site.build_date.isoformat()


@pytest.mark.slow
def test_sample_robots_points_at_the_sitemap(sample_output: Path) -> None:
    robots = (sample_output / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE}/sitemap.xml" in robots.splitlines()
    assert "Disallow: /" not in robots


@pytest.mark.slow
def test_each_dataset_page_carries_its_schema_org_dataset(
    sample_output: Path, sample_build: tuple[BuildPaths, BuildResult]
) -> None:
    _, result = sample_build
    for p in result.site.datasets:
        html = (sample_output / dataset_url(p.slug) / "index.html").read_text(encoding="utf-8")
        datasets = [b for b in jsonld_blocks(html) if b.get("@type") == "Dataset"]
        assert len(datasets) == 1, p.slug
        data = datasets[0]
        assert {"name", "description", "url", "identifier", "keywords", "license",
                "isAccessibleForFree", "creator", "publisher", "distribution", "spatialCoverage",
                "dateModified", "datePublished", "includedInDataCatalog"} <= set(data), p.slug
        assert data["name"] == p.dataset.title
        assert data["url"] == f"{BASE}/{dataset_url(p.slug)}"
        assert data["publisher"]["@type"] == "Organization"
        assert data["dateModified"] == p.dates.modified.isoformat()
        assert ("temporalCoverage" in data) == bool(p.dataset.temporal)
        for download in data["distribution"]:
            assert download["@type"] == "DataDownload"
            path = sample_output / download["contentUrl"].removeprefix(f"{BASE}/")
            assert path.is_file() and download["contentSize"] == f"{path.stat().st_size} B"
    other = (sample_output / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert not [b for b in jsonld_blocks(other) if b.get("@type") == "Dataset"]
