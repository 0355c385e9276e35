"""The DCAT-AP 3 catalogue: three serialisations of one graph, complete, valid, stable.

Fast tests build the catalogue of hand-made datasets; slow ones read the sample site's
catalogue files and check them against the downloads beside them and against the official
DCAT-AP 3.0.1 SHACL shapes (../shared/data/dcat-ap, not part of the repository).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, SKOS

from pipeline.build import BuildResult
from pipeline.catalogue_rdf.fragment_cache import fragment_files
from pipeline.catalogue_rdf.fragments import catalogue_fragments
from pipeline.catalogue_rdf.graph import catalogue_graph
from pipeline.catalogue_rdf.serialize import FORMATS, catalogue_files
from pipeline.catalogue_rdf.terms import SPDX, VCARD
from pipeline.config import BuildPaths, load_settings
from pipeline.convert import sha256_file
from pipeline.extensions.base import BuildContext
from pipeline.extensions.dcat import EXTENSION as DCAT_EXTENSION
from pipeline.model import (
    Contact,
    ConvertedResource,
    DataFile,
    Dataset,
    GeoSummary,
    GitDates,
    PublishedDataset,
    Resource,
    Temporal,
)
from tests.conftest import PELICAN_CONF, ROOT, SHARED_DATA, requires_shared_data

# Plain namespaces: pytest probes module attributes, which rdflib's closed ones warn about.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DCT = DCTERMS
SH = Namespace("http://www.w3.org/ns/shacl#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SETTINGS = load_settings(ROOT / "site.yaml")
BASE = SETTINGS.base_url.rstrip("/")
SHAPES = SHARED_DATA / "dcat-ap"
BUILT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


# ---- hand-made datasets ---------------------------------------------------------------

TWO_YEARS = Temporal(date(2024, 1, 1), date(2025, 12, 31))


def published(slug: str = "budget-exemple", *, schema_source: str = "inline",
              temporal: Temporal | None = TWO_YEARS,
              spatial: tuple[str, ...] = ("departement:59", "canton:5904", "commune:59350"),
              title: str = "Budget d'exemple", publisher: str = "Département du Nord",
              geo: bool = False) -> PublishedDataset:
    resource = Resource(
        name="budget", title="Budget par chapitre", path=Path(f"/nowhere/{slug}/budget.csv"),
        relpath="budget.csv", format="geojson" if geo else "csv", encoding="utf-8", dialect={},
        schema={"title": "Budget (SCDL)", "fields": [{"name": "montant", "type": "number"}]},
        schema_source=schema_source,
    )
    files = (
        DataFile("CSV", "budget.csv", "text/csv", 1234, "ab" * 32),
        DataFile("Parquet", "budget.parquet", "application/vnd.apache.parquet", 2345, "cd" * 32),
        DataFile("JSON", "budget.json", "application/json", 3456, "ef" * 32),
        DataFile("Table Schema", "budget.schema.json", "application/schema+json", 456, "01" * 32),
    )
    if geo:
        files += (DataFile("GeoJSON", "budget.geojson", "application/geo+json", 999, "23" * 32),)
    converted = ConvertedResource(
        name="budget", rows=42, files=files, columns=("montant",), preview=(), profile=(),
        examples={}, geo=GeoSummary(3, ("Polygon",), (2.0, 50.0, 4.0, 51.0)) if geo else None)
    dataset = Dataset(
        slug=slug, title=title, description="Crédits votés, **par chapitre**.",
        theme_id="finances", keywords=("budget", "finances"), license_ids=("etalab-2.0",),
        contributors=(), frequency_id="annual", temporal=temporal, spatial=spatial,
        publisher=publisher, contact=Contact("Service open data", "opendata@lenord.fr"),
        resources=(resource,), folder=Path(f"/nowhere/{slug}"), sample=True,
    )
    dates = GitDates(created=datetime(2025, 3, 4, 10, 0, tzinfo=UTC),
                     modified=datetime(2026, 1, 2, 8, 30, tzinfo=UTC), from_git=True)
    return PublishedDataset(dataset, ((resource, converted),), dates)


def synthetic_datasets() -> tuple[PublishedDataset, ...]:
    return (
        published(),
        published("subventions", schema_source="https://schema.data.gouv.fr/schemas/scdl/"
                  "subventions/2.1.1/schema.json", temporal=None, publisher="Autre producteur"),
        published("cantons", spatial=("canton:5910",), geo=True,
                  temporal=Temporal(date(2020, 1, 1), None)),
    )


def synthetic_files() -> dict[str, bytes]:
    """The files as the extension writes them: assembled from fragments (no cache)."""
    return fragment_files(catalogue_fragments(SETTINGS, synthetic_datasets(), BUILT))


def whole_graph_files() -> dict[str, bytes]:
    """The same graph serialised at once by rdflib: what the fragments must agree with."""
    return catalogue_files(catalogue_graph(SETTINGS, synthetic_datasets(), BUILT))


def synthetic_graph() -> Graph:
    return Graph().parse(data=synthetic_files()["catalogue.ttl"], format="turtle")


def dataset_iri(slug: str) -> URIRef:
    return URIRef(f"{BASE}/jeux-de-donnees/{slug}/#jeu-de-donnees")


def distribution_iri(slug: str, filename: str) -> URIRef:
    return URIRef(f"{BASE}/jeux-de-donnees/{slug}/#fichier-{filename}")


# ---- SHACL ----------------------------------------------------------------------------

def shapes_graph(*names: str) -> Graph:
    """The official shapes; property shapes referenced but defined nowhere are dropped.

    The ranges file of DCAT-AP 3.0.1 refers to 5 property shapes (2 in the main file) that
    neither file defines; pyshacl refuses such shapes graphs, so the dangling references
    are removed (they constrain nothing).
    """
    shapes = Graph()
    for name in names:
        shapes.parse(SHAPES / name)
    for subject, shape in list(shapes.subject_objects(SH.property)):
        if shapes.value(shape, SH.path) is None:
            shapes.remove((subject, SH.property, shape))
    return shapes


def shacl_results(data: Graph, *names: str) -> Counter:
    from pyshacl import validate

    _, report, _ = validate(data, shacl_graph=shapes_graph(*names), inference="none",
                            advanced=True)
    return Counter(
        (str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
         str(report.value(r, SH.resultPath)), str(report.value(r, SH.resultMessage)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


MAIN_SHAPES = "dcat-ap-3.0.1-SHACL.ttl"
RANGE_SHAPES = "dcat-ap-3.0.1-ranges.ttl"

# What DCAT-AP 3.0.1 recommends per class (the shapes only check what is mandatory and the
# ranges): checked here so that a recommended property never goes missing unnoticed.
RECOMMENDED = {
    DCAT.Catalog: (DCT.spatial, FOAF.homepage, DCT.language, DCT.license, DCT.modified,
                   DCT.issued, DCAT.themeTaxonomy, DCAT.dataset),
    DCAT.Dataset: (DCAT.contactPoint, DCAT.distribution, DCAT.keyword, DCT.publisher,
                   DCT.spatial, DCT.temporal, DCAT.theme),
    DCAT.Distribution: (DCATAP.availability, DCT.description, DCT.format, DCT.license),
    FOAF.Agent: (DCT.type,),
    DCT.PeriodOfTime: (DCAT.startDate, DCAT.endDate),
    DCT.LicenseDocument: (DCT.type,),
}


def missing_recommended(graph: Graph) -> Counter:
    missing: Counter = Counter()
    for cls, properties in RECOMMENDED.items():
        for node in graph.subjects(RDF.type, cls):
            for prop in properties:
                if graph.value(node, prop) is None:
                    missing[(graph.qname(cls), graph.qname(prop))] += 1
    return missing


# ---- fast: the graph of hand-made datasets --------------------------------------------

def test_catalogue_describes_each_dataset_with_dcat_ap_properties() -> None:
    g = synthetic_graph()
    catalogue = URIRef(f"{BASE}/catalogue/#catalogue")
    assert (catalogue, RDF.type, DCAT.Catalog) in g
    assert set(g.objects(catalogue, DCAT.dataset)) == {dataset_iri(s) for s in
                                                       ("budget-exemple", "subventions", "cantons")}
    assert g.value(catalogue, DCT.language) == URIRef(
        "http://publications.europa.eu/resource/authority/language/FRA")
    d = dataset_iri("budget-exemple")
    assert g.value(d, DCT.identifier) == Literal("budget-exemple")
    assert g.value(d, DCAT.landingPage) == URIRef(f"{BASE}/jeux-de-donnees/budget-exemple/")
    assert g.value(d, DCAT.theme) == URIRef("http://publications.europa.eu/resource/authority/data-theme/ECON")
    assert g.value(d, DCT.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL")
    assert g.value(d, DCT.license) == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    assert g.value(d, DCT.issued) == Literal("2025-03-04T10:00:00+00:00", datatype=XSD.dateTime)
    assert g.value(d, DCT.modified) == Literal("2026-01-02T08:30:00+00:00", datatype=XSD.dateTime)
    assert {str(k) for k in g.objects(d, DCAT.keyword)} == {"budget", "finances"}
    publisher = g.value(d, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert g.value(publisher, FOAF.name) == Literal("Département du Nord")
    assert g.value(publisher, DCT.identifier) == Literal(SETTINGS.owner_id)
    contact = g.value(d, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in g
    assert g.value(contact, VCARD.fn) == Literal("Service open data")
    assert g.value(contact, VCARD.hasEmail) == URIRef("mailto:opendata@lenord.fr")
    period = g.value(d, DCT.temporal)
    assert (period, RDF.type, DCT.PeriodOfTime) in g
    assert g.value(period, DCAT.startDate) == Literal("2024-01-01", datatype=XSD.date)
    assert g.value(period, DCAT.endDate) == Literal("2025-12-31", datatype=XSD.date)


def test_an_other_publisher_is_named_without_the_owners_siret() -> None:
    g = synthetic_graph()
    publisher = g.value(dataset_iri("subventions"), DCT.publisher)
    assert g.value(publisher, FOAF.name) == Literal("Autre producteur")
    assert g.value(publisher, DCT.identifier) is None
    assert g.value(dataset_iri("subventions"), DCT.temporal) is None


def test_spatial_coverage_points_to_insee_for_departements_and_communes() -> None:
    g = synthetic_graph()
    places = set(g.objects(dataset_iri("budget-exemple"), DCT.spatial))
    canton = URIRef(f"{BASE}/#canton-5904")
    assert places == {URIRef("http://id.insee.fr/geo/departement/59"),
                      URIRef("http://id.insee.fr/geo/commune/59350"), canton}
    for place in places:
        assert (place, RDF.type, DCT.Location) in g
        assert g.value(place, SKOS.prefLabel).language == "fr"
    assert g.value(canton, SKOS.prefLabel) == Literal("Canton d'Armentières (5904)", lang="fr")
    assert g.value(canton, DCT.identifier) == Literal("5904")
    assert g.value(canton, DCT.isPartOf) == URIRef("http://id.insee.fr/geo/departement/59")
    cateau = g.value(dataset_iri("cantons"), DCT.spatial)
    assert g.value(cateau, SKOS.prefLabel) == Literal("Canton du Cateau-Cambrésis (5910)", lang="fr")


def test_each_download_but_the_schema_is_a_distribution_with_size_and_checksum() -> None:
    g = synthetic_graph()
    distributions = set(g.objects(dataset_iri("budget-exemple"), DCAT.distribution))
    assert distributions == {distribution_iri("budget-exemple", f"budget.{ext}")
                             for ext in ("csv", "parquet", "json")}
    csv = distribution_iri("budget-exemple", "budget.csv")
    url = URIRef(f"{BASE}/donnees/budget-exemple/budget.csv")
    assert g.value(csv, DCAT.downloadURL) == url and g.value(csv, DCAT.accessURL) == url
    assert g.value(csv, DCAT.mediaType) == URIRef("http://www.iana.org/assignments/media-types/text/csv")
    assert g.value(csv, DCT.format) == URIRef("http://publications.europa.eu/resource/authority/file-type/CSV")
    assert g.value(csv, DCAT.byteSize) == Literal("1234", datatype=XSD.nonNegativeInteger)
    checksum = g.value(csv, SPDX.checksum)
    assert (checksum, RDF.type, SPDX.Checksum) in g
    assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    value = g.value(checksum, SPDX.checksumValue)
    assert value.datatype == XSD.hexBinary and str(value) == "ab" * 32
    assert g.value(csv, DCT.license) == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    assert g.value(csv, DCT.issued) is not None and g.value(csv, DCT.modified) is not None
    parquet = distribution_iri("budget-exemple", "budget.parquet")
    assert g.value(parquet, DCT.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/PARQUET")
    geojson = distribution_iri("cantons", "budget.geojson")
    assert g.value(geojson, DCT.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/GEOJSON")
    assert g.value(geojson, DCAT.mediaType) == URIRef(
        "http://www.iana.org/assignments/media-types/application/geo+json")


def test_distributions_conform_to_the_published_or_the_normalised_table_schema() -> None:
    g = synthetic_graph()
    local = g.value(distribution_iri("budget-exemple", "budget.csv"), DCT.conformsTo)
    assert local == URIRef(f"{BASE}/donnees/budget-exemple/budget.schema.json")
    national = g.value(distribution_iri("subventions", "budget.csv"), DCT.conformsTo)
    assert national == URIRef("https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json")
    assert (national, RDF.type, DCT.Standard) in g
    assert g.value(national, DCT.title) == Literal("Budget (SCDL)", lang="fr")


def test_the_three_serialisations_hold_the_same_graph() -> None:
    files = synthetic_files()
    graphs = [Graph().parse(data=files[f.path], format=f.rdflib_format) for f in FORMATS]
    assert len({len(g) for g in graphs}) == 1
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])
    assert json.loads(files["catalogue.jsonld"])["@graph"]


def test_catalogue_files_do_not_depend_on_the_hash_seed() -> None:
    """RDF/XML and JSON-LD follow rdflib's store order, made of sets: sorted before writing."""
    code = ("import hashlib; from tests.test_dcat import synthetic_files; "
            "print({p: hashlib.sha256(c).hexdigest() for p, c in sorted(synthetic_files().items())})")
    outputs = {
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    here = {p: hashlib.sha256(c).hexdigest() for p, c in sorted(synthetic_files().items())}
    assert outputs == {f"{here}\n"}


def test_without_base_url_there_is_no_catalogue_and_a_warning(small_site: BuildPaths) -> None:
    settings = dataclasses.replace(SETTINGS, base_url="")
    context = BuildContext(small_site, settings, synthetic_datasets(), {}, BUILT, "")
    contribution = DCAT_EXTENSION.prepare(context)
    assert contribution.files == () and contribution.head_partials == ()
    assert [p.code for p in contribution.problems] == ["no-base-url"]


def test_extension_contributes_the_files_and_the_head_links(small_site: BuildPaths) -> None:
    context = BuildContext(small_site, SETTINGS, synthetic_datasets(), {}, BUILT, "")
    contribution = DCAT_EXTENSION.prepare(context)
    assert sorted(f.path for f in contribution.files) == [
        "catalogue.jsonld", "catalogue.rdf", "catalogue.ttl", "data.json"]
    assert contribution.head_partials == ("dcat/_head.html",)
    pod = json.loads(next(f.content for f in contribution.files if f.path == "data.json"))
    assert pod["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    first = pod["dataset"][0]
    assert first["identifier"] == str(dataset_iri("budget-exemple"))
    assert first["temporal"] == "2024-01-01/2025-12-31"
    assert [d["format"] for d in first["distribution"]] == ["CSV", "Parquet", "JSON"]


@requires_shared_data()
def test_hand_made_catalogue_passes_the_dcat_ap_shapes() -> None:
    g = synthetic_graph()
    assert shacl_results(g, MAIN_SHAPES) == Counter()
    assert shacl_results(g, MAIN_SHAPES, RANGE_SHAPES) == Counter()


@requires_shared_data()
def test_the_shapes_catch_an_untyped_vocabulary_term() -> None:
    """The check has teeth: without its class, a licence is a violation."""
    g = synthetic_graph()
    g.remove((URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/"), RDF.type, None))
    results = shacl_results(g, MAIN_SHAPES)
    assert results and {severity for severity, _, _ in results} == {"Violation"}
    assert {path for _, path, _ in results} == {str(DCT.license)}


# ---- slow: the sample site's catalogue ------------------------------------------------

@pytest.fixture(scope="module")
def catalogue(sample_output: Path) -> Graph:
    return Graph().parse(sample_output / "catalogue.ttl", format="turtle")


@pytest.mark.slow
def test_sample_catalogue_files_parse_to_the_same_triples(sample_output: Path) -> None:
    graphs = [Graph().parse(sample_output / f.path, format=f.rdflib_format) for f in FORMATS]
    counts = [len(g) for g in graphs]
    assert counts[0] > 1000 and len(set(counts)) == 1, counts
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])


@pytest.mark.slow
def test_sample_catalogue_lists_every_dataset_and_every_download(
    catalogue: Graph, sample_build: tuple[BuildPaths, BuildResult], sample_output: Path
) -> None:
    _, result = sample_build
    catalogue_node = URIRef(f"{BASE}/catalogue/#catalogue")
    listed = set(catalogue.objects(catalogue_node, DCAT.dataset))
    assert listed == {dataset_iri(p.slug) for p in result.site.datasets}
    prefix = f"{BASE}/"
    for p in result.site.datasets:
        node = dataset_iri(p.slug)
        assert catalogue.value(node, DCT.title) == Literal(p.dataset.title, lang="fr")
        assert catalogue.value(node, DCT.modified) == Literal(p.dates.modified.isoformat(),
                                                              datatype=XSD.dateTime)
        expected = {f.filename for _, c in p.resources for f in c.files if f.format != "Table Schema"}
        seen = set()
        for distribution in catalogue.objects(node, DCAT.distribution):
            url = str(catalogue.value(distribution, DCAT.downloadURL))
            assert url.startswith(prefix), url
            path = sample_output / url.removeprefix(prefix)
            assert path.is_file(), url
            assert catalogue.value(distribution, DCAT.byteSize) == Literal(
                str(path.stat().st_size), datatype=XSD.nonNegativeInteger), url
            checksum = catalogue.value(distribution, SPDX.checksum)
            assert catalogue.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            assert str(catalogue.value(checksum, SPDX.checksumValue)) == sha256_file(path), url
            schema = str(catalogue.value(distribution, DCT.conformsTo))
            if schema.startswith(prefix):
                assert (sample_output / schema.removeprefix(prefix)).is_file(), schema
            seen.add(path.name)
        assert seen == expected, p.slug


@pytest.mark.slow
@requires_shared_data()
def test_sample_catalogue_passes_the_dcat_ap_shapes(catalogue: Graph) -> None:
    assert shacl_results(catalogue, MAIN_SHAPES) == Counter()
    assert shacl_results(catalogue, MAIN_SHAPES, RANGE_SHAPES) == Counter()


@pytest.mark.slow
def test_sample_catalogue_lacks_only_recommended_values_the_data_does_not_give(
    catalogue: Graph, sample_build: tuple[BuildPaths, BuildResult]
) -> None:
    _, result = sample_build
    without_period = sum(1 for p in result.site.datasets if not p.dataset.temporal)
    missing = missing_recommended(catalogue)
    print(f"recommended values missing: {dict(missing) or 'none'}")
    assert missing == (Counter({("dcat:Dataset", "dct:temporal"): without_period})
                       if without_period else Counter())


@pytest.mark.slow
def test_every_page_links_to_the_catalogue(sample_output: Path) -> None:
    for page in ("index.html", "catalogue/index.html", "jeux-de-donnees/budget-primitif/index.html",
                 "a-propos/index.html", "actualites/index.html"):
        html = (sample_output / page).read_text(encoding="utf-8")
        assert ('<link rel="alternate" type="text/turtle" href="/catalogue.ttl" '
                'title="Catalogue DCAT (Turtle)">') in html
        assert 'type="application/ld+json" href="/catalogue.jsonld"' in html
        assert 'type="application/rdf+xml" href="/catalogue.rdf"' in html


@pytest.mark.slow
def test_a_second_build_in_another_process_writes_the_same_catalogue(
    tmp_path: Path, sample_build: tuple[BuildPaths, BuildResult], sample_output: Path
) -> None:
    """Same commit, warm cache, another hash seed: the same bytes."""
    paths, _ = sample_build
    code = ("import sys; from pathlib import Path; from pipeline.build import build; "
            "from pipeline.config import BuildPaths; "
            "build(BuildPaths.for_project(Path(sys.argv[1]), output=Path(sys.argv[2]), "
            "cache=Path(sys.argv[3])), Path(sys.argv[4]), strict=True)")
    other = tmp_path / "output"
    subprocess.run([sys.executable, "-c", code, str(ROOT), str(other), str(paths.cache), str(PELICAN_CONF)],
                   cwd=ROOT, check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    for name in [f.path for f in FORMATS] + ["data.json", "sitemap.xml", "robots.txt"]:
        assert (other / name).read_bytes() == (sample_output / name).read_bytes(), name
