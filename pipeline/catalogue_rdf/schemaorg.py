"""schema.org `Dataset` markup of a dataset page, for search engines (Google Dataset Search).

The same facts as the DCAT catalogue (graph.py), with the same @id for the dataset, in
the vocabulary search engines read: name, description, url, identifier, keywords,
license, creator and publisher, each download as a DataDownload, temporal coverage as an
ISO 8601 interval, spatial coverage as named places (and a bounding box for geodata),
dates from git. The dict is written into the page by a template with `|tojson`, which
escapes `<`, `>`, `&` and `'`, so no value from the data can close the <script> element.
"""

from __future__ import annotations

from typing import Any

from pipeline.catalogue_rdf.terms import FILE_KINDS, SiteIRIs, is_distribution
from pipeline.model import PublishedDataset
from pipeline.text import first_sentence

# Search engines want 50 to 5,000 characters of description.
DESCRIPTION_LIMIT = 5000


def dataset_jsonld(iris: SiteIRIs, published: PublishedDataset) -> dict[str, Any]:
    d = published.dataset
    settings = iris.settings
    page = iris.page(d.slug)
    description = first_sentence(d.description, DESCRIPTION_LIMIT) or d.title
    if len(description) < 50:
        description = f"{d.title}. {description}" if description != d.title else description
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": iris.dataset(d.slug),
        "name": d.title,
        "description": description,
        "url": page,
        "identifier": d.slug,
        "inLanguage": "fr",
        "isAccessibleForFree": True,
        "dateCreated": published.dates.created.isoformat(),
        "datePublished": published.dates.created.isoformat(),
        "dateModified": published.dates.modified.isoformat(),
        "creator": _organization(iris, d.publisher),
        "publisher": _organization(iris, d.publisher),
        "includedInDataCatalog": {"@type": "DataCatalog", "@id": iris.catalogue,
                                  "name": settings.name, "url": iris.catalogue_page},
    }
    if d.keywords:
        data["keywords"] = list(d.keywords)
    licences = [lic.url for lic in d.licenses]
    if licences:
        data["license"] = licences[0] if len(licences) == 1 else licences
    if d.version:
        data["version"] = d.version
    if d.temporal and (d.temporal.start or d.temporal.end):
        start = d.temporal.start.isoformat() if d.temporal.start else ".."
        end = d.temporal.end.isoformat() if d.temporal.end else ".."
        data["temporalCoverage"] = f"{start}/{end}"
    places: list[dict[str, Any]] = [
        {"@type": "Place", "name": place.label, **({"sameAs": place.iri} if place.insee else {})}
        for place in (iris.place(value) for value in d.spatial)
    ]
    box = _bounding_box(published)
    if box:
        places.append({"@type": "Place", "geo": {"@type": "GeoShape", "box": box}})
    if places:
        data["spatialCoverage"] = places[0] if len(places) == 1 else places
    if d.contact.email:
        data["contactPoint"] = {"@type": "ContactPoint", "contactType": "données ouvertes",
                                "name": d.contact.name or d.contact.email,
                                "email": d.contact.email}
    data["distribution"] = [
        {
            "@type": "DataDownload",
            "name": f"{resource.title} ({data_file.format})",
            "contentUrl": iris.download(d.slug, data_file),
            "encodingFormat": data_file.media_type,
            "contentSize": f"{data_file.size} B",
            **({"description": FILE_KINDS[data_file.format].description.format(
                rows=converted.rows, precision=resource.precision)}
               if data_file.format in FILE_KINDS else {}),
        }
        for resource, converted in published.resources
        for data_file in converted.files
        if is_distribution(data_file)
    ]
    return data


def _organization(iris: SiteIRIs, name: str) -> dict[str, Any]:
    settings = iris.settings
    org: dict[str, Any] = {"@type": "Organization", "@id": iris.agent(name),
                           "name": settings.owner if iris.is_owner(name) else name}
    if iris.is_owner(name) and settings.owner_url:
        org["url"] = settings.owner_url
    return org


def _bounding_box(published: PublishedDataset) -> str | None:
    """The extent of the dataset's geodata as schema.org wants it: "south west north east"."""
    boxes = [converted.geo.bbox for _, converted in published.resources if converted.geo]
    if not boxes:
        return None
    west = min(b[0] for b in boxes)
    south = min(b[1] for b in boxes)
    east = max(b[2] for b in boxes)
    north = max(b[3] for b in boxes)
    return f"{south:.6f} {west:.6f} {north:.6f} {east:.6f}"
