"""Whether a resource conforms to the national schema it declares, and what was checked.

A resource follows a national schema when it declares it by URL
(`schema: https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json`); the
schema itself comes from the cache (pipeline.schemas). Validation has applied its Table
Schema rules already (a dataset with errors is not built); here the schema's
`custom_checks` are run (pipeline.national.checks) and the rules the site cannot apply are
listed as not checked. A schema file copied beside the data that says it is a national
one (its `path` or `homepage`) is checked the same way, but the page does not claim
conformity to the published schema: only the URL says which schema it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.model import Dataset, Resource
from pipeline.national.checks import CheckResult, NotRun, run_custom_checks
from pipeline.national.keys import UnknownKey, unknown_keys
from pipeline.report import Problem
from pipeline.schemas import LATEST, national_url

SCHEMA_PAGE = "https://schema.data.gouv.fr/{publisher}/{name}/{version}/"
VALIDATA = "https://validata.fr/"
# Where a copied schema file says it comes from (its `path` or `homepage`).
_SCDL_ORIGIN = re.compile(
    r"(?:opendatafrance\.net|gitlab\.com/opendatafrance|schema\.data\.gouv\.fr(?:/schemas)?)"
    r"/scdl/(?P<name>[\w.-]+)")
TABLE_SCHEMA_CHECK = ("colonnes, types et contraintes du schéma (standard Table Schema, vérifiés "
                      "avec frictionless) : aucune erreur")


@dataclass(frozen=True)
class NationalSchema:
    publisher: str  # scdl, etalab…
    name: str  # subventions
    version: str  # 2.1.1
    title: str  # Subventions
    url: str  # the schema file, as declared (or as the copy names its origin)

    @property
    def label(self) -> str:
        return f"{self.title} {self.version}".strip()

    @property
    def page_url(self) -> str:
        """The schema's documentation page on schema.data.gouv.fr."""
        return SCHEMA_PAGE.format(publisher=self.publisher, name=self.name, version=self.version)


def declared_national(resource: Resource) -> NationalSchema | None:
    """The national schema a resource declares by URL, or None."""
    named = national_url(resource.schema_source) if resource.schema_source else None
    if named is None:
        return None
    version = named.version
    if version == LATEST:
        version = str(resource.schema.get("version") or LATEST).removeprefix("v")
    return NationalSchema(named.publisher, named.name, version, _title(resource.schema, named.name),
                          resource.schema_source)


def copied_national(resource: Resource) -> NationalSchema | None:
    """The national schema a schema file beside the data says it copies, or None."""
    if declared_national(resource) is not None:
        return None
    schema = resource.schema
    for key in ("path", "homepage"):
        origin = str(schema.get(key) or "")
        named = national_url(origin)
        if named:
            return NationalSchema(named.publisher, named.name, named.version,
                                  _title(schema, named.name), origin)
        match = _SCDL_ORIGIN.search(origin)
        if match:
            version = str(schema.get("version") or "").removeprefix("v")
            return NationalSchema("scdl", match["name"], version, _title(schema, match["name"]),
                                  origin)
    return None


def _title(schema: Mapping[str, Any], name: str) -> str:
    return str(schema.get("title") or name.replace("-", " ").capitalize())


@dataclass(frozen=True)
class ResourceConformity:
    """What the site checked of one resource against its schema, and what it could not."""

    name: str
    title: str
    file: str  # datasets/<slug>/<path>
    national: NationalSchema | None  # declared by URL
    copy_of: NationalSchema | None  # a local copy of a national schema
    checks: tuple[CheckResult, ...]
    not_run: tuple[NotRun, ...]
    unknown: tuple[UnknownKey, ...]

    @property
    def errors(self) -> int:
        return sum(check.failures for check in self.checks)

    @property
    def complete(self) -> bool:
        """Every rule of the schema was checked."""
        return not self.not_run and not self.unknown

    @property
    def status(self) -> str:
        if self.errors:
            return "non-conforme"
        if self.national is not None:
            return "conforme" if self.complete else "conforme-partiel"
        if self.copy_of is not None:
            return "copie-locale"
        return "controles-du-schema"

    @property
    def schema(self) -> NationalSchema | None:
        return self.national or self.copy_of

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the resource is not declared conforming (French, for the page)."""
        reasons = [f"{check.label} : {check.failures} ligne{'s' if check.failures > 1 else ''} en "
                   "erreur" for check in self.checks if not check.passed]
        if self.national is None and self.copy_of is not None:
            reasons.append("le schéma est une copie déposée avec les données, et non l'adresse du "
                           "schéma national publié : rien ne garantit qu'il n'a pas été modifié")
        return tuple(reasons)

    @property
    def done(self) -> tuple[str, ...]:
        """The checks made (French)."""
        results = [f"{check.label} : " + ("aucune erreur" if check.passed else
                                           f"{check.failures} erreur{'s' if check.failures > 1 else ''}")
                   for check in self.checks]
        return (TABLE_SCHEMA_CHECK, *results)

    @property
    def not_done(self) -> tuple[str, ...]:
        """The rules of the schema the site did not check (French)."""
        return tuple([n.label for n in self.not_run] + [u.label for u in self.unknown])

    def notes(self) -> list[str]:
        """The build report's informational lines (English): rules not checked."""
        where = f"NOTE {self.file}"
        lines = [f"{where}: not checked by this site: {n.english}; check the file with the "
                 f"national validator ({VALIDATA})." for n in self.not_run]
        lines += [f"{where}: not checked by this site: {u.english}." for u in self.unknown]
        return lines


def applies(resource: Resource) -> bool:
    """Whether the resource has anything for this module: a national schema (declared or
    copied) or custom checks in its schema."""
    return (not resource.is_geojson and (
        bool(resource.schema.get("custom_checks")) or declared_national(resource) is not None
        or copied_national(resource) is not None))


def check_resource(dataset: Dataset, resource: Resource, table: pa.Table,
                   root: Path) -> tuple[ResourceConformity, list[Problem]]:
    """Run the resource's custom checks on its typed table: its conformity and the problems
    (errors located by file, row, column, value, with a fix). `root` holds datasets/."""
    file = _relative(resource.path, root)
    done, not_run = run_custom_checks(resource.schema, table)
    problems = [
        Problem("error", check.name, finding.message, dataset=dataset.slug, file=file,
                row=finding.row, field=finding.field, value=finding.value or None, hint=check.hint)
        for check in done for finding in check.findings
    ]
    for check in done:
        if check.failures > len(check.findings):
            problems.append(Problem(
                "error", check.name,
                f"{check.failures - len(check.findings)} more rows fail the check {check.name!r} "
                "(not listed).", dataset=dataset.slug, file=file, hint=check.hint))
    conformity = ResourceConformity(
        name=resource.name, title=resource.title, file=file, national=declared_national(resource),
        copy_of=copied_national(resource), checks=tuple(done), not_run=tuple(not_run),
        unknown=tuple(unknown_keys(resource.schema)))
    return conformity, problems


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
