"""The catalogue as a DCAT-AP 3.0.1 graph: catalogue, datasets, distributions.

What a harvester reads (data.gouv.fr, data.europa.eu): each dataset with its page, its
publisher (the owner's SIRET as dct:identifier), contact point, temporal and spatial
coverage, EU data theme, EU update frequency, licence and dates from git; each download
(CSV, Parquet, JSON, GeoJSON, GeoParquet) as a distribution with its URL, IANA media type,
EU file type, size, SHA-256 (spdx:checksum) and the Table Schema it conforms to. The
normalised Table Schema files themselves are not distributions: they are the
dct:conformsTo of the others.

Values taken from controlled vocabularies (themes, frequencies, languages, licences,
media types, file types, territories) are typed and labelled here (`<…/data-theme/ECON> a
skos:Concept; skos:prefLabel "Économie et finances"@fr`), so the DCAT-AP shapes' class
constraints hold without fetching the vocabularies.

Blank nodes: only the periods of time. data.gouv.fr (udata) dereferences a dct:temporal
that is an IRI to read its dates, and would fetch the dataset's HTML page; a blank node is
read in place. Their identifiers are fixed (`_:periode-<slug>`), so output stays stable;
and being made of the dataset's slug (unique, like the dataset IRI it makes) they cannot
collide when each dataset is serialised on its own (fragments.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache, wraps
from typing import Any, TypeVar

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from pipeline.catalogue_rdf.terms import (
    ADMS,
    ADMS_LICENCE_TYPE,
    ADMS_PUBLISHER_TYPE,
    DCATAP,
    EU_ACCESS_PUBLIC,
    EU_AVAILABILITY_STABLE,
    EU_LANGUAGE_FR,
    EU_THEME_LABELS,
    EU_THEME_SCHEME,
    FILE_KINDS,
    LICENCE_TYPE_LABELS,
    LICENCE_TYPES,
    OWNER_PUBLISHER_TYPE,
    PUBLISHER_TYPE_LABELS,
    SPDX,
    VCARD,
    Place,
    SiteIRIs,
    eu_file_type,
    iana_media_type,
    is_distribution,
)
from pipeline.config import SiteSettings
from pipeline.model import Contact, ConvertedResource, DataFile, PublishedDataset, Resource
from pipeline.vocab import EU_FREQ, EU_THEME, LICENSES, License

DCT = DCTERMS
Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]
PREFIXES = {
    "rdf": str(RDF),
    "xsd": str(XSD),
    "dcat": str(DCAT),
    "dct": str(DCT),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "spdx": str(SPDX),
    "adms": str(ADMS),
    "dcatap": str(DCATAP),
}


class _Terms:
    """A namespace whose terms are made once. rdflib's make a new URIRef at each access
    (DCT.title checks the name, then builds and validates the IRI), and a catalogue of
    1,000 datasets names terms 100,000 times at every build."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name)
        setattr(self, name, term)  # found as a plain attribute from now on
        return term


# From here on, the namespaces the builder uses are their _Terms (PREFIXES has their IRIs).
RDF, XSD, DCAT, DCT, FOAF, SKOS, SPDX, VCARD, DCATAP = (  # type: ignore[misc]
    _Terms(namespace) for namespace in (RDF, XSD, DCAT, DCT, FOAF, SKOS, SPDX, VCARD, DCATAP))


# Literals are immutable and rdflib makes them slowly: the same labels and dates recur in
# every dataset and distribution, so they are made once.
@lru_cache(maxsize=4096)
def fr(text: str) -> Literal:
    return Literal(text, lang="fr")


@lru_cache(maxsize=4096)
def when(value: datetime | date) -> Literal:
    """xsd:dateTime for commit dates (UTC), xsd:date for calendar dates."""
    if isinstance(value, datetime):
        return Literal(value.isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


Method = TypeVar("Method", bound=Callable[..., Any])


def _once(method: Method) -> Method:
    """Describe a node once per catalogue: the same call would add the same triples again.

    Vocabulary terms (licences, themes, media types, places, agents…) are described for
    every dataset and distribution that uses them; the set of triples ignores the copies,
    but making them is most of the time catalogue_triples takes. Arguments are hashable
    values (strings, literals, frozen dataclasses), and these methods depend on nothing
    else but the settings.
    """
    @wraps(method)
    def once(self: _Builder, *args: Any) -> Any:
        key = (method.__name__, args)
        if key not in self.described:
            self.described[key] = method(self, *args)
        return self.described[key]
    return once  # type: ignore[return-value]


class _Builder:
    def __init__(self, settings: SiteSettings) -> None:
        self.settings = settings
        self.iris = SiteIRIs(settings)
        self.triples: set[Triple] = set()
        self.described: dict[tuple[str, tuple[Any, ...]], Any] = {}

    def add(self, subject: URIRef | BNode, predicate: URIRef, value: URIRef | BNode | Literal) -> None:
        self.triples.add((subject, predicate, value))

    # ---- vocabulary terms, typed and labelled ------------------------------------------

    @_once
    def concept(self, iri: str, label: Literal, scheme: str | None = None) -> URIRef:
        node = URIRef(iri)
        self.add(node, RDF.type, SKOS.Concept)
        self.add(node, SKOS.prefLabel, label)
        if scheme:
            self.add(node, SKOS.inScheme, URIRef(scheme))
        return node

    @_once
    def typed(self, iri: str, *classes: URIRef) -> URIRef:
        node = URIRef(iri)
        for cls in classes:
            self.add(node, RDF.type, cls)
        return node

    def document(self, url: str) -> URIRef:
        return self.typed(url, FOAF.Document)

    def language(self) -> URIRef:
        return self.typed(EU_LANGUAGE_FR, DCT.LinguisticSystem)

    @_once
    def theme_scheme(self) -> URIRef:
        node = self.typed(EU_THEME_SCHEME, SKOS.ConceptScheme)
        self.add(node, DCT.title, Literal("Data theme", lang="en"))
        self.add(node, DCT.title, fr("Thèmes des données (Union européenne)"))
        return node

    @_once
    def theme(self, code: str) -> URIRef:
        label = EU_THEME_LABELS.get(code, code)
        return self.concept(EU_THEME + code, fr(label), EU_THEME_SCHEME)

    @_once
    def frequency(self, code: str, label: str) -> URIRef:
        node = self.typed(EU_FREQ + code, DCT.Frequency)
        self.add(node, SKOS.prefLabel, fr(label))
        return node

    @_once
    def licence(self, lic: License) -> URIRef:
        node = self.typed(lic.url, DCT.LicenseDocument)
        self.add(node, DCT.title, fr(lic.title))
        for kind in LICENCE_TYPES.get(lic.id, ()):
            self.add(node, DCT.type, self.concept(ADMS_LICENCE_TYPE + kind,
                                                  Literal(LICENCE_TYPE_LABELS[kind], lang="en")))
        return node

    @_once
    def place(self, place: Place) -> URIRef:
        node = self.typed(place.iri, DCT.Location)
        self.add(node, SKOS.prefLabel, fr(place.label))
        self.add(node, DCT.identifier, Literal(place.code))
        if place.part_of:
            self.add(node, DCT.isPartOf, URIRef(place.part_of))
        return node

    @_once
    def agent(self, name: str) -> URIRef:
        node = self.typed(self.iris.agent(name), FOAF.Agent, FOAF.Organization)
        owner = self.iris.is_owner(name)
        self.add(node, FOAF.name, Literal(self.settings.owner if owner else name))
        if owner:
            if self.settings.owner_id:
                self.add(node, DCT.identifier, Literal(self.settings.owner_id))
            if self.settings.owner_url:
                self.add(node, FOAF.homepage, self.document(self.settings.owner_url))
            self.add(node, DCT.type, self.concept(
                ADMS_PUBLISHER_TYPE + OWNER_PUBLISHER_TYPE,
                Literal(PUBLISHER_TYPE_LABELS[OWNER_PUBLISHER_TYPE], lang="en")))
        return node

    @_once
    def contact(self, contact: Contact) -> URIRef | None:
        if not (contact.name or contact.email):
            return None
        node = self.typed(self.iris.contact(contact), VCARD.Kind)
        self.add(node, VCARD.fn, Literal(contact.name or contact.email))
        if contact.email:
            self.add(node, VCARD.hasEmail, URIRef(f"mailto:{contact.email}"))
        return node

    # ---- the catalogue -----------------------------------------------------------------

    def catalogue(self, datasets: Sequence[PublishedDataset], build_date: datetime) -> URIRef:
        settings = self.settings
        node = self.typed(self.iris.catalogue, DCAT.Catalog)
        self.add(node, DCT.title, fr(settings.name))
        description = settings.tagline or f"Catalogue des données ouvertes publiées par {settings.owner}."
        self.add(node, DCT.description, fr(description))
        self.add(node, DCT.publisher, self.agent(settings.owner))
        self.add(node, FOAF.homepage, self.document(self.iris.url()))
        self.add(node, DCT.language, self.language())
        default = LICENSES.get(settings.default_license)
        if default:
            self.add(node, DCT.license, self.licence(default))
        self.add(node, DCT.spatial, self.place(self.iris.territory))
        self.add(node, DCAT.themeTaxonomy, self.theme_scheme())
        created = [d.dates.created for d in datasets] or [build_date]
        modified = [d.dates.modified for d in datasets] or [build_date]
        self.add(node, DCT.issued, when(min(created)))
        self.add(node, DCT.modified, when(max(modified)))
        for published in datasets:
            self.add(node, DCAT.dataset, self.dataset(published))
        return node

    def dataset(self, published: PublishedDataset) -> URIRef:
        d = published.dataset
        node = self.typed(self.iris.dataset(d.slug), DCAT.Dataset)
        self.add(node, DCT.identifier, Literal(d.slug))
        self.add(node, DCT.title, fr(d.title))
        self.add(node, DCT.description, fr(d.description.strip() or d.title))
        for keyword in d.keywords:
            self.add(node, DCAT.keyword, fr(keyword))
        self.add(node, DCAT.landingPage, self.document(self.iris.page(d.slug)))
        self.add(node, DCT.publisher, self.agent(d.publisher))
        contact = self.contact(d.contact)
        if contact is not None:
            self.add(node, DCAT.contactPoint, contact)
        if d.temporal and (d.temporal.start or d.temporal.end):
            period = BNode(f"periode-{d.slug}")
            self.add(period, RDF.type, DCT.PeriodOfTime)
            if d.temporal.start:
                self.add(period, DCAT.startDate, when(d.temporal.start))
            if d.temporal.end:
                self.add(period, DCAT.endDate, when(d.temporal.end))
            self.add(node, DCT.temporal, period)
        for value in d.spatial:
            self.add(node, DCT.spatial, self.place(self.iris.place(value)))
        self.add(node, DCAT.theme, self.theme(d.theme.eu_theme))
        self.add(node, DCT.accrualPeriodicity, self.frequency(d.frequency.eu_code, d.frequency.label))
        self.add(node, DCT.issued, when(published.dates.created))
        self.add(node, DCT.modified, when(published.dates.modified))
        for lic in d.licenses:
            self.add(node, DCT.license, self.licence(lic))
        self.add(node, DCT.accessRights, self.typed(EU_ACCESS_PUBLIC, DCT.RightsStatement))
        self.add(node, DCT.language, self.language())
        if d.version:
            self.add(node, DCAT.version, Literal(d.version))
        for resource, converted in published.resources:
            for data_file in converted.files:
                if is_distribution(data_file):
                    self.add(node, DCAT.distribution,
                             self.distribution(published, resource, converted, data_file))
        return node

    def distribution(self, published: PublishedDataset, resource: Resource,
                     converted: ConvertedResource, data_file: DataFile) -> URIRef:
        slug = published.slug
        node = self.typed(self.iris.distribution(slug, data_file), DCAT.Distribution)
        self.add(node, DCT.title, fr(f"{resource.title} ({data_file.format})"))
        kind = FILE_KINDS.get(data_file.format)
        if kind:
            text = kind.description.format(rows=converted.rows, precision=resource.precision)
            self.add(node, DCT.description, fr(text))
        url = URIRef(self.iris.download(slug, data_file))
        self.add(node, DCAT.downloadURL, url)
        self.add(node, DCAT.accessURL, url)
        self.add(node, DCAT.mediaType, self.typed(iana_media_type(data_file.media_type), DCT.MediaType))
        file_type = eu_file_type(data_file)
        if file_type:
            self.add(node, DCT.format, self.typed(file_type, DCT.MediaTypeOrExtent))
        self.add(node, DCAT.byteSize, Literal(str(data_file.size), datatype=XSD.nonNegativeInteger))
        checksum = self.typed(self.iris.checksum(slug, data_file), SPDX.Checksum)
        self.add(checksum, SPDX.algorithm, self.typed(str(SPDX.checksumAlgorithm_sha256),
                                                       SPDX.ChecksumAlgorithm))
        self.add(checksum, SPDX.checksumValue, Literal(data_file.sha256.lower(), datatype=XSD.hexBinary))
        self.add(node, SPDX.checksum, checksum)
        for lic in published.dataset.licenses:
            self.add(node, DCT.license, self.licence(lic))
        self.add(node, DCT.conformsTo, self.standard(slug, resource))
        self.add(node, DCT.issued, when(published.dates.created))
        self.add(node, DCT.modified, when(published.dates.modified))
        self.add(node, DCATAP.availability, self.concept(EU_AVAILABILITY_STABLE, fr("stable")))
        return node

    def standard(self, slug: str, resource: Resource) -> URIRef:
        iri = self.iris.schema(slug, resource.name, resource.schema_source)
        node = self.typed(iri, DCT.Standard)
        if iri == resource.schema_source:  # a published schema, shared by every resource using it
            title = str(resource.schema.get("title") or f"Table Schema {iri}")
        else:
            title = f"Table Schema de « {resource.title} »"
        self.add(node, DCT.title, fr(title))
        return node


def ordered_graph(triples: Iterable[tuple]) -> Graph:
    """A graph whose store keeps the sorted order of its triples, with our prefixes only.

    rdflib's default store keeps triples in sets, whose order changes with Python's hash
    seed; its RDF/XML and JSON-LD serialisers write subjects in store order. SimpleMemory
    is made of dictionaries, which keep the order triples were added in.
    """
    graph = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in sorted(triples, key=lambda t: tuple(term.n3() for term in t)):
        graph.add(triple)
    return graph


def catalogue_triples(settings: SiteSettings, datasets: Iterable[PublishedDataset],
                      build_date: datetime) -> set[Triple]:
    """The whole catalogue as a set of triples; settings.base_url must be set.

    Cheap next to an rdflib Graph (no store, no index): fragments.py splits this set.
    """
    if not settings.base_url:
        raise ValueError("settings.base_url is empty: a DCAT catalogue needs absolute IRIs")
    builder = _Builder(settings)
    builder.catalogue(sorted(datasets, key=lambda d: d.slug), build_date)
    return builder.triples


def catalogue_graph(settings: SiteSettings, datasets: Iterable[PublishedDataset],
                    build_date: datetime) -> Graph:
    """The whole catalogue, in sorted order (ready to serialise); settings.base_url must be set."""
    return ordered_graph(catalogue_triples(settings, datasets, build_date))
