"""The catalogue files assembled from cached fragments: the same graph, less work.

The three files are put together from one fragment per dataset plus the catalogue's and
the shared nodes' (pipeline/catalogue_rdf/fragments.py), each serialised once and kept in
the build cache. Checked here: the assembled files hold exactly the graph catalogue_graph
builds (hand-made datasets and the sample site), a rebuild serialises only what changed
and writes the same bytes as a cold one, and a damaged cache is only a cache miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from pipeline.build import BuildResult
from pipeline.catalogue_rdf import fragment_cache
from pipeline.catalogue_rdf.fragment_cache import (
    SUFFIX,
    FragmentCache,
    cached_catalogue_files,
    fragment_files,
)
from pipeline.catalogue_rdf.fragments import CATALOGUE, SHARED, Fragment, catalogue_fragments, split
from pipeline.catalogue_rdf.graph import PREFIXES, catalogue_graph
from pipeline.catalogue_rdf.serialize import FORMATS, assemble, shared_namespaces, write_fragment
from pipeline.config import BuildPaths
from pipeline.extensions.base import BuildContext
from pipeline.extensions.dcat import CACHE_FOLDER
from pipeline.extensions.dcat import EXTENSION as DCAT_EXTENSION
from pipeline.fileio import PARTIAL_PREFIX, is_partial
from pipeline.model import PublishedDataset
from pipeline.vocab import EU_THEME
from tests.conftest import ROOT
from tests.test_dcat import (
    BASE,
    BUILT,
    DCAT,
    SETTINGS,
    dataset_iri,
    distribution_iri,
    synthetic_datasets,
    synthetic_files,
    whole_graph_files,
)

DCT = DCTERMS
OTHER = "http://example.org/vocabulaire#"  # a namespace none of our prefixes names


def parsed(files: dict[str, bytes]) -> dict[str, Graph]:
    return {f.path: Graph().parse(data=files[f.path], format=f.rdflib_format) for f in FORMATS}


def assert_same_graph(files: dict[str, bytes], expected: Graph) -> None:
    for path, graph in parsed(files).items():
        assert len(graph) == len(expected), path
        assert isomorphic(graph, expected), path


def fragments_of(datasets: tuple[PublishedDataset, ...]) -> list[Fragment]:
    return catalogue_fragments(SETTINGS, datasets, BUILT)


def with_new_data(published: PublishedDataset, later: bool = True) -> PublishedDataset:
    """The dataset after an edit of its CSV: other checksum and size, and a later date
    unless `later` is False."""
    resource, converted = published.resources[0]
    first = converted.files[0]
    changed = dataclasses.replace(first, size=first.size + 7, sha256="9f" * 32)
    converted = dataclasses.replace(converted, files=(changed, *converted.files[1:]))
    dates = published.dates
    if later:
        dates = dataclasses.replace(dates, modified=dates.modified + timedelta(hours=1))
    return dataclasses.replace(published, resources=((resource, converted),), dates=dates)


def context(paths: BuildPaths, datasets: tuple[PublishedDataset, ...]) -> BuildContext:
    return BuildContext(paths, SETTINGS, datasets, {}, BUILT, "")


def catalogue_of(contribution) -> dict[str, bytes]:
    return {f.path: f.content for f in contribution.files if f.path.startswith("catalogue.")}


# ---- the split --------------------------------------------------------------------------

def test_every_triple_is_in_one_fragment_and_datasets_keep_their_own_nodes() -> None:
    fragments = fragments_of(synthetic_datasets())
    whole = catalogue_graph(SETTINGS, synthetic_datasets(), BUILT)
    assert sum(len(f.triples) for f in fragments) == len(whole)
    assert {t for f in fragments for t in f.triples} == set(whole)
    keys = [f.key for f in fragments]
    assert keys == [CATALOGUE, SHARED, *sorted(str(dataset_iri(s))
                                                for s in ("budget-exemple", "cantons", "subventions"))]
    by_key = {f.key: {t[0] for t in f.triples} for f in fragments}
    assert by_key[CATALOGUE] == {URIRef(f"{BASE}/catalogue/#catalogue")}
    budget = by_key[str(dataset_iri("budget-exemple"))]
    assert dataset_iri("budget-exemple") in budget
    assert distribution_iri("budget-exemple", "budget.csv") in budget
    assert URIRef(f"{BASE}/jeux-de-donnees/budget-exemple/#sha256-budget.csv") in budget
    assert BNode("periode-budget-exemple") in budget
    # Only subventions has another publisher: it stays with it. What several share does not.
    assert URIRef(f"{BASE}/#organisation-autre-producteur") in by_key[str(dataset_iri("subventions"))]
    shared = by_key[SHARED]
    assert URIRef(f"{BASE}/#organisation") in shared  # the catalogue's publisher, and datasets'
    assert URIRef(f"{BASE}/#contact-service-open-data-opendata-lenord-fr") in shared
    assert URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/") in shared


def test_a_blank_node_pointed_to_from_two_fragments_is_refused() -> None:
    """rdflib would write it `[]` in its own fragment, cutting the link from the other."""
    catalogue, one, two = (URIRef(f"{BASE}/{name}") for name in ("catalogue", "un", "deux"))
    period = BNode("periode-commune")
    triples = {(catalogue, DCAT.dataset, one), (catalogue, DCAT.dataset, two),
               (one, DCT.temporal, period), (two, DCT.temporal, period),
               (period, RDF.type, DCT.PeriodOfTime)}
    with pytest.raises(ValueError, match="periode-commune"):
        split(triples, catalogue, [one, two])


# ---- the assembled files: the whole graph ------------------------------------------------

def test_assembled_files_hold_the_graph_catalogue_graph_builds() -> None:
    assert_same_graph(synthetic_files(), catalogue_graph(SETTINGS, synthetic_datasets(), BUILT))


def test_assembled_json_ld_is_the_one_rdflib_writes_of_the_whole_graph() -> None:
    """Nodes are sorted by @id in both: the text is the same, byte for byte."""
    assert synthetic_files()["catalogue.jsonld"] == whole_graph_files()["catalogue.jsonld"]


def test_assembled_files_declare_each_prefix_once() -> None:
    files = synthetic_files()
    turtle = files["catalogue.ttl"].decode()
    assert turtle.count("@prefix dct: ") == 1 and turtle.startswith("@prefix ")
    assert turtle.index(f"<{BASE}/catalogue/#catalogue> a dcat:Catalog") < turtle.index("dcat:Dataset")
    xml = files["catalogue.rdf"].decode()
    assert xml.count("<rdf:RDF") == 1 and xml.count('xmlns:dct="') == 1
    assert xml.count("<?xml ") == 1 and xml.endswith("</rdf:RDF>\n")
    document = json.loads(files["catalogue.jsonld"])
    ids = [node["@id"] for node in document["@graph"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_namespaces_without_a_prefix_of_ours_get_the_same_one_in_every_fragment() -> None:
    """rdflib would call each ns1 in its fragment, whatever the namespace; the prefix
    block of the assembled file could not say what ns1 is."""
    catalogue, one, two = (URIRef(f"{BASE}/{name}") for name in ("catalogue", "un", "deux"))
    triples = {(catalogue, DCAT.dataset, one), (catalogue, DCAT.dataset, two),
               (one, URIRef(OTHER + "note"), Literal("a")), (two, URIRef(OTHER + "note"), Literal("b")),
               (two, URIRef("http://example.com/autre/cote"), Literal("c")),
               # Turtle's name is `1ere`, RDF/XML's must start with a letter: `ere`, in #1.
               (two, URIRef(OTHER + "1ere"), Literal("d"))}
    fragments = split(triples, catalogue, [one, two])
    files = assemble([write_fragment(f.triples) for f in fragments])
    expected = Graph()
    for triple in triples:
        expected.add(triple)
    assert_same_graph(files, expected)
    assert b"ns1:" not in files["catalogue.ttl"] and b"ns1:" not in files["catalogue.rdf"]
    # Bound for these fragments only: nothing is left for the fragments serialised later.
    assert {str(ns) for _, ns in shared_namespaces().namespaces()} == set(PREFIXES.values())


def test_a_fragment_is_the_same_bytes_whatever_was_serialised_before() -> None:
    """A prefix given to one fragment's foreign predicate must not turn another fragment's
    object IRIs in that namespace into prefixed names: a digest is one text, in a cold
    build as after other fragments (or other catalogues) in a long-lived process."""
    # A namespace of this test only: no earlier test of this process can have bound it.
    own = f"http://example.org/seulement-ce-test-{uuid.uuid4().hex}#"
    catalogue, one, two = (URIRef(f"{BASE}/{name}") for name in ("catalogue", "un", "deux"))
    triples = {(catalogue, DCAT.dataset, one), (catalogue, DCAT.dataset, two),
               (one, URIRef(own + "note"), Literal("a")),
               (two, DCT.conformsTo, URIRef(own + "norme")),
               (two, DCT.type, Literal("b", datatype=URIRef(own + "texte")))}
    fragments = {f.key: f for f in split(triples, catalogue, [one, two])}
    alone = write_fragment(fragments[str(two)].triples)
    write_fragment(fragments[str(one)].triples)  # binds a prefix to `own`, for its predicate
    after = write_fragment(fragments[str(two)].triples)
    assert after == alone
    assert f"<{own}norme>".encode() in after.turtle and own not in after.turtle_prefixes.values()
    assert own not in {str(ns) for _, ns in shared_namespaces().namespaces()}


# ---- the cache ------------------------------------------------------------------------

def test_a_rebuild_serialises_only_the_fragment_of_the_changed_dataset(small_site: BuildPaths) -> None:
    datasets = synthetic_datasets()
    first = DCAT_EXTENSION.prepare(context(small_site, datasets))
    assert len(first.data.cache.serialised) == first.data.cache.fragments == 5
    again = DCAT_EXTENSION.prepare(context(small_site, datasets))
    assert again.data.cache.serialised == ()
    assert catalogue_of(again) == catalogue_of(first)
    # Same date: the catalogue's dct:modified (the latest of all) stays as it was.
    changed = tuple(with_new_data(p, later=False) if p.slug == "subventions" else p for p in datasets)
    rebuilt = DCAT_EXTENSION.prepare(context(small_site, changed))
    assert rebuilt.data.cache.serialised == (str(dataset_iri("subventions")),)
    assert catalogue_of(rebuilt) == fragment_files(fragments_of(changed))
    assert catalogue_of(rebuilt) != catalogue_of(first)
    # The old fragment of subventions is gone from the cache: one entry per fragment.
    assert rebuilt.data.cache.removed == 1
    assert len(list((small_site.cache / CACHE_FOLDER).iterdir())) == 5


def test_a_later_date_also_rewrites_the_catalogue_node_and_nothing_else(tmp_path: Path) -> None:
    datasets = synthetic_datasets()
    folder = tmp_path / "dcat"
    cached_catalogue_files(fragments_of(datasets), folder)
    changed = (with_new_data(datasets[0]), *datasets[1:])
    files, stats = cached_catalogue_files(fragments_of(changed), folder)
    assert stats.serialised == (CATALOGUE, str(dataset_iri("budget-exemple")))
    assert files == fragment_files(fragments_of(changed))
    assert_same_graph(files, catalogue_graph(SETTINGS, changed, BUILT))


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "other format", "bad parts"])
def test_a_damaged_cache_entry_is_serialised_again(tmp_path: Path, damage: str) -> None:
    fragments = fragments_of(synthetic_datasets())
    folder = tmp_path / "dcat"
    expected, _ = cached_catalogue_files(fragments, folder)
    victim = fragments[2]
    entry = FragmentCache(folder).path(victim.digest)
    data = entry.read_bytes()
    header, _, payload = data.partition(b"\n")
    if damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        entry.write_bytes(data[:-20] + bytes([data[-20] ^ 0x20]) + data[-19:])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "other format":
        entry.write_bytes(header.replace(b"dcat-fragment/", b"dcat-fragment/0") + b"\n" + payload)
    else:  # a consistent checksum over parts that do not add up: still refused
        payload = payload + b"trailing"
        fields = header.split(b" ")
        fields[-1] = hashlib.sha256(payload).hexdigest().encode()
        entry.write_bytes(b" ".join(fields) + b"\n" + payload)
    assert FragmentCache(folder).get(victim.digest) is None
    files, stats = cached_catalogue_files(fragments, folder)
    assert stats.serialised == (victim.key,)
    assert files == expected
    assert FragmentCache(folder).get(victim.digest) is not None  # repaired


def test_a_missing_cache_folder_or_entry_is_only_a_miss(tmp_path: Path) -> None:
    fragments = fragments_of(synthetic_datasets())
    folder = tmp_path / "absent" / "dcat"
    expected, stats = cached_catalogue_files(fragments, folder)
    assert len(stats.serialised) == len(fragments)
    FragmentCache(folder).path(fragments[0].digest).unlink()
    (folder / "stray.json").write_text("{}")
    files, stats = cached_catalogue_files(fragments, folder)
    assert stats.serialised == (CATALOGUE,) and stats.removed == 1
    assert files == expected


def test_a_concurrent_builds_partial_entry_is_left_alone(tmp_path: Path) -> None:
    """Another build writing the same folder: its file in progress is not a stale entry."""
    fragments = fragments_of(synthetic_datasets())
    folder = tmp_path / "dcat"
    cached_catalogue_files(fragments, folder)
    partial = folder / f"{PARTIAL_PREFIX}{fragments[0].digest}{SUFFIX}.{'0' * 32}"
    partial.write_bytes(b"half an entry")
    (folder / f"{'e' * 64}{SUFFIX}").write_text("{}")  # stale: removed
    _, stats = cached_catalogue_files(fragments, folder)
    assert stats.serialised == () and stats.removed == 1
    assert partial.read_bytes() == b"half an entry"


def test_entries_are_written_aside_under_a_name_clean_ups_recognise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    renamed: list[Path] = []
    replace = os.replace

    def spy(source: str | Path, target: str | Path) -> None:
        renamed.append(Path(source))
        replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    fragments = fragments_of(synthetic_datasets())
    cached_catalogue_files(fragments, tmp_path / "dcat")
    assert len(renamed) == len(fragments) and all(is_partial(path) for path in renamed)


@pytest.fixture()
def code_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The cache signs a copy of the code that writes fragments, as if it were ours."""
    code = tmp_path / "catalogue_rdf"
    shutil.copytree(fragment_cache.CODE, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fragment_cache, "CODE", code)
    fragment_cache.cache_format.cache_clear()
    yield code
    monkeypatch.undo()
    fragment_cache.cache_format.cache_clear()


def test_a_change_to_the_code_that_writes_fragments_serialises_them_again(
        tmp_path: Path, code_copy: Path) -> None:
    fragments = fragments_of(synthetic_datasets())
    folder = tmp_path / "dcat"
    expected, _ = cached_catalogue_files(fragments, folder)
    _, stats = cached_catalogue_files(fragments, folder)
    assert stats.serialised == ()
    serialize = code_copy / "serialize.py"
    serialize.write_text(serialize.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    fragment_cache.cache_format.cache_clear()  # the next process: the code is signed once per process
    files, stats = cached_catalogue_files(fragments, folder)
    assert len(stats.serialised) == len(fragments)  # same digests, entries rewritten in place
    assert files == expected


# ---- slow: the sample site --------------------------------------------------------------

@pytest.mark.slow
def test_sample_catalogue_files_hold_the_graph_catalogue_graph_builds(
    sample_build: tuple[BuildPaths, BuildResult], sample_output: Path
) -> None:
    """What the build wrote, parsed back, is the graph of the whole catalogue, in each format."""
    _, result = sample_build
    expected = catalogue_graph(result.site.settings, result.site.datasets, result.site.build_date)
    files = {f.path: (sample_output / f.path).read_bytes() for f in FORMATS}
    assert_same_graph(files, expected)
    assert files["catalogue.jsonld"] == fragment_files(
        catalogue_fragments(result.site.settings, result.site.datasets, result.site.build_date)
    )["catalogue.jsonld"]


COLD_ASSEMBLY = """
import pickle, sys
from pathlib import Path
from pipeline.extensions.base import BuildContext
from pipeline.extensions.dcat import EXTENSION
paths, settings, datasets, build_date = pickle.loads(Path(sys.argv[1]).read_bytes())
contribution = EXTENSION.prepare(BuildContext(paths, settings, datasets, {}, build_date, ""))
for generated in contribution.files:
    (Path(sys.argv[2]) / generated.path).write_bytes(generated.content)
print(len(contribution.data.cache.serialised), contribution.data.cache.fragments)
"""


@pytest.mark.slow
def test_sample_catalogue_from_a_warm_cache_is_the_same_bytes(
    tmp_path: Path, sample_build: tuple[BuildPaths, BuildResult], sample_output: Path
) -> None:
    """Warm cache, cold build, and a build after other fragments in this process: one text.

    The cold side runs in a new process (another hash seed), with an empty cache folder:
    none of what this process keeps is warm there — the namespace manager every fragment
    shares (serialize.shared_namespaces, and the prefix → IRI splits it remembers), the
    literals and terms graph.py makes once (fr, when, the _Terms attributes), the signature
    of the code (fragment_cache.cache_format). The third side serialises every fragment in
    this process after a fragment whose foreign predicate is in the namespace of the EU
    themes, which the catalogue's datasets point to.
    """
    paths, result = sample_build
    site = result.site
    warm = DCAT_EXTENSION.prepare(BuildContext(paths, site.settings, site.datasets, {}, site.build_date, ""))
    assert warm.data.cache.serialised == ()
    inputs = tmp_path / "inputs.pickle"
    cold_paths = dataclasses.replace(paths, cache=tmp_path / "cold-cache")
    inputs.write_bytes(pickle.dumps((cold_paths, site.settings, site.datasets, site.build_date)))
    (tmp_path / "cold").mkdir()
    done = subprocess.run([sys.executable, "-c", COLD_ASSEMBLY, str(inputs), str(tmp_path / "cold")],
                          cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": "4242"})
    assert done.stdout.split() == [str(len(site.datasets) + 2)] * 2
    cold = {name: (tmp_path / "cold" / name).read_bytes() for name in catalogue_of(warm)}
    assert catalogue_of(warm) == cold
    for name, content in cold.items():
        assert (sample_output / name).read_bytes() == content, name

    write_fragment([(URIRef(f"{BASE}/autre"), URIRef(EU_THEME + "note"), Literal("x"))])
    later_paths = dataclasses.replace(paths, cache=tmp_path / "later-cache")
    later = DCAT_EXTENSION.prepare(BuildContext(later_paths, site.settings, site.datasets, {},
                                                site.build_date, ""))
    assert len(later.data.cache.serialised) == len(site.datasets) + 2
    assert catalogue_of(later) == cold
