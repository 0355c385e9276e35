"""The catalogue graph in fragments: the catalogue, what datasets share, one per dataset.

rdflib's serialisers are slow (about 5 ms per dataset for the three formats), and a
rebuild usually changes one dataset or none. So the graph is cut in fragments that are
serialised on their own, each with a digest of its content (sha256 of its sorted
N-Triples); serialize.py writes a fragment's three formats and puts the files together,
fragment_cache.py keeps what it wrote under the digest. What did not change is not
written again.

Which fragment a node (a subject of triples) goes to:

- a dataset's node, and every node reachable from it and from no other dataset nor from
  the catalogue's own properties: its distributions, their checksums, its period of time
  (a blank node), its landing page, its own Table Schema, a contact point only it has;
- the dcat:Catalog node to the catalogue fragment, first in every file (rdflib's Turtle
  writer would otherwise bury it among the shared nodes nobody in its fragment points to);
- every other node to the shared fragment: the nodes the catalogue points to, and those
  several datasets point to (the owner as publisher, licences, themes, frequencies,
  places, media types, a contact point of several datasets…). A shared node must be
  written once, so in a fragment of its own kind that every catalogue has: putting it in
  one of its datasets (the first by IRI, say) would make that dataset's fragment depend on
  which other datasets exist. Kept apart from the catalogue node, which changes with the
  list of datasets and their latest date, while vocabulary terms seldom change.

A node used by one dataset today and by two tomorrow moves from the dataset's fragment to
the shared one: both digests change, both are written again; the output stays right
because a digest is of the fragment's whole content.

Blank nodes keep their labels (`_:periode-<slug>`, unique because slugs are) and must be
in the fragment of every triple that points to them: rdflib's Turtle writer prints a
blank node nobody points to as `[]`, which would cut the link. Checked here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from pipeline.catalogue_rdf.graph import Triple, catalogue_triples
from pipeline.catalogue_rdf.terms import SiteIRIs
from pipeline.config import SiteSettings
from pipeline.fileio import sha256_bytes
from pipeline.model import PublishedDataset

CATALOGUE = "catalogue"  # the key of the catalogue node's fragment
SHARED = "shared"  # the key of the shared nodes' fragment; datasets are keyed by their IRI


@dataclass(frozen=True)
class Fragment:
    """Part of the catalogue graph, serialised and cached as a unit."""

    key: str  # CATALOGUE, SHARED, or the dataset's IRI
    triples: tuple[Triple, ...]  # in no particular order
    digest: str  # sha256 of its triples, one line each, sorted: the cache key


def ntriples_line(triple: Triple) -> str:
    return f"{_ntriples(triple[0])} {_ntriples(triple[1])} {_ntriples(triple[2])} ."


def _ntriples(term: Node) -> str:
    """A term much as N-Triples writes it: one string per term, no two terms alike.

    Not rdflib's n3(), whose checks and escapes show at every build: an IRI is written
    as is (an invalid one fails when its fragment is serialised, so never reaches the
    cache), a literal's text as Python's repr (escaped, so unambiguous).
    """
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return f"{str(term)!r}@{term.language or ''}^^<{term.datatype or ''}>"
    raise TypeError(f"not an RDF term: {term!r}")


def make_fragment(key: str, triples: Iterable[Triple]) -> Fragment:
    triples = tuple(triples)  # in any order: ordered_graph sorts them before writing
    text = "\n".join(sorted(map(ntriples_line, triples)))
    return Fragment(key, triples, sha256_bytes(text.encode("utf-8")))


def catalogue_fragments(settings: SiteSettings, datasets: Iterable[PublishedDataset],
                        build_date: datetime) -> list[Fragment]:
    """The fragments of catalogue_graph's graph: catalogue, shared, then datasets by IRI."""
    iris = SiteIRIs(settings)
    datasets = tuple(datasets)
    triples = catalogue_triples(settings, datasets, build_date)
    return split(triples, URIRef(iris.catalogue), [URIRef(iris.dataset(d.slug)) for d in datasets])


def split(triples: Iterable[Triple], catalogue: URIRef, datasets: Sequence[URIRef]) -> list[Fragment]:
    """Every triple in exactly one fragment, by the fragment its subject belongs to."""
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    for triple in triples:
        by_subject[triple[0]].append(triple)
    owner = _owners(by_subject, catalogue, datasets)
    _check_blank_nodes(by_subject, owner)
    grouped: dict[str, list[Triple]] = defaultdict(list)
    for subject, subject_triples in by_subject.items():
        grouped[owner[subject]].extend(subject_triples)
    keys = [CATALOGUE, SHARED, *sorted(str(d) for d in set(datasets))]
    return [make_fragment(key, grouped[key]) for key in keys if grouped[key]]


def _owners(by_subject: dict[Node, list[Triple]], catalogue: URIRef,
            datasets: Sequence[URIRef]) -> dict[Node, str]:
    roots = {catalogue, *datasets}
    reached_by: dict[Node, set[str]] = defaultdict(set)
    for root in roots:
        for node in _reachable(by_subject, root, roots):
            reached_by[node].add(str(root))
    owner = {}
    for subject in by_subject:
        if subject in roots:
            owner[subject] = CATALOGUE if subject == catalogue else str(subject)
            continue
        keys = reached_by[subject]
        # Reached by one dataset only: its own. By several, or by the catalogue: shared.
        owner[subject] = next(iter(keys)) if len(keys) == 1 and str(catalogue) not in keys else SHARED
    return owner


def _reachable(by_subject: dict[Node, list[Triple]], root: Node, roots: set[URIRef]) -> set[Node]:
    """Subjects reachable from root without going through another root (each has its own)."""
    seen = {root}
    stack = [root]
    while stack:
        for _, _, value in by_subject.get(stack.pop(), ()):
            if value in by_subject and value not in seen and value not in roots:
                seen.add(value)
                stack.append(value)
    return seen


def _check_blank_nodes(by_subject: dict[Node, list[Triple]], owner: dict[Node, str]) -> None:
    for subject, subject_triples in by_subject.items():
        for _, _, value in subject_triples:
            if isinstance(value, BNode) and owner.get(value, owner[subject]) != owner[subject]:
                raise ValueError(f"blank node {value.n3()} is used outside its fragment "
                                 f"({owner[subject]}, not {owner[value]}): give it an IRI")
