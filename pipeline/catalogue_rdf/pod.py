"""The catalogue as Project Open Data 1.1 (`/data.json`), for harvesters that read only that.

A plain JSON rendering of what graph.py says in DCAT-AP: same identifiers, pages, files,
licences and dates. Federal-only fields of the schema (bureauCode, programCode) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pipeline.catalogue_rdf.terms import FILE_KINDS, SiteIRIs, is_distribution
from pipeline.config import SiteSettings
from pipeline.model import PublishedDataset

POD_PATH = "data.json"
POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"

# ISO 8601 repeating intervals of the schema's accrualPeriodicity, by frequency id.
POD_PERIODICITY = {
    "continuous": "R/PT1S",
    "daily": "R/P1D",
    "weekly": "R/P1W",
    "monthly": "R/P1M",
    "quarterly": "R/P3M",
    "semiannual": "R/P6M",
    "annual": "R/P1Y",
    "irregular": "irregular",
}


def pod_dataset(iris: SiteIRIs, published: PublishedDataset) -> dict[str, Any]:
    d = published.dataset
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "identifier": iris.dataset(d.slug),
        "title": d.title,
        "description": d.description.strip() or d.title,
        "keyword": list(d.keywords) or [d.theme.label],
        "issued": published.dates.created.isoformat(),
        "modified": published.dates.modified.isoformat(),
        "publisher": {"@type": "org:Organization", "name": d.publisher or iris.settings.owner},
        "contactPoint": {"@type": "vcard:Contact", "fn": d.contact.name or d.contact.email,
                         "hasEmail": f"mailto:{d.contact.email}"},
        "accessLevel": "public",
        "license": d.licenses[0].url if d.licenses else "",
        "landingPage": iris.page(d.slug),
        "language": ["fr"],
        "theme": [d.theme.label],
        "spatial": "; ".join(iris.place(value).label for value in d.spatial),
    }
    if not d.contact.email:
        del entry["contactPoint"]["hasEmail"]
    if not entry["license"]:
        del entry["license"]
    if d.temporal and d.temporal.start and d.temporal.end:
        entry["temporal"] = f"{d.temporal.start.isoformat()}/{d.temporal.end.isoformat()}"
    if d.frequency_id in POD_PERIODICITY:
        entry["accrualPeriodicity"] = POD_PERIODICITY[d.frequency_id]
    distributions = []
    for resource, converted in published.resources:
        schema = iris.schema(d.slug, resource.name, resource.schema_source)
        for data_file in converted.files:
            if not is_distribution(data_file):
                continue
            distribution = {
                "@type": "dcat:Distribution",
                "title": f"{resource.title} ({data_file.format})",
                "downloadURL": iris.download(d.slug, data_file),
                "mediaType": data_file.media_type,
                "format": data_file.format,
                "describedBy": schema,
                "describedByType": "application/json",
            }
            kind = FILE_KINDS.get(data_file.format)
            if kind:
                distribution["description"] = kind.description.format(
                    rows=converted.rows, precision=resource.precision)
            distributions.append(distribution)
    entry["distribution"] = distributions
    return entry


def pod_catalogue(settings: SiteSettings, datasets: Iterable[PublishedDataset],
                  build_date: datetime) -> bytes:
    iris = SiteIRIs(settings)
    catalogue = {
        "@context": f"{POD_SCHEMA}/catalog.jsonld",
        "@id": iris.url(POD_PATH),
        "@type": "dcat:Catalog",
        "conformsTo": POD_SCHEMA,
        "describedBy": f"{POD_SCHEMA}/catalog.json",
        "dataset": [pod_dataset(iris, p) for p in sorted(datasets, key=lambda p: p.slug)],
    }
    return (json.dumps(catalogue, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
