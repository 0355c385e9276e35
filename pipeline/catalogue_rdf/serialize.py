"""The catalogue graph as files: Turtle, JSON-LD and RDF/XML, stable byte for byte.

rdflib's RDF/XML and JSON-LD serialisers write subjects in the order of the graph's store,
which by default is made of sets whose order changes with Python's hash seed. They are
given graphs in an insertion-ordered store filled in sorted order (graph.ordered_graph:
catalogue_graph returns one; `ordered` copies any other graph), and the JSON-LD one even
walks a set of subjects, so its nodes are sorted by @id afterwards. Blank nodes have fixed
identifiers (graph.py). Two builds of the same commit give the same three files, byte for
byte.

No Hydra paging: the catalogue is one document per format. Harvesters (data.gouv.fr
included) follow Hydra pages only when a catalogue says it is paged, and one document
stays reasonable for the few hundred datasets a départemental portal publishes: 6 to 13 kB
of Turtle per dataset, so about 10 MB per format for 1,000 datasets, which rdflib writes
in tens of seconds. Beyond that, paging (hydra:PartialCollectionView) would be the next
step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rdflib import Graph

from pipeline.catalogue_rdf.graph import PREFIXES, ordered_graph


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
    """A copy of any graph in sorted, insertion-ordered form, with our prefixes only."""
    return ordered_graph(graph)


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
    """Path → content of the three catalogue files of a graph made by catalogue_graph."""
    return {fmt.path: _write(graph, fmt) for fmt in FORMATS}
