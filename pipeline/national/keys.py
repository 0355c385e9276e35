"""Which keys of a schema the site's validation applies, and which it cannot.

frictionless applies Table Schema: the keys below. Documentation keys (titles, examples,
sources…) hold no rule. Anything else is a rule only another validator knows — for the
national schemas, Validata — and is reported as not checked, never silently ignored.
`custom_checks` is listed separately: the site runs the ones it knows (pipeline.national.checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# What frictionless applies of Table Schema (v1 and v2). `categories` (v2) is not among them.
SCHEMA_RULES = {"fields", "primaryKey", "foreignKeys", "missingValues", "fieldsMatch", "uniqueKeys"}
FIELD_RULES = {
    "name", "type", "format", "constraints", "missingValues", "trueValues", "falseValues",
    "decimalChar", "groupChar", "bareNumber", "arrayItem", "itemType", "itemFormat", "delimiter",
}
CONSTRAINT_RULES = {
    "required", "unique", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "pattern", "enum", "jsonSchema",
}
# Descriptive keys: nothing to check.
SCHEMA_DOCUMENTATION = {
    "$schema", "profile", "name", "title", "description", "homepage", "path", "version", "created",
    "lastModified", "updated", "contributors", "sources", "resources", "countryCode", "licenses",
    "keywords", "image", "publisher", "id", "$id", "example", "examples",
}
FIELD_DOCUMENTATION = {"title", "description", "example", "examples", "rdfType", "unit", "comment"}
CUSTOM_CHECKS = "custom_checks"


@dataclass(frozen=True)
class UnknownKey:
    """A key holding a rule that no validator of the site applies."""

    key: str  # e.g. "categories", "constraints.minItems"
    field: str | None = None

    @property
    def label(self) -> str:
        where = f" du champ « {self.field} »" if self.field else " du schéma"
        return f"clé « {self.key} »{where} : règle que le validateur du site (frictionless) n'applique pas"

    @property
    def english(self) -> str:
        where = f" of field {self.field!r}" if self.field else ""
        return f"key {self.key!r}{where}, a rule frictionless does not apply"


def unknown_keys(schema: Mapping[str, Any]) -> list[UnknownKey]:
    """Keys of the schema, its fields and their constraints that are neither Table Schema
    rules nor documentation (custom_checks aside)."""
    found = [UnknownKey(key) for key in schema
             if key not in SCHEMA_RULES | SCHEMA_DOCUMENTATION | {CUSTOM_CHECKS}]
    for field_ in schema.get("fields") or ():
        if not isinstance(field_, Mapping):
            continue
        name = str(field_.get("name", ""))
        found.extend(UnknownKey(key, name) for key in field_
                     if key not in FIELD_RULES | FIELD_DOCUMENTATION)
        constraints = field_.get("constraints")
        if isinstance(constraints, Mapping):
            found.extend(UnknownKey(f"constraints.{key}", name)
                         for key in constraints if key not in CONSTRAINT_RULES)
    return found
