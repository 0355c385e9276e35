"""The catalogue graph as files: Turtle, JSON-LD and RDF/XML, stable byte for byte.

rdflib's RDF/XML and JSON-LD serialisers write subjects in the order of the store, and its
default store keeps triples in sets, whose order changes with Python's hash seed from one
process to the next (the JSON-LD one even walks a set of subjects: its nodes are sorted
by @id afterwards). Each serialisation therefore reads a copy of the graph in a
dictionary-based store (SimpleMemory, insertion-ordered) filled in sorted order; blank
nodes have fixed identifiers (graph.py). Two builds of the same commit give the same three
files, byte for byte.

No Hydra paging: the catalogue is one document per format. data.gouv.fr pages only
catalogues that say they are paged; one document stays reasonable well beyond the 1,000
datasets a départemental portal could publish (about 4 kB of Turtle per dataset).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rdflib import Graph

from pipeline.catalogue_rdf.graph import PREFIXES


@dataclass(frozen=True)
class CatalogueFormat:
    path: str  # at the site's root
    rdflib_format: str
    media_type: str
    label: str  # for <link title> and pages


FORMATS = (
    CatalogueFormat("catalogue.ttl", "turtle", "text/turtle", "Turtle"),
    CatalogueFormat("catalogue.jsonld", "json-ld", "application/ld+json", "JSON-LD"),
    CatalogueFormat("catalogue.rdf", "xml", "application/rdf+xml", "RDF/XML"),
)


def ordered(graph: Graph) -> Graph:
    """A copy of graph whose triples were added in sorted order, with our prefixes only."""
    copy = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        copy.bind(prefix, namespace)
    for triple in sorted(graph, key=lambda t: tuple(term.n3() for term in t)):
        copy.add(triple)
    return copy


def serialize(graph: Graph, fmt: CatalogueFormat) -> bytes:
    return _write(ordered(graph), fmt)


def _write(copy: Graph, fmt: CatalogueFormat) -> bytes:
    """One format of a graph already copied in order."""
    if fmt.rdflib_format == "json-ld":
        document = json.loads(copy.serialize(format="json-ld", context=dict(PREFIXES)))
        if "@graph" in document:  # absent when the graph has a single node
            document["@graph"] = sorted(document["@graph"], key=lambda node: node.get("@id", ""))
        return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    data = copy.serialize(format=fmt.rdflib_format, encoding="utf-8")
    return data if data.endswith(b"\n") else data + b"\n"


def catalogue_files(graph: Graph) -> dict[str, bytes]:
    """Path → content of the three catalogue files."""
    copy = ordered(graph)
    return {fmt.path: _write(copy, fmt) for fmt in FORMATS}
