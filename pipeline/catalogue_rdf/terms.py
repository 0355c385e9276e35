"""The IRIs of the catalogue and the vocabularies it points to.

Everything the site describes gets an absolute IRI under settings.base_url, made of the
page that describes it and a fragment (`…/jeux-de-donnees/<slug>/#jeu-de-donnees`): IRIs
are the same from build to build, unlike blank nodes, and lead a person to the right page.

Territories (`spatial:` in datapackage.yaml) point to INSEE's Code officiel géographique
where a code is stable enough to name a place: `http://id.insee.fr/geo/departement/59`,
`…/commune/59350`, `…/region/32`, the code-based IRIs that data.gouv.fr's own geographic
zones carry. INSEE's current linked data names territories by UUID IRIs (the Nord is
`http://id.insee.fr/geo/departement/1cabcdea-…`), which cannot be derived from a code
without INSEE's tables; and canton codes were reassigned in 2015 (décret 2014-167: canton
5901 is Aniche since then, another canton before), so a code-based canton IRI would name
an abolished canton. Cantons are therefore places of our own (`<base>/#canton-5901`),
with their name, their INSEE code and the département they are part of. Every place,
INSEE's or ours, is a dct:Location with a French skos:prefLabel, so a harvester that does
not dereference INSEE IRIs still has a name to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from rdflib import Namespace

from pipeline.config import SiteSettings
from pipeline.model import Contact, DataFile
from pipeline.participation.common import canton_label
from pipeline.site import DATASETS_DIR, DOWNLOADS_DIR
from pipeline.text import slugify
from pipeline.vocab import EU_FREQ, EU_THEME

# Namespaces rdflib does not ship.
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_FILE_TYPE = EU_AUTHORITY + "file-type/"
EU_LANGUAGE_FR = EU_AUTHORITY + "language/FRA"
EU_ACCESS_PUBLIC = EU_AUTHORITY + "access-right/PUBLIC"
EU_AVAILABILITY_STABLE = EU_AUTHORITY + "planned-availability/STABLE"
EU_THEME_SCHEME = EU_THEME.rstrip("/")
EU_FREQ_SCHEME = EU_FREQ.rstrip("/")
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"
INSEE_GEO = "http://id.insee.fr/geo/"
DCAT_AP_301 = "https://semiceu.github.io/DCAT-AP/releases/3.0.1/"

# French labels of the EU data themes (the codes vocab.THEMES uses).
EU_THEME_LABELS = {
    "AGRI": "Agriculture, pêche, sylviculture et alimentation",
    "ECON": "Économie et finances",
    "EDUC": "Éducation, culture et sport",
    "ENER": "Énergie",
    "ENVI": "Environnement",
    "GOVE": "Gouvernement et secteur public",
    "HEAL": "Santé",
    "INTR": "Questions internationales",
    "JUST": "Justice, système juridique et sécurité publique",
    "REGI": "Régions et villes",
    "SOCI": "Population et société",
    "TECH": "Science et technologie",
    "TRAN": "Transports",
}

# The licence types of ADMS (DCAT-AP's recommended dct:type of a licence), by licence id.
LICENCE_TYPES = {
    "etalab-2.0": ("Attribution",),
    "cc-by-4.0": ("Attribution",),
    "odbl-1.0": ("Attribution", "ShareAlike"),
    "cc0-1.0": ("PublicDomain",),
}
LICENCE_TYPE_LABELS = {"Attribution": "Attribution", "ShareAlike": "Share-alike",
                       "PublicDomain": "Public domain"}

# The site's owner is a collectivité territoriale.
OWNER_PUBLISHER_TYPE = "LocalAuthority"
PUBLISHER_TYPE_LABELS = {"LocalAuthority": "Local Authority"}


@dataclass(frozen=True)
class FileKind:
    """What catalogues say of one download format (DataFile.format)."""

    eu_file_type: str  # code of the EU file-type vocabulary
    schema_org: str  # encodingFormat of schema.org DataDownload: a media type
    description: str  # French, {rows} and {precision} filled in


FILE_KINDS = {
    "CSV": FileKind("CSV", "text/csv",
                    "CSV normalisé (UTF-8, séparateur virgule, dates ISO 8601, point décimal), "
                    "{rows} lignes."),
    "Parquet": FileKind("PARQUET", "application/vnd.apache.parquet",
                        "Parquet compressé (zstd), colonnes typées d'après le schéma, {rows} lignes."),
    "JSON": FileKind("JSON", "application/json",
                     "JSON : un tableau d'objets, un par ligne, {rows} lignes."),
    "GeoJSON": FileKind("GEOJSON", "application/geo+json",
                        "GeoJSON en WGS 84 (coordonnées arrondies à {precision} décimales), "
                        "{rows} objets."),
    "GeoParquet": FileKind("PARQUET", "application/vnd.apache.parquet",
                           "GeoParquet 1.1 (géométries en WKB), {rows} objets."),
}
SCHEMA_FORMAT = "Table Schema"  # a download that is the resource's schema, not a distribution


def is_distribution(data_file: DataFile) -> bool:
    return data_file.format != SCHEMA_FORMAT


def iana_media_type(media_type: str) -> str:
    return IANA_MEDIA_TYPES + media_type


def eu_file_type(data_file: DataFile) -> str | None:
    kind = FILE_KINDS.get(data_file.format)
    return EU_FILE_TYPE + kind.eu_file_type if kind else None


@dataclass(frozen=True)
class Place:
    """A territory of `spatial:`, as an IRI with a French name."""

    value: str  # as declared: "canton:5901"
    iri: str
    label: str
    kind: str
    code: str
    insee: bool  # the IRI is INSEE's, not ours
    part_of: str | None = None  # IRI of the place it is part of (cantons: the département)


INSEE_KINDS = ("departement", "commune", "region")


class SiteIRIs:
    """Absolute IRIs and URLs of the site, from settings.base_url."""

    def __init__(self, settings: SiteSettings) -> None:
        self.settings = settings
        self.base = settings.base_url.rstrip("/")

    def url(self, path: str = "") -> str:
        return f"{self.base}/{path.lstrip('/')}"

    # ---- the catalogue and its datasets ------------------------------------------------

    @property
    def catalogue(self) -> str:
        return self.url("catalogue/#catalogue")

    @property
    def catalogue_page(self) -> str:
        return self.url("catalogue/")

    def page(self, slug: str) -> str:
        return self.url(f"{DATASETS_DIR}/{slug}/")

    def dataset(self, slug: str) -> str:
        return self.page(slug) + "#jeu-de-donnees"

    def distribution(self, slug: str, data_file: DataFile) -> str:
        return self.page(slug) + "#fichier-" + quote(data_file.filename, safe="")

    def checksum(self, slug: str, data_file: DataFile) -> str:
        return self.page(slug) + "#sha256-" + quote(data_file.filename, safe="")

    def download(self, slug: str, data_file: DataFile) -> str:
        return self.url(f"{DOWNLOADS_DIR}/{slug}/{quote(data_file.filename)}")

    def schema(self, slug: str, resource_name: str, schema_source: str) -> str:
        """The Table Schema a resource follows: its published URL, else our normalised copy."""
        if schema_source.startswith(("http://", "https://")):
            return schema_source
        return self.url(f"{DOWNLOADS_DIR}/{slug}/{quote(resource_name)}.schema.json")

    # ---- agents ------------------------------------------------------------------------

    def is_owner(self, name: str) -> bool:
        return not name or name == self.settings.owner

    def agent(self, name: str) -> str:
        """The site's owner, or another publisher named in a datapackage.yaml."""
        if self.is_owner(name):
            return self.url("#organisation")
        return self.url(f"#organisation-{slugify(name)}")

    def contact(self, contact: Contact) -> str:
        return self.url("#contact-" + slugify(f"{contact.name} {contact.email}"))

    # ---- territories -------------------------------------------------------------------

    def place(self, value: str) -> Place:
        kind, _, code = value.partition(":")
        territory = self.settings.territory
        if kind == territory.kind and code == territory.code:
            label = (f"Département du {territory.name} ({code})" if kind == "departement"
                     else f"{territory.name} ({code})")
        elif kind == "canton":
            canton = territory.canton(code)
            label = f"C{canton_label(canton)[1:]} ({code})" if canton else f"Canton {code}"
        elif kind == "commune":
            label = f"Commune (code INSEE {code})"
        elif kind == "departement":
            label = f"Département {code}"
        elif kind == "region":
            label = f"Région (code INSEE {code})"
        else:
            label = value
        if kind in INSEE_KINDS:
            return Place(value, f"{INSEE_GEO}{kind}/{code}", label, kind, code, insee=True)
        part_of = None
        if kind == "canton" and territory.kind == "departement" and code.startswith(territory.code):
            part_of = f"{INSEE_GEO}departement/{territory.code}"
        return Place(value, self.url(f"#{slugify(kind)}-{slugify(code)}"), label, kind, code,
                     insee=False, part_of=part_of)

    @property
    def territory(self) -> Place:
        territory = self.settings.territory
        return self.place(f"{territory.kind}:{territory.code}")
