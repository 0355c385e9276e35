"""Discover datasets/<slug>/datapackage.yaml into Dataset objects, collecting problems."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from pipeline.config import SiteSettings
from pipeline.mapspec import parse_map_spec
from pipeline.model import Contact, Dataset, Resource, Temporal
from pipeline.report import Problem
from pipeline.schemas import SITE_SCHEME, SchemaCache, SchemaNotCached
from pipeline.vocab import DEFAULT_FREQUENCY, FREQUENCIES, LICENSE_ALIASES, LICENSES, THEMES

DESCRIPTOR = "datapackage.yaml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
SPATIAL = re.compile(r"^(departement:\d{2,3}|canton:\d{4}|commune:\d[0-9AB]\d{3}|region:\d{2})$")
KNOWN_KEYS = {
    "name", "title", "description", "licenses", "keywords", "contributors", "resources",
    "theme", "frequency", "temporal", "spatial", "publisher", "contact", "sample", "version",
    "homepage", "profile", "$schema", "created", "sources", "id", "kind",
}
TABULAR_FORMATS = {"csv", "tsv"}
GEO_FORMATS = {"geojson"}
BOUND_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


class _Loader(yaml.SafeLoader):
    """safe_load, but an impossible date (2023-02-30) is a YAML error with its line."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from exc


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


class _DatasetProblems:
    """Collects the problems of one dataset with its location filled in."""

    def __init__(self, slug: str, descriptor: str) -> None:
        self.slug = slug
        self.descriptor = descriptor
        self.items: list[Problem] = []

    def error(self, code: str, message: str, hint: str | None = None, **where: Any) -> None:
        self._add("error", code, message, hint, where)

    def warning(self, code: str, message: str, hint: str | None = None, **where: Any) -> None:
        self._add("warning", code, message, hint, where)

    def _add(self, severity: Any, code: str, message: str, hint: str | None, where: dict) -> None:
        where.setdefault("file", self.descriptor)
        self.items.append(
            Problem(severity, code, message, dataset=self.slug, hint=hint, **where)
        )

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)


def discover(
    datasets_dir: Path, settings: SiteSettings, schemas: SchemaCache, only: tuple[str, ...] = ()
) -> tuple[list[Dataset], list[Problem]]:
    """Read every dataset folder; return the datasets that loaded and all problems found."""
    datasets: list[Dataset] = []
    problems: list[Problem] = []
    root = datasets_dir.parent
    folders = sorted(p for p in datasets_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if only:
        missing = sorted(set(only) - {f.name for f in folders})
        problems.extend(
            Problem("error", "unknown-dataset", f"No dataset folder named {slug!r}.",
                    dataset=slug, hint=f"Known datasets: {', '.join(f.name for f in folders)}")
            for slug in missing
        )
        folders = [f for f in folders if f.name in only]
    for folder in folders:
        found = _DatasetProblems(folder.name, _relative(folder / DESCRIPTOR, root))
        dataset = _load_dataset(folder, settings, schemas, found, root)
        problems.extend(found.items)
        if dataset is not None and not found.has_errors:
            datasets.append(dataset)
    return datasets, problems


def _load_dataset(
    folder: Path, settings: SiteSettings, schemas: SchemaCache, found: _DatasetProblems, root: Path
) -> Dataset | None:
    raw = _read_descriptor(folder, found)
    if raw is None:
        return None
    slug = folder.name
    if not SLUG.match(slug):
        found.error("bad-slug", f"Folder name {slug!r} is not a valid slug.",
                    "Use lowercase letters, digits and hyphens, e.g. rsa-foyers-cantons.")
    if raw.get("name", slug) != slug:
        found.error("name-mismatch", f"name is {raw.get('name')!r} but the folder is {slug!r}.",
                    f"Set name: {slug} (the folder name is the dataset's address).")
    for key in sorted(set(raw) - KNOWN_KEYS):
        known = ", ".join(sorted(KNOWN_KEYS - {"$schema"}))
        found.warning("unknown-key", f"Unknown key {key!r} is ignored.",
                      f"Check the spelling; known keys: {known}.")
    title = _required_text(raw, "title", found)
    theme = _theme(raw, found)
    licenses = _licenses(raw, settings, found)
    frequency = _frequency(raw, found)
    temporal = _temporal(raw, found)
    spatial = _spatial(raw, settings, found)
    contact = _contact(raw, found)
    description = str(raw.get("description") or "")
    if not description.strip():
        found.warning("no-description", "The dataset has no description.",
                      "Add a description: what the data is, how it is produced, how to read it.")
    keywords = raw.get("keywords") or []
    if not isinstance(keywords, list):
        found.error("bad-keywords", f"keywords must be a list, got {keywords!r}.",
                    "Write keywords: [budget, dépenses] (a list, not one text).",
                    value=str(keywords))
        keywords = []
    elif not keywords:
        found.warning("no-keywords", "The dataset has no keywords.",
                      "Add keywords: [word, word] so people can find it.")
    resources = tuple(_resources(raw, folder, schemas, found, root))
    if found.has_errors or title is None or theme is None:
        return None
    return Dataset(
        slug=slug,
        title=title,
        description=description,
        theme_id=theme,
        keywords=tuple(str(k) for k in keywords),
        license_ids=licenses,
        contributors=tuple(raw.get("contributors") or ()),
        frequency_id=frequency,
        temporal=temporal,
        spatial=spatial,
        publisher=str(raw.get("publisher") or settings.owner),
        contact=contact or Contact(settings.contact.name, settings.contact.email),
        resources=resources,
        folder=folder,
        sample=bool(raw.get("sample", False)),
        version=str(raw.get("version") or ""),
        kind=str(raw.get("kind") or ""),
    )


def _read_descriptor(folder: Path, found: _DatasetProblems) -> dict[str, Any] | None:
    path = folder / DESCRIPTOR
    if not path.is_file():
        found.error("missing-descriptor", f"No {DESCRIPTOR} in {folder.name}/.",
                    f"Create one with: python build.py new-dataset {folder.name}")
        return None
    data = path.read_bytes()
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=_Loader)  # a SafeLoader
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        found.error("encoding-error",
                    f"{DESCRIPTOR} is not UTF-8 ({exc.reason}: byte "
                    f"0x{data[exc.start]:02X} on line {line}).",
                    "Save the file as UTF-8 (in your editor: Save as… > encoding UTF-8).", row=line)
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        hint = ("Write dates as YYYY-MM-DD with a real day and month." if "valid date" in problem
                else "Check indentation (spaces, not tabs) and quote values containing ':' or '#'.")
        found.error("yaml-error", f"Invalid YAML: {problem}.", hint, row=line)
        return None
    if not isinstance(raw, dict):
        found.error("yaml-error",
                    f"{DESCRIPTOR} must be a mapping of keys, got {type(raw).__name__}.",
                    "Start from the template: python build.py new-dataset <slug>")
        return None
    return raw


def _required_text(raw: Mapping, key: str, found: _DatasetProblems) -> str | None:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        found.error("missing-key", f"Required key {key!r} is missing or empty.",
                    f"Add {key}: \"…\" to the descriptor.")
        return None
    return value.strip()


def _theme(raw: Mapping, found: _DatasetProblems) -> str | None:
    theme = raw.get("theme")
    if theme is None:
        found.error("missing-key", "Required key 'theme' is missing.",
                    f"Add theme: one of {', '.join(THEMES)}.")
        return None
    if not isinstance(theme, str) or theme not in THEMES:
        found.error("unknown-theme", f"Unknown theme {theme!r}.",
                    f"Use one of: {', '.join(THEMES)} (a single theme).", value=str(theme))
        return None
    return str(theme)


def _licenses(raw: Mapping, settings: SiteSettings, found: _DatasetProblems) -> tuple[str, ...]:
    declared = raw.get("licenses")
    if not declared:
        return (settings.default_license,)
    if not isinstance(declared, list):
        declared = [declared]
    ids = []
    for item in declared:
        name = item.get("name") if isinstance(item, dict) else item
        key = LICENSE_ALIASES.get(str(name).lower(), str(name).lower())
        if key not in LICENSES:
            found.error("unknown-license", f"Unknown licence {name!r}.",
                        f"Use one of: {', '.join(LICENSES)} "
                        "(name: etalab-2.0 for the Licence Ouverte).",
                        value=str(name))
            continue
        ids.append(key)
    return tuple(ids)


def _frequency(raw: Mapping, found: _DatasetProblems) -> str:
    frequency = str(raw.get("frequency") or DEFAULT_FREQUENCY)
    if frequency not in FREQUENCIES:
        found.error("unknown-frequency", f"Unknown frequency {frequency!r}.",
                    f"Use one of: {', '.join(FREQUENCIES)}.", value=frequency)
        return DEFAULT_FREQUENCY
    return frequency


def _temporal(raw: Mapping, found: _DatasetProblems) -> Temporal | None:
    temporal = raw.get("temporal")
    if temporal is None:
        return None
    if not isinstance(temporal, dict):
        found.error("bad-temporal", "temporal must be {start: YYYY-MM-DD, end: YYYY-MM-DD}.",
                    "Write temporal: {start: 2024-01-01, end: 2024-12-31}.", value=str(temporal))
        return None
    bounds = {}
    for key in ("start", "end"):
        value = temporal.get(key)
        if value is None or isinstance(value, date):
            bounds[key] = value
            continue
        try:
            bounds[key] = date.fromisoformat(str(value))
        except ValueError:
            found.error("bad-temporal", f"temporal.{key} is not a date: {value!r}.",
                        "Write dates as YYYY-MM-DD.", value=str(value))
            return None
    if bounds["start"] and bounds["end"] and bounds["start"] > bounds["end"]:
        found.error("bad-temporal", "temporal.start is after temporal.end.",
                    "Swap the two dates, or correct the one that is wrong.",
                    value=f"{bounds['start']} > {bounds['end']}")
    return Temporal(**bounds)


def _spatial(raw: Mapping, settings: SiteSettings, found: _DatasetProblems) -> tuple[str, ...]:
    spatial = raw.get("spatial") or f"{settings.territory.kind}:{settings.territory.code}"
    values = spatial if isinstance(spatial, list) else [spatial]
    for value in values:
        text = str(value)
        if not SPATIAL.match(text):
            found.error("bad-spatial", f"Unknown spatial coverage {text!r}.",
                        "Use departement:59, canton:5901 or commune:59350 (INSEE codes).",
                        value=text)
        elif text.startswith("canton:") and not settings.territory.canton(text[7:]):
            found.error("bad-spatial", f"Canton {text[7:]} is not a canton of the territory.",
                        "Use a canton code listed in site.yaml.", value=text)
    return tuple(str(v) for v in values)


def _contact(raw: Mapping, found: _DatasetProblems) -> Contact | None:
    contact = raw.get("contact")
    if not contact:
        found.warning("no-contact", "The dataset has no contact; the site's contact is shown.",
                      "Add contact: {name: …, email: …} so users can ask questions.")
        return None
    if isinstance(contact, str):
        return Contact(email=contact) if "@" in contact else Contact(name=contact)
    if not isinstance(contact, dict):
        found.error("bad-contact", f"contact must be a name and an e-mail, got {contact!r}.",
                    "Write contact: {name: Service des données, email: donnees@example.org}.",
                    value=str(contact))
        return None
    return Contact(name=str(contact.get("name", "")), email=str(contact.get("email", "")))


def _resources(
    raw: Mapping, folder: Path, schemas: SchemaCache, found: _DatasetProblems, root: Path
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
    item: Mapping, folder: Path, schemas: SchemaCache, found: _DatasetProblems, root: Path
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


def safe_data_path(relpath: str, folder: Path, found: _DatasetProblems, root: Path) -> Path | None:
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
    declared: Any, folder: Path, schemas: SchemaCache, found: _DatasetProblems, root: Path, rel: str
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
        loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
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
    schema: dict[str, Any], found: _DatasetProblems, rel: str
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


def _check_constraints(schema: Any, found: _DatasetProblems, rel: str) -> bool:
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
