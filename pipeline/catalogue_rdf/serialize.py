"""The catalogue graph as files: Turtle, JSON-LD and RDF/XML, stable byte for byte.

rdflib's RDF/XML and JSON-LD serialisers write subjects in the order of the graph's store,
which by default is made of sets whose order changes with Python's hash seed. They are
given graphs in an insertion-ordered store filled in sorted order (graph.ordered_graph:
catalogue_graph returns one; `ordered` copies any other graph), and the JSON-LD one even
walks a set of subjects, so its nodes are sorted by @id afterwards. Blank nodes have fixed
identifiers (graph.py). Two builds of the same commit give the same three files, byte for
byte.

The site's files are put together from fragments (fragments.py: the catalogue node's, the
shared nodes', one per dataset), each serialised on its own by `write_fragment` and kept in
the build's cache (fragment_cache.py), then assembled by `assemble`: Turtle is one prefix
block and the fragments' statements; RDF/XML one rdf:RDF root declaring the namespaces and
the fragments' elements; JSON-LD one @context and the fragments' nodes, sorted by @id. The
result is the same graph as `catalogue_files(catalogue_graph(…))` (tested; JSON-LD even the
same bytes), written in a slightly different order (Turtle and RDF/XML: fragment after
fragment, the dcat:Catalog first).

What it costs (DcatExtension.prepare, copies of the budget-primitif sample): rdflib takes
about 5 ms per dataset for the three formats, so a cold build (empty cache) spends about
0.33 s here for 50 datasets and 7 s for 1,000, as writing the whole graph at once did
(0.30 s and 7 s). A rebuild pays only for the fragments whose triples changed, plus
building the triples, their digests, reading the cache and joining bytes: with 50
datasets 25 ms when nothing changed and 35 to 45 ms when one did (its fragment and the
catalogue node's, whose dct:modified moves), against 0.3 s before; with 1,000 datasets
0.8 s either way, against 7 s.

No Hydra paging: the catalogue is one document per format. Harvesters (data.gouv.fr
included) follow Hydra pages only when a catalogue says it is paged, and one document
stays reasonable for the few hundred datasets a départemental portal publishes: 6 to 13 kB
of Turtle per dataset, so about 10 MB per format for 1,000 datasets. Beyond that, paging
(hydra:PartialCollectionView) would be the next step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import (
    NAME_START_CATEGORIES,
    SPLIT_START_CATEGORIES,
    NamespaceManager,
    split_uri,
)

from pipeline.catalogue_rdf.graph import PREFIXES, Triple, ordered_graph
from pipeline.fileio import sha256_bytes


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
TURTLE, JSONLD, RDFXML = FORMATS


def ordered(graph: Graph) -> Graph:
    """A copy of any graph in sorted, insertion-ordered form, with our prefixes only."""
    return ordered_graph(graph)


def serialize(graph: Graph, fmt: CatalogueFormat) -> bytes:
    return _write(ordered(graph), fmt)


def _write(copy: Graph, fmt: CatalogueFormat) -> bytes:
    """One format of a graph already copied in order."""
    if fmt.rdflib_format == "json-ld":
        return _jsonld_document(_jsonld_nodes(copy))
    data = copy.serialize(format=fmt.rdflib_format, encoding="utf-8")
    return data if data.endswith(b"\n") else data + b"\n"


def catalogue_files(graph: Graph) -> dict[str, bytes]:
    """Path → content of the three catalogue files of a graph made by catalogue_graph.

    The whole graph at once: the reference the assembled files are tested against.
    """
    return {fmt.path: _write(graph, fmt) for fmt in FORMATS}


# ---- fragments ------------------------------------------------------------------------

@dataclass(frozen=True)
class FragmentText:
    """A fragment in the three formats, without what the assembled file says once.

    UTF-8 bytes, as the files are: assembling them is joining bytes.
    """

    turtle_prefixes: Mapping[str, str]  # prefix → namespace, as its @prefix lines said
    turtle: bytes  # its statements
    xml_namespaces: Mapping[str, str]  # prefix → namespace, as its rdf:RDF root declared
    xml: bytes  # its rdf:Description elements
    # Its nodes, compacted with PREFIXES: (@id, the node as written in the @graph array).
    # Kept written because json.dumps with an indent is slow enough to matter.
    jsonld: tuple[tuple[str, bytes], ...]


def write_fragment(triples: Iterable[Triple]) -> FragmentText:
    """The three formats of a fragment, split into what `assemble` needs.

    Its bytes depend on its triples only (and on this code and rdflib), never on what was
    serialised before in the process: the cache keeps them under the digest of the triples.
    """
    graph = ordered_graph(triples)
    graph.namespace_manager = _namespaces_for(graph)
    turtle_prefixes, turtle = _split_turtle(graph.serialize(format="turtle"))
    xml_namespaces, xml = _split_xml(graph.serialize(format="xml"))
    nodes = tuple((node.get("@id", ""), _jsonld_text(node)) for node in _jsonld_nodes(graph))
    return FragmentText(turtle_prefixes, turtle.encode("utf-8"), xml_namespaces,
                        xml.encode("utf-8"), nodes)


@lru_cache(maxsize=1)
def shared_namespaces() -> NamespaceManager:
    """The namespace manager of every fragment whose predicates PREFIXES all name.

    It remembers how each IRI splits into prefix and name, which the writers ask again and
    again (a fresh one per fragment made a cold build a third slower than one whole graph).
    It binds PREFIXES and nothing else, ever: a prefix bound for one fragment would make
    every later fragment write IRIs of that namespace as prefixed names, so the bytes of a
    fragment would depend on the fragments serialised before it. What it remembers is then
    the same in any process, whatever it wrote before.
    """
    return ordered_graph(()).namespace_manager


def _namespaces_for(graph: Graph) -> NamespaceManager:
    """shared_namespaces, or a manager of this fragment's own if it has predicates in
    namespaces outside PREFIXES (none in the catalogues graph.py builds).

    The Turtle and RDF/XML writers need a prefix for every predicate and invent `ns1`,
    `ns2`… for unbound namespaces, in the order they meet them: two fragments could give
    ns1 to two different namespaces, which one prefix block could not declare. A prefix
    made of the namespace's digest means the same namespace in every fragment. It is bound
    in a new manager, PREFIXES and this fragment's namespaces, thrown away afterwards.
    """
    shared = shared_namespaces()
    foreign = sorted(p for p in set(graph.predicates()) if not _has_prefix(shared, p))
    if not foreign:
        return shared
    manager = ordered_graph(()).namespace_manager
    for predicate in foreign:
        # Turtle's split first, then RDF/XML's, which needs an XML name and may cut the
        # IRI elsewhere: each gets a prefix if it still lacks one.
        for strict in (False, True):
            if not _has_prefix(manager, predicate, strict):
                starts = NAME_START_CATEGORIES if strict else SPLIT_START_CATEGORIES
                namespace = split_uri(predicate, starts)[0]
                manager.bind("ns" + sha256_bytes(namespace.encode("utf-8"))[:8], namespace)
    return manager


def _has_prefix(manager: NamespaceManager, predicate: URIRef, strict: bool | None = None) -> bool:
    """Whether Turtle's writer (strict False), RDF/XML's (True) or both (None) can name the
    predicate with the manager's prefixes as they are (generate=False: asking binds nothing)."""
    try:
        if strict in (None, False):
            manager.compute_qname(predicate, generate=False)
        if strict in (None, True):
            manager.compute_qname_strict(predicate, generate=False)
    except KeyError:
        return False
    return True


PREFIX_LINE = re.compile(r"@prefix ([A-Za-z0-9_.-]*): <([^>]*)> \.")
XML_HEAD = re.compile(r'<\?xml version="1.0" encoding="utf-8"\?>\n<rdf:RDF\n'
                      r'((?:   xmlns:[A-Za-z0-9_.-]+="[^"]*"\n)*)>\n')
XML_NAMESPACE = re.compile(r'   xmlns:([A-Za-z0-9_.-]+)="([^"]*)"\n')
XML_TAIL = "</rdf:RDF>\n"


def _split_turtle(text: str) -> tuple[dict[str, str], str]:
    lines = text.split("\n")
    prefixes: dict[str, str] = {}
    while lines and (match := PREFIX_LINE.fullmatch(lines[0])):
        prefixes[match[1]] = match[2]
        lines.pop(0)
    return prefixes, "\n".join(lines).strip("\n")


def _split_xml(text: str) -> tuple[dict[str, str], str]:
    head = XML_HEAD.match(text)
    if head is None or not text.endswith(XML_TAIL):
        raise ValueError("rdflib's RDF/XML is not laid out as expected (rdflib upgraded?)")
    namespaces = dict(XML_NAMESPACE.findall(head[1]))
    return namespaces, text[head.end():-len(XML_TAIL)]


def _jsonld_nodes(graph: Graph) -> list[dict[str, Any]]:
    document = json.loads(graph.serialize(format="json-ld", context=dict(PREFIXES)))
    if "@graph" in document:
        return document["@graph"]
    # A graph of a single node is written as that node, beside @context; an empty one as
    # @context alone.
    node = {key: value for key, value in document.items() if key != "@context"}
    return [node] if node else []


def _jsonld_document(nodes: list[Mapping[str, Any]]) -> bytes:
    nodes = sorted(nodes, key=lambda node: node.get("@id", ""))
    document: dict[str, Any] = {"@context": dict(PREFIXES)}
    if len(nodes) == 1:  # as rdflib writes a graph of one node (and of none: @context alone)
        document.update(nodes[0])
    elif nodes:
        document["@graph"] = nodes
    return (_dumps(document) + "\n").encode("utf-8")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


JSONLD_NODE_INDENT = "    "  # a node in the @graph array of the document: two levels deep


def _jsonld_text(node: Mapping[str, Any]) -> bytes:
    """A node as _dumps writes it inside the @graph of a document (no newline in JSON
    strings: they are escaped, so indenting every line is safe)."""
    return (JSONLD_NODE_INDENT + _dumps(node).replace("\n", "\n" + JSONLD_NODE_INDENT)).encode("utf-8")


def _jsonld_assembled(nodes: Sequence[tuple[str, bytes]]) -> bytes:
    """What _jsonld_document writes, from nodes already written: the same bytes."""
    if len(nodes) < 2:
        return _jsonld_document([json.loads(text) for _, text in nodes])
    graph = b",\n".join(text for _, text in sorted(nodes, key=lambda node: node[0]))
    context = _dumps(dict(PREFIXES)).replace("\n", "\n  ").encode("utf-8")
    return b'{\n  "@context": ' + context + b',\n  "@graph": [\n' + graph + b"\n  ]\n}\n"


def assemble(texts: Sequence[FragmentText]) -> dict[str, bytes]:
    """Path → content of the three catalogue files, from fragments in their order."""
    prefixes = _merged(t.turtle_prefixes for t in texts)
    turtle_head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())) + "\n"
    turtle = turtle_head.encode("utf-8") + b"\n\n".join(t.turtle for t in texts if t.turtle) + b"\n\n"
    namespaces = _merged([{"rdf": PREFIXES["rdf"]}, *(t.xml_namespaces for t in texts)])
    xml_head = ('<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF\n'
                + "".join(f'   xmlns:{p}="{ns}"\n' for p, ns in sorted(namespaces.items())) + ">\n")
    xml = xml_head.encode("utf-8") + b"".join(t.xml for t in texts) + XML_TAIL.encode("utf-8")
    return {
        TURTLE.path: turtle,
        JSONLD.path: _jsonld_assembled([node for t in texts for node in t.jsonld]),
        RDFXML.path: xml,
    }


def _merged(maps: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """One prefix → namespace map; a prefix bound to two namespaces is a bug, not a guess."""
    merged: dict[str, str] = {}
    for mapping in maps:
        for prefix, namespace in mapping.items():
            if merged.setdefault(prefix, namespace) != namespace:
                raise ValueError(f"prefix {prefix}: is {merged[prefix]} in one fragment "
                                 f"and {namespace} in another")
    return merged
