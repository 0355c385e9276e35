"""Search (Pagefind) and the facet pages: grouping, filters, the index, and a built site.

The browser side (accented words, filters, no request elsewhere, CSP) is in
tests/browser/test_search_browser.py.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.build import BuildResult, build
from pipeline.config import BuildPaths, load_settings
from pipeline.errors import BuildRefused
from pipeline.extensions.facets import collect_facets, sort_key
from pipeline.extensions.search import (
    EXTENSION,
    WHOLE_TERRITORY,
    SearchData,
    canton_labels,
    dataset_filters,
    filter_groups,
    filters_index,
    write_filters,
)
from pipeline.search import pagefind as pagefind_module
from pipeline.search.digest import page_digest
from pipeline.search.pagefind import (
    EXCLUDE_SELECTORS,
    FRAGMENT_HEADER,
    UNUSED,
    IndexStats,
    index_site,
    page_ids,
    run_pagefind,
)
from pipeline.text import slugify
from pipeline.vocab import FREQUENCIES, THEMES
from tests.conftest import PELICAN_CONF, ROOT, tree_digest

SETTINGS = load_settings(ROOT / "site.yaml")


def fake(slug: str, keywords: Iterable[str] = (), publisher: str = "Département du Nord",
         frequency: str = "annual", formats: Iterable[str] = ("CSV", "Parquet", "JSON"),
         spatial: Iterable[str] = ("departement:59",), theme: str = "finances") -> SimpleNamespace:
    """What facets and filters read of a published dataset."""
    dataset = SimpleNamespace(
        slug=slug, title=slug.replace("-", " ").capitalize(), keywords=tuple(keywords),
        publisher=publisher, frequency=FREQUENCIES[frequency], spatial=tuple(spatial),
        theme=THEMES[theme], theme_id=theme,
    )
    return SimpleNamespace(slug=slug, dataset=dataset, formats=tuple(formats))


# --------------------------------------------------------------------------------------
# Facets: grouping without a build
# --------------------------------------------------------------------------------------

def test_spellings_of_one_keyword_are_one_value_under_the_most_used_spelling() -> None:
    a = fake("a", ["Collèges", "budget"])
    b = fake("b", ["collèges"])
    c = fake("c", ["collèges", "Collèges"])  # twice in one dataset: listed once
    d = fake("d", ["collèges"])
    keywords = collect_facets([a, b, c, d]).get("keyword")
    colleges = keywords.find("COLLEGES")
    assert colleges is not None
    assert colleges.slug == "colleges" and colleges.url == "mots-cles/colleges/"
    assert colleges.label == "collèges"
    assert [p.slug for p in colleges.datasets] == ["a", "b", "c", "d"]
    assert colleges.count_label == "4 jeux de données"
    assert keywords.find("budget").count_label == "1 jeu de données"


def test_values_sort_in_french_order_and_frequencies_in_vocabulary_order() -> None:
    data = collect_facets([
        fake("a", ["finances", "éducation", "dépenses", "Zones", "aide"], frequency="punctual"),
        fake("b", frequency="monthly"),
        fake("c", frequency="continuous", formats=("CSV", "GeoJSON")),
    ])
    assert [v.label for v in data.get("keyword").values] == ["aide", "dépenses", "éducation", "finances",
                                                              "Zones"]
    frequencies = data.get("frequency").values
    assert [v.label for v in frequencies] == ["En continu", "Mensuelle", "Ponctuelle"]
    assert [v.url for v in frequencies] == ["frequences/en-continu/", "frequences/mensuelle/",
                                            "frequences/ponctuelle/"]
    assert [v.slug for v in data.get("format").values] == ["csv", "geojson", "json", "parquet"]
    assert sort_key("Élus") < sort_key("emploi") < sort_key("Zèbre")


def test_a_keyword_without_letters_or_digits_gets_no_page() -> None:
    data = collect_facets([fake("a", ["…", "ok"])])
    assert [v.slug for v in data.get("keyword").values] == ["ok"]


def test_canton_filter_names_cantons_and_the_whole_departement() -> None:
    p = fake("a", spatial=["departement:59", "canton:5904", "commune:59350", "canton:9999",
                           "departement:62", "canton:5904"])
    assert canton_labels(p, SETTINGS) == [WHOLE_TERRITORY, "Armentières", "Canton 9999", "Département 62"]


def test_dataset_filters_and_the_search_page_groups_agree() -> None:
    a = fake("a", ["Collèges"], spatial=["canton:5909"], theme="education")
    b = fake("b", ["collèges", "bio"], frequency="punctual", formats=("CSV", "GeoJSON"))
    facets = collect_facets([a, b])
    assert dataset_filters(a, facets, SETTINGS) == (
        ("type", "Jeu de données"), ("theme", "Éducation"), ("keyword", "Collèges"),
        ("format", "CSV"), ("format", "Parquet"), ("format", "JSON"),
        ("publisher", "Département du Nord"), ("canton", "Cambrai"), ("frequency", "Annuelle"),
    )
    groups = {g.key: g for g in filter_groups([a, b], facets, SETTINGS)}
    assert list(groups) == ["theme", "keyword", "format", "publisher", "canton", "frequency"]
    assert groups["theme"].values == ("Éducation", "Finances")
    assert groups["canton"].values == (WHOLE_TERRITORY, "Cambrai")
    assert groups["frequency"].values == ("Annuelle", "Ponctuelle")
    # Every value a dataset carries is a checkbox of the page, spelled the same way.
    for p in (a, b):
        for key, value in dataset_filters(p, facets, SETTINGS):
            if key != "type":
                assert value in groups[key].values, (key, value)


# --------------------------------------------------------------------------------------
# Pagefind on a tiny site, and its failures
# --------------------------------------------------------------------------------------

TINY_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title></head>
<body><main data-pagefind-body><h1>Lieux de médiation numérique</h1>
<p>Les lieux où se faire aider pour les démarches en ligne.</p>
<div hidden data-pagefind-ignore><span data-pagefind-meta="formats:CSV, Parquet"></span></div>
</main></body></html>"""


def test_pagefind_indexes_a_site_and_replaces_an_old_bundle(tmp_path: Path) -> None:
    (tmp_path / "jeu").mkdir()
    (tmp_path / "jeu" / "index.html").write_text(TINY_PAGE, encoding="utf-8")
    stale = tmp_path / "pagefind" / "index" / "stale.pf_index"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    stats, problems = run_pagefind(tmp_path)
    assert problems == []
    assert stats is not None and stats.pages == 1 and stats.files > 5 and stats.bytes > 10_000
    assert (tmp_path / "pagefind" / "pagefind.js").is_file()
    assert (tmp_path / "pagefind" / "wasm.fr.pagefind").is_file()
    entry = json.loads((tmp_path / "pagefind" / "pagefind-entry.json").read_text())
    assert set(entry["languages"]) == {"fr"}
    assert not stale.exists()
    assert not any((tmp_path / "pagefind" / name).exists() for name in UNUSED)
    assert list(page_ids(tmp_path / "pagefind")) == ["/jeu/"]


def test_two_pagefind_runs_on_one_site_write_the_same_bytes(tmp_path: Path) -> None:
    """Builds are reproducible: Pagefind's output must be too (its filter index is not,
    which is why the site keeps its filters in recherche/filtres.json)."""
    digests = []
    for run in ("a", "b"):
        site = tmp_path / run
        for slug, title in (("jeu", "Lieux de médiation numérique"), ("autre", "Budget primitif")):
            (site / slug).mkdir(parents=True)
            (site / slug / "index.html").write_text(TINY_PAGE.replace("Lieux de médiation numérique",
                                                                      title), encoding="utf-8")
        assert run_pagefind(site)[1] == []
        digests.append(tree_digest(site))
    assert digests[0] == digests[1]


def test_the_filters_file_gives_each_dataset_its_pagefind_id_and_values(tmp_path: Path) -> None:
    a = fake("a", ["Collèges"], spatial=["canton:5909"])
    a.dataset.description = "Premier jeu. Avec une **suite**."
    facets = collect_facets([a])
    data = SearchData(groups=(), dataset_filters={"a": dataset_filters(a, facets, SETTINGS)})
    index = json.loads(filters_index([a], data, {"/jeux-de-donnees/a/": "fr_123"}))
    assert index == {"datasets": [{
        "id": "fr_123", "url": "jeux-de-donnees/a/", "title": "A", "theme": "Finances",
        "formats": "CSV, Parquet, JSON", "summary": "Premier jeu. Avec une suite.",
        "filters": {"type": ["Jeu de données"], "theme": ["Finances"], "keyword": ["Collèges"],
                    "format": ["CSV", "Parquet", "JSON"], "publisher": ["Département du Nord"],
                    "canton": ["Cambrai"], "frequency": ["Annuelle"]},
    }]}
    # A dataset page Pagefind did not index is an error, not a silently missing dataset.
    (tmp_path / "jeu").mkdir()
    (tmp_path / "jeu" / "index.html").write_text(TINY_PAGE, encoding="utf-8")
    assert run_pagefind(tmp_path)[1] == []
    [problem] = write_filters(tmp_path, [a], data)
    assert problem.code == "search-filters" and "missing from the search index: a" in problem.message


def test_a_failing_pagefind_is_an_error_with_its_output(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; print('index: disk full'); sys.exit(3)"]
    stats, problems = run_pagefind(tmp_path, command)
    assert stats is None
    [problem] = problems
    assert problem.severity == "error" and problem.code == "search-index"
    assert "exit code 3" in problem.message and "disk full" in problem.message
    assert "pagefind[bin]" in problem.hint


def test_a_missing_pagefind_is_an_error(tmp_path: Path) -> None:
    stats, problems = run_pagefind(tmp_path, [sys.executable, "-m", "pagefind_is_not_installed"])
    assert stats is None and problems[0].code == "search-index"
    assert "No module named" in problems[0].message


def test_a_site_without_pages_is_an_error(tmp_path: Path) -> None:
    stats, problems = run_pagefind(tmp_path)  # no HTML page at all
    assert stats is None and problems[0].code == "search-index"
    assert "not able to build an index" in problems[0].message


@pytest.mark.slow
def test_a_build_whose_index_fails_is_refused_and_output_untouched(
        small_site: BuildPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    small_site.output.mkdir(parents=True)
    (small_site.output / "index.html").write_text("published", encoding="utf-8")
    monkeypatch.setattr(pagefind_module, "pagefind_command",
                        lambda site: [sys.executable, "-c", "import sys; sys.exit('pagefind: boom')"])
    with pytest.raises(BuildRefused) as refused:
        build(small_site, PELICAN_CONF)
    assert any(p.code == "search-index" and "boom" in p.message for p in refused.value.report.errors)
    assert (small_site.output / "index.html").read_text(encoding="utf-8") == "published"


# --------------------------------------------------------------------------------------
# Reusing the last bundle when what Pagefind reads has not changed
# --------------------------------------------------------------------------------------

DATA_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>
<body><header><p>Site généré le {built}</p></header>
<main data-pagefind-body><article data-pagefind-meta="theme:Finances"><h1>{title}</h1>
<p>Crédits votés au budget primitif, par chapitre.</p>
<section data-pagefind-ignore><h2 id="apercu">Aperçu</h2><table><tr><td>{value}</td></tr></table>
<span data-pagefind-meta="formats:{formats}"></span></section>
<ul class="card-list"><li>{card}</li></ul>
<script type="application/ld+json">{{"dateModified": "{built}"}}</script>
</article></main><footer>{built}</footer></body></html>"""


def data_page(title: str = "Budget primitif", value: str = "206056000.00", built: str = "1er mars",
              formats: str = "CSV, Parquet", card: str = "Autre jeu") -> str:
    return DATA_PAGE.format(title=title, value=value, built=built, formats=formats, card=card)


def write_site(site: Path, pages: dict[str, str]) -> Path:
    if site.exists():
        shutil.rmtree(site)  # every build renders into a new staging folder
    for url, html in pages.items():
        (site / url).mkdir(parents=True, exist_ok=True)
        (site / url / "index.html").write_text(html, encoding="utf-8")
    return site


def fragments(bundle: Path) -> dict[str, str]:
    """The indexed text of every page of a bundle, by URL."""
    texts = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        record = json.loads(data[len(FRAGMENT_HEADER):])
        texts[record["url"]] = record["content"]
    return texts


def fresh_bundle(site: Path, scratch: Path) -> dict[str, str]:
    """The bundle Pagefind writes for site/ today, run on a copy: the reference for reuse."""
    shutil.copytree(site, scratch, ignore=shutil.ignore_patterns("pagefind"))
    assert run_pagefind(scratch)[1] == []
    return tree_digest(scratch / "pagefind")


def indexed(site: Path, cache: Path) -> IndexStats:
    stats, problems = index_site(site, cache)
    assert problems == [] and stats is not None
    return stats


def test_a_change_pagefind_does_not_read_reuses_the_bundle_byte_for_byte(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    site = write_site(tmp_path / "site", {"jeu": data_page(), "autre": data_page("Effectifs")})
    first = indexed(site, cache)
    assert not first.reused and first.pages == 2
    # A data value in an ignored part, the header, the footer, a card and a script change.
    write_site(site, {"jeu": data_page(value="206056001.00", built="2 mars", card="Nouveau"),
                      "autre": data_page("Effectifs", built="2 mars")})
    second = indexed(site, cache)
    assert second.reused and second.parsed == 2
    assert tree_digest(site / "pagefind") == fresh_bundle(site, tmp_path / "fresh")
    # Unchanged bytes are not parsed again.
    assert indexed(site, cache).parsed == 0


@pytest.mark.parametrize(("change", "word"), [
    ({"title": "Budget supplémentaire"}, "supplémentaire"),
    # Meta in an ignored part is still read by Pagefind: it is shown with the results.
    ({"formats": "CSV, GeoJSON"}, None),
])
def test_a_change_pagefind_reads_runs_it(tmp_path: Path, change: dict[str, str], word: str | None) -> None:
    cache = tmp_path / "cache"
    site = write_site(tmp_path / "site", {"jeu": data_page(), "autre": data_page("Effectifs")})
    indexed(site, cache)
    write_site(site, {"jeu": data_page(**change), "autre": data_page("Effectifs")})
    stats = indexed(site, cache)
    assert not stats.reused
    assert tree_digest(site / "pagefind") == fresh_bundle(site, tmp_path / "fresh")
    if word:
        assert word in fragments(site / "pagefind")["/jeu/"]
    # The new bundle is the one kept: the next build with no change reuses it.
    write_site(site, {"jeu": data_page(**change), "autre": data_page("Effectifs")})
    assert indexed(site, cache).reused


def test_a_page_added_or_removed_runs_pagefind(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    pages = {"jeu": data_page(), "autre": data_page("Effectifs")}
    indexed(write_site(tmp_path / "site", pages), cache)
    added = indexed(write_site(tmp_path / "site", {**pages, "nouveau": data_page("Collèges")}), cache)
    assert not added.reused and added.pages == 3
    assert "/nouveau/" in page_ids(tmp_path / "site" / "pagefind")
    removed = indexed(write_site(tmp_path / "site", pages), cache)
    assert not removed.reused and removed.pages == 2
    # Same pages, another URL: the URL is part of what Pagefind reads.
    moved = indexed(write_site(tmp_path / "site", {"jeu": data_page(), "autre2": data_page("Effectifs")}),
                    cache)
    assert not moved.reused and "/autre2/" in page_ids(tmp_path / "site" / "pagefind")


@pytest.mark.parametrize("damage", ["bundle file", "manifest", "missing cache", "memo"])
def test_a_damaged_or_missing_cache_runs_pagefind(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    pages = {"jeu": data_page(), "autre": data_page("Effectifs")}
    indexed(write_site(tmp_path / "site", pages), cache)
    reference = tree_digest(tmp_path / "site" / "pagefind")
    stored = cache / "bundle"
    if damage == "bundle file":
        fragment = next((stored / "files" / "fragment").iterdir())
        fragment.write_bytes(fragment.read_bytes()[:-3])
    elif damage == "manifest":
        (stored / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "missing cache":
        shutil.rmtree(cache)
    else:  # the page digests: every page is parsed again, and the bundle still reused
        (cache / "pages.json").write_text("[]", encoding="utf-8")
    stats = indexed(write_site(tmp_path / "site", pages), cache)
    assert stats.reused is (damage == "memo")
    assert tree_digest(tmp_path / "site" / "pagefind") == reference
    assert indexed(write_site(tmp_path / "site", pages), cache).reused  # repaired


def test_the_digest_keeps_what_pagefind_reads_and_drops_what_it_ignores() -> None:
    page = data_page()
    digest = page_digest(page.encode(), EXCLUDE_SELECTORS)
    assert digest.startswith("input:")
    same = [data_page(value="1"), data_page(built="2 mars"), data_page(card="Nouveau"),
            page.replace("<p>Crédits", "<!-- note --><p>Crédits")]
    # A comment is not read by Pagefind but is kept: more runs than needed, never fewer.
    assert [page_digest(p.encode(), EXCLUDE_SELECTORS) == digest for p in same] == [True, True, True, False]
    for other in (data_page(title="Autre"), data_page(formats="CSV"), page.replace('lang="fr"', 'lang="en"'),
                  page.replace("<p>Crédits", '<p id="x">Crédits'), page.replace("Crédits", "Cr&eacute;dits")):
        assert page_digest(other.encode(), EXCLUDE_SELECTORS) != digest
    # A body inside an ignored part: the page counts by its bytes.
    nested = page.replace("<table>", "<div data-pagefind-body>x</div><table>")
    assert page_digest(nested.encode(), EXCLUDE_SELECTORS).startswith("bytes:")


@pytest.mark.slow
def test_a_rebuild_after_a_data_correction_reuses_the_bundle(small_site: BuildPaths, tmp_path: Path) -> None:
    build(small_site, PELICAN_CONF)
    assert not EXTENSION.last_stats.reused
    page_path = small_site.output / "jeux-de-donnees" / "budget-primitif" / "index.html"
    before = page_path.read_text(encoding="utf-8")
    data = small_site.datasets / "budget-primitif" / "budget-primitif.csv"
    data.write_text(data.read_text(encoding="utf-8").replace("206056000.00", "206056001.00", 1),
                    encoding="utf-8")
    build(small_site, PELICAN_CONF)
    assert page_path.read_text(encoding="utf-8") != before  # preview, profile, sizes, checksums
    assert EXTENSION.last_stats.reused
    bundle = small_site.output / "pagefind"
    assert tree_digest(bundle) == fresh_bundle(small_site.output, tmp_path / "fresh")
    index = json.loads((small_site.output / "recherche" / "filtres.json").read_text(encoding="utf-8"))
    assert {d["id"] for d in index["datasets"]} <= set(page_ids(bundle).values())
    # A new word in the description: Pagefind runs, and the word is in the index.
    descriptor = small_site.datasets / "budget-primitif" / "datapackage.yaml"
    descriptor.write_text(descriptor.read_text(encoding="utf-8").replace(
        "description: |\n", "description: |\n  Jeu surnuméraire.\n", 1), encoding="utf-8")
    build(small_site, PELICAN_CONF)
    assert not EXTENSION.last_stats.reused
    assert "surnuméraire" in fragments(bundle)["/jeux-de-donnees/budget-primitif/"]


# --------------------------------------------------------------------------------------
# The sample site
# --------------------------------------------------------------------------------------

CARD = re.compile(r'class="card__title"><a href="/jeux-de-donnees/([^/"]+)/"')


def page(output: Path, url: str) -> str:
    return (output / url.strip("/") / "index.html").read_text(encoding="utf-8")


def cards(output: Path, url: str) -> set[str]:
    return set(CARD.findall(page(output, url)))


@pytest.fixture(scope="module")
def sample(sample_build: tuple[BuildPaths, BuildResult]) -> tuple[Path, BuildResult]:
    paths, result = sample_build
    return paths.output, result


@pytest.mark.slow
def test_the_sample_site_has_a_french_pagefind_index(sample) -> None:
    output, result = sample
    bundle = output / "pagefind"
    assert (bundle / "pagefind.js").is_file()
    assert (bundle / "pagefind-worker.js").is_file()
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert set(entry["languages"]) == {"fr"}
    assert entry["languages"]["fr"]["page_count"] > len(result.site.datasets)
    assert any((bundle / "index").iterdir())
    assert len(list((bundle / "fragment").iterdir())) == entry["languages"]["fr"]["page_count"]
    assert not any((bundle / name).exists() for name in UNUSED)


@pytest.mark.slow
def test_facet_pages_list_the_datasets_that_have_the_value(sample) -> None:
    output, result = sample
    datasets = result.site.datasets
    keywords = {slugify(k) for p in datasets for k in p.dataset.keywords}
    assert keywords
    for slug in keywords:
        expected = {p.slug for p in datasets if slug in {slugify(k) for k in p.dataset.keywords}}
        assert cards(output, f"mots-cles/{slug}/") == expected, slug
    assert cards(output, "mots-cles/mediation-numerique/") == {"lieux-mediation-numerique"}
    assert cards(output, "mots-cles/colleges/") == {
        "budgets-participatifs", "colleges-restauration-bio", "effectifs-colleges", "projets-departementaux"}
    assert cards(output, "producteurs/departement-du-nord/") == {p.slug for p in datasets}
    assert cards(output, "frequences/mensuelle/") == {
        p.slug for p in datasets if p.dataset.frequency_id == "monthly"}
    assert "rsa-foyers-cantons" in cards(output, "frequences/mensuelle/")
    assert cards(output, "formats/geojson/") == {p.slug for p in datasets if "GeoJSON" in p.formats}
    assert "cantons-nord-schematique" in cards(output, "formats/geojson/")
    assert cards(output, "formats/csv/") == {p.slug for p in datasets}


@pytest.mark.slow
def test_facet_index_pages_link_every_value_with_its_count(sample) -> None:
    output, result = sample
    html = page(output, "mots-cles/")
    assert len(re.findall(r'<li><a href="/mots-cles/[^"/]+/">', html)) == len(
        {slugify(k) for p in result.site.datasets for k in p.dataset.keywords})
    assert ('<a href="/mots-cles/colleges/">collèges</a> '
            '<span class="facet-list__count">(4 jeux de données)') in html
    for index in ("producteurs/", "frequences/", "formats/"):
        assert "<h1>" in page(output, index)
    # Facet pages stay out of the search index: the search page's filters do their job.
    assert 'data-pagefind-ignore="all"' in page(output, "mots-cles/colleges/")


@pytest.mark.slow
def test_dataset_pages_link_their_keywords_and_publisher_and_give_their_formats(sample) -> None:
    output, _ = sample
    html = page(output, "jeux-de-donnees/instances-participatives/")
    assert '<a href="/mots-cles/participation-citoyenne/">participation citoyenne</a>' in html
    assert '<a href="/producteurs/departement-du-nord/">Département du Nord</a>' in html
    assert 'data-pagefind-meta="theme:Participation"' in html
    assert 'data-pagefind-meta="formats:CSV, Parquet, JSON"' in html


@pytest.mark.slow
def test_no_page_uses_pagefind_filters(sample) -> None:
    """Pagefind's filter index differs from one run to the next: one data-pagefind-filter
    anywhere and two builds of one commit are no longer identical."""
    output, _ = sample
    users = [p.relative_to(output).as_posix() for p in output.rglob("*.html")
             if "data-pagefind-filter" in p.read_text(encoding="utf-8")]
    assert users == []
    assert not (output / "pagefind" / "filter").exists()


@pytest.mark.slow
def test_the_filters_file_lists_every_dataset_with_its_page_id(sample) -> None:
    output, result = sample
    index = json.loads((output / "recherche" / "filtres.json").read_text(encoding="utf-8"))
    by_url = {d["url"]: d for d in index["datasets"]}
    assert set(by_url) == {f"jeux-de-donnees/{p.slug}/" for p in result.site.datasets}
    for dataset in index["datasets"]:
        assert (output / "pagefind" / "fragment" / f"{dataset['id']}.pf_fragment").is_file()
    instances = by_url["jeux-de-donnees/instances-participatives/"]["filters"]
    assert instances["canton"] == [WHOLE_TERRITORY, "Armentières"]
    assert instances["frequency"] == ["Irrégulière"] and instances["theme"] == ["Participation"]
    assert "conseil départemental des jeunes" in instances["keyword"]
    assert by_url["jeux-de-donnees/registre-deontologie/"]["filters"]["canton"] == [
        "Cambrai", "Douai", "Lille-1", "Maubeuge", "Wormhout"]
    assert "canton" not in by_url["jeux-de-donnees/comptages-routiers-horaires/"]["filters"]  # communes


@pytest.mark.slow
def test_the_search_page_works_without_javascript_through_plain_links(sample) -> None:
    output, _ = sample
    html = page(output, "recherche/")
    assert "La recherche a besoin de JavaScript" in html
    for link in ('href="/catalogue/"', 'href="/themes/action-sociale/"', 'href="/mots-cles/"',
                 'href="/producteurs/departement-du-nord/"', 'href="/frequences/mensuelle/"',
                 'href="/formats/geojson/"'):
        assert link in html, link
    assert re.search(r'<div class="search" id="recherche" hidden', html)  # shown by search.js
    assert '<script defer src="/theme/js/search.js"></script>' in html
    assert 'data-bundle="/pagefind/"' in html
    assert 'name="canton" value="Armentières"' in html
    # Every page's header sends its query to the search page.
    home = page(output, "")
    assert '<form class="site-search" role="search"' in home and 'action="/recherche/"' in home
    assert '<label class="visually-hidden" for="site-search-q">' in home
