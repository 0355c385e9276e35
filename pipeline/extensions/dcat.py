"""The catalogue for harvesters: DCAT-AP 3 in Turtle, JSON-LD and RDF/XML, and data.json.

`/catalogue.ttl`, `/catalogue.jsonld` and `/catalogue.rdf` describe the same graph
(pipeline/catalogue_rdf/graph.py): a national portal such as data.gouv.fr harvests any of
them, so nobody copies metadata by hand. Every page links to them from its <head>
(`<link rel="alternate" type="text/turtle" …>`). `/data.json` says the same in Project Open
Data 1.1, for harvesters that read only that (CKAN's, JKAN's users).

IRIs are absolute, from site.yaml's base_url: without it there is no catalogue, and the
build says so (a warning, fatal with --strict).

rdflib writes these files slowly (about 5 ms per dataset for the three), so they are put
together from fragments (pipeline/catalogue_rdf/fragments.py: the catalogue node's, the
shared nodes', one per dataset) whose serialisations are kept in the build cache
(`<cache>/dcat/`, keyed by the digest of each fragment's triples, and stale when the code
of pipeline/catalogue_rdf, rdflib or Python change): a rebuild serialises only the
fragments that changed, and removes the cache entries it no longer uses (not another
build's files being written). A fragment's bytes depend on its triples only, never on what
the process serialised before: a warm cache gives the bytes of a cold build. With 50
datasets a rebuild spends 25 to 45 ms here instead of 0.3 s (figures in serialize.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.catalogue_rdf.fragment_cache import CacheStats, cached_catalogue_files
from pipeline.catalogue_rdf.fragments import catalogue_fragments
from pipeline.catalogue_rdf.pod import POD_PATH, pod_catalogue
from pipeline.catalogue_rdf.serialize import FORMATS, CatalogueFormat
from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, GeneratedFile
from pipeline.report import Problem

CACHE_FOLDER = "dcat"  # under the build cache: the serialised fragments of the catalogue


@dataclass(frozen=True)
class DcatData:
    """opendata.extras["dcat"]: the catalogue files, for links in pages."""

    formats: tuple[CatalogueFormat, ...]
    pod: str
    cache: CacheStats | None = None  # what the fragment cache saved this build (for tests, bench)


def no_base_url(what: str) -> Problem:
    return Problem("warning", "no-base-url",
                   f"site.yaml has no base_url: {what} not written (they need absolute URLs).",
                   file="site.yaml", hint='Set base_url: "https://donnees.example.fr" in site.yaml.')


class DcatExtension(BaseExtension):
    name = "dcat"
    order = 80

    def prepare(self, context: BuildContext) -> Contribution:
        if not context.settings.base_url:
            return Contribution(self.name, problems=(no_base_url("the DCAT catalogue and data.json"),))
        fragments = catalogue_fragments(context.settings, context.datasets, context.build_date)
        catalogue, stats = cached_catalogue_files(fragments, context.paths.cache / CACHE_FOLDER)
        files = [GeneratedFile(path, content) for path, content in catalogue.items()]
        files.append(GeneratedFile(POD_PATH, pod_catalogue(context.settings, context.datasets,
                                                          context.build_date)))
        return Contribution(self.name, data=DcatData(FORMATS, POD_PATH, stats), files=tuple(files),
                            head_partials=("dcat/_head.html",))


EXTENSION = DcatExtension()
