"""The resources of a dataset: their paths (kept inside the dataset folder), formats,
schemas (inline, a file beside the data, a URL in the cache, or a site: schema) and maps."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from pipeline.config import SAFE_LOADER
from pipeline.mapspec import parse_map_spec
from pipeline.model import Resource
from pipeline.report import DatasetProblems
from pipeline.schemas import SITE_SCHEME, SchemaCache, SchemaNotCached

TABULAR_FORMATS = {"csv", "tsv"}
GEO_FORMATS = {"geojson"}
BOUND_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def read_resources(
    raw: Mapping, folder: Path, schemas: SchemaCache, found: DatasetProblems, root: Path
) -> Iterator[Resource]:
    declared = raw.get("resources")
    if not isinstance(declared, list) or not declared:
        found.error("no-resources", "The dataset declares no resources.",
                    "Add resources: a list with at least one {path: data.csv, schema: …}.")
        return
    names: set[str] = set()
    for index, item in enumerate(declared, start=1):
        if not isinstance(item, dict) or not item.get("path"):
            found.error("bad-resource", f"Resource #{index} has no path.",
                        "Each resource needs path: file.csv (a file inside the dataset folder).")
            continue
        resource = _resource(item, folder, schemas, found, root)
        if resource is None:
            continue
        if resource.name in names:
            found.error("duplicate-resource", f"Two resources are named {resource.name!r}.",
                        "Give each resource a distinct name.")
        names.add(resource.name)
        yield resource


def _resource(
    item: Mapping, folder: Path, schemas: SchemaCache, found: DatasetProblems, root: Path
) -> Resource | None:
    relpath = str(item["path"])
    path = safe_data_path(relpath, folder, found, root)
    if path is None:
        return None
    fmt = str(item.get("format") or path.suffix.lstrip(".")).lower()
    if fmt not in TABULAR_FORMATS | GEO_FORMATS:
        found.error("unsupported-format",
                    f"Resource {relpath}: format {fmt!r} is not supported yet.",
                    "Publish tables as CSV (format: csv) and geodata as GeoJSON (format: geojson).",
                    file=_relative(path, root))
        return None
    schema, source = _schema(item.get("schema"), folder, schemas, found, root, relpath)
    if schema is None:
        return None
    dialect = item.get("dialect") or {}
    if not isinstance(dialect, dict):
        found.error("bad-dialect",
                    f"Resource {relpath}: dialect must be a mapping, got {dialect!r}.",
                    "Write dialect: {delimiter: \";\"} (or remove it for comma-separated files).",
                    value=str(dialect))
        return None
    encoding = str(item.get("encoding") or "utf-8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        found.error("unknown-encoding", f"Resource {relpath}: unknown encoding {encoding!r}.",
                    "Save the file as UTF-8 and remove encoding, or declare encoding: cp1252 "
                    "(Windows, Excel's \"CSV\").", value=encoding)
        return None
    name = str(item.get("name") or re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()))
    map_spec, map_problems = parse_map_spec(item.get("map"), schema, fmt, str(item.get("title") or name))
    for problem in map_problems:
        found.error(problem.code, f"Resource {relpath}: {problem.message}", problem.hint)
    precision = item.get("precision", 6)
    if not isinstance(precision, int) or not 0 <= precision <= 10:
        found.error("bad-precision", f"Resource {relpath}: precision must be a whole number of decimals.",
                    "Use precision: 6 (about 10 cm) or fewer decimals.", value=str(precision))
        return None
    return Resource(
        name=name,
        title=str(item.get("title") or name),
        path=path,
        relpath=relpath,
        format=fmt,
        encoding=encoding,
        dialect=dict(dialect),
        schema=schema,
        schema_source=source,
        map=map_spec,
        precision=precision,
    )


def safe_data_path(relpath: str, folder: Path, found: DatasetProblems, root: Path) -> Path | None:
    """Resolve a declared path, refusing anything that leaves the dataset folder."""
    where = {"value": relpath}
    if urlparse(relpath).scheme in {"http", "https", "ftp", "file"}:
        found.error("remote-path", f"Resource path {relpath!r} is a URL.",
                    "Commit the file in the dataset folder and give its name.", **where)
        return None
    declared = Path(relpath)
    if declared.is_absolute() or relpath.startswith(("/", "\\")):
        found.error("unsafe-path", f"Resource path {relpath!r} is absolute.",
                    "Give the file name relative to the dataset folder, e.g. data.csv.", **where)
        return None
    if ".." in declared.parts or "\\" in relpath:
        found.error("unsafe-path", f"Resource path {relpath!r} leaves the dataset folder.",
                    "Move the file into the dataset folder; '..' is not allowed.", **where)
        return None
    path = folder / declared
    inner = [p for p in path.parents if p != folder and folder in p.parents]
    if path.is_symlink() or any(p.is_symlink() for p in inner):
        target = path.resolve()
        if not target.is_relative_to(folder.resolve()):
            found.error("unsafe-path", f"Resource path {relpath!r} is a symbolic link leading out "
                        "of the dataset folder.", "Commit the file itself, not a link.", **where)
            return None
    if not path.resolve().is_relative_to(folder.resolve()):
        found.error("unsafe-path", f"Resource path {relpath!r} leaves the dataset folder.",
                    "Move the file into the dataset folder.", **where)
        return None
    if not path.is_file():
        found.error("missing-file", f"Resource file {relpath!r} does not exist.",
                    f"Add the file to datasets/{folder.name}/ or fix the path "
                    "(names are case-sensitive).",
                    **where)
        return None
    return path


def _schema(
    declared: Any, folder: Path, schemas: SchemaCache, found: DatasetProblems, root: Path, rel: str
) -> tuple[dict[str, Any] | None, str]:
    if isinstance(declared, dict):
        return _check_schema(declared, found, rel), "inline"
    if not isinstance(declared, str) or not declared:
        found.error("missing-schema", f"Resource {rel} has no schema.",
                    "Add schema: {fields: [...]} or schema: schema.json describing every column.")
        return None, ""
    if urlparse(declared).scheme in {"http", "https"} or declared.startswith(SITE_SCHEME):
        try:
            return _check_schema(schemas.load(declared), found, rel), declared
        except SchemaNotCached as exc:
            if declared.startswith(SITE_SCHEME):
                found.error("unknown-schema", f"No site schema named {declared!r}.",
                            "Use one of the schemas shipped in schemas/site/ (e.g. site:projets/projets).")
            else:
                found.error("schema-not-cached", str(exc),
                            "Run `python build.py schemas` (needs the network) and commit schemas/.")
            return None, declared
    path = safe_data_path(declared, folder, found, root)
    if path is None:
        return None, declared
    try:
        text = path.read_text(encoding="utf-8")
        loaded = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=SAFE_LOADER)
    except (ValueError, yaml.YAMLError) as exc:
        found.error("schema-error", f"Schema file {declared} cannot be read: {exc}.",
                    "Check the JSON/YAML syntax.", file=_relative(path, root))
        return None, declared
    if not isinstance(loaded, dict):
        found.error("schema-error", f"Schema file {declared} is not a Table Schema object.",
                    "The file must hold a mapping with fields: [{name: …, type: …}, …].",
                    file=_relative(path, root))
        return None, declared
    return _check_schema(loaded, found, rel), declared


def _check_schema(
    schema: dict[str, Any], found: DatasetProblems, rel: str
) -> dict[str, Any] | None:
    from frictionless import FrictionlessException, Schema

    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        found.error("schema-error", f"The schema of {rel} has no fields.",
                    "List every column under schema.fields with its name and type.")
        return None
    for index, field_ in enumerate(fields, start=1):
        if not isinstance(field_, dict) or not field_.get("name"):
            found.error("schema-error", f"Field #{index} of the schema of {rel} has no name: "
                        f"{field_!r}.", "Write each field as {name: …, type: …, description: …}.")
            return None
    try:
        parsed = Schema.from_descriptor(schema)
    except FrictionlessException as exc:
        reasons = "; ".join(r.note or r.message for r in exc.reasons) or exc.error.note or str(exc)
        hint = "See https://specs.frictionlessdata.io/table-schema/ for the allowed keys."
        if "datapackage v2" in reasons:
            hint = ("Declare the newer Table Schema in the schema: "
                    "$schema: https://datapackage.org/profiles/2.0/tableschema.json")
        found.error("schema-error", f"The schema of {rel} is invalid: {reasons}.", hint)
        return None
    if not _check_constraints(parsed, found, rel):
        return None
    for field_ in fields:
        if not field_.get("description"):
            found.warning("undocumented-field",
                          f"Field {field_.get('name')!r} of {rel} has no description.",
                          "Add a description (meaning, unit) so users understand the column.",
                          field=field_.get("name"))
    return schema


def _check_constraints(schema: Any, found: DatasetProblems, rel: str) -> bool:
    """Constraints frictionless accepts but cannot apply (it would crash while validating)."""
    ok = True
    for field_ in schema.fields:
        constraints = field_.constraints or {}
        pattern = constraints.get("pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                found.error("schema-error", f"Field {field_.name!r} of {rel}: the pattern "
                            f"{pattern!r} is not a valid regular expression ({exc}).",
                            "Fix the pattern (Python regular expression, anchored to the whole "
                            "value).", field=field_.name, value=str(pattern))
                ok = False
        read = field_.create_value_reader()
        for key in BOUND_CONSTRAINTS:
            if key in constraints and read(constraints[key]) is None:
                found.error("schema-error", f"Field {field_.name!r} of {rel}: {key} "
                            f"{constraints[key]!r} is not a value of type {field_.type}.",
                            f"Write the {key} as a value of type {field_.type}, like the "
                            "column's values.",
                            field=field_.name, value=str(constraints[key]))
                ok = False
    return ok


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
