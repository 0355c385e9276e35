"""Jinja filters of the theme: French formatting and safe Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pipeline.text import first_sentence, format_bytes, format_int, markdown_to_html

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]

TYPE_LABELS = {
    "string": "texte", "integer": "entier", "number": "nombre décimal", "boolean": "booléen",
    "date": "date", "datetime": "date et heure", "time": "heure", "year": "année",
    "yearmonth": "année-mois", "duration": "durée", "geopoint": "point géographique",
    "geojson": "géométrie GeoJSON", "array": "liste (JSON)", "object": "objet (JSON)",
    "any": "quelconque",
}


def date_fr(value: date | datetime | None) -> str:
    if value is None:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def iso_date(value: date | datetime) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def constraints_fr(constraints: Mapping[str, Any]) -> str:
    parts = []
    labels = {
        "required": "obligatoire", "unique": "unique",
    }
    for key, label in labels.items():
        if constraints.get(key):
            parts.append(label)
    bounds = {
        "minimum": "minimum {}", "maximum": "maximum {}", "exclusiveMinimum": "supérieur à {}",
        "exclusiveMaximum": "inférieur à {}", "minLength": "au moins {} caractères",
        "maxLength": "au plus {} caractères", "pattern": "motif {}",
    }
    for key, template in bounds.items():
        if key in constraints:
            parts.append(template.format(constraints[key]))
    if "enum" in constraints:
        parts.append("valeurs : " + ", ".join(map(str, constraints["enum"])))
    return " ; ".join(parts)


def type_fr(kind: str) -> str:
    return TYPE_LABELS.get(kind, kind)


JINJA_FILTERS = {
    "date_fr": date_fr,
    "iso_date": iso_date,
    "format_int": format_int,
    "format_bytes": format_bytes,
    "markdown": markdown_to_html,
    "summary_text": first_sentence,
    "constraints_fr": constraints_fr,
    "type_fr": type_fr,
}
