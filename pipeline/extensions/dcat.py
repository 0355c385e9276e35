"""The catalogue for harvesters: DCAT-AP 3 in Turtle, JSON-LD and RDF/XML, and data.json.

`/catalogue.ttl`, `/catalogue.jsonld` and `/catalogue.rdf` describe the same graph
(pipeline/catalogue_rdf/graph.py): a national portal such as data.gouv.fr harvests any of
them, so nobody copies metadata by hand. Every page links to them from its <head>
(`<link rel="alternate" type="text/turtle" …>`). `/data.json` says the same in Project Open
Data 1.1, for harvesters that read only that (CKAN's, JKAN's users).

IRIs are absolute, from site.yaml's base_url: without it there is no catalogue, and the
build says so (a warning, fatal with --strict).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.catalogue_rdf.graph import catalogue_graph
from pipeline.catalogue_rdf.pod import POD_PATH, pod_catalogue
from pipeline.catalogue_rdf.serialize import FORMATS, CatalogueFormat, catalogue_files
from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, GeneratedFile
from pipeline.report import Problem


@dataclass(frozen=True)
class DcatData:
    """opendata.extras["dcat"]: the catalogue files, for links in pages."""

    formats: tuple[CatalogueFormat, ...]
    pod: str


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
        graph = catalogue_graph(context.settings, context.datasets, context.build_date)
        files = [GeneratedFile(path, content) for path, content in catalogue_files(graph).items()]
        files.append(GeneratedFile(POD_PATH, pod_catalogue(context.settings, context.datasets,
                                                          context.build_date)))
        return Contribution(self.name, data=DcatData(FORMATS, POD_PATH), files=tuple(files),
                            head_partials=("dcat/_head.html",))


EXTENSION = DcatExtension()
