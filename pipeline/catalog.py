"""Discover datasets/<slug>/datapackage.yaml into Dataset objects, collecting problems."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import SAFE_LOADER, SiteSettings
from pipeline.memo import PickleMemo, signature, source_signature
from pipeline.model import Contact, Dataset, Temporal
from pipeline.report import DatasetProblems, Problem
from pipeline.resources import read_resources
from pipeline.schemas import SchemaCache
from pipeline.vocab import DEFAULT_FREQUENCY, FREQUENCIES, LICENSE_ALIASES, LICENSES, THEMES

DESCRIPTOR = "datapackage.yaml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
SPATIAL = re.compile(r"^(departement:\d{2,3}|canton:\d{4}|commune:\d[0-9AB]\d{3}|region:\d{2})$")
KNOWN_KEYS = {
    "name", "title", "description", "licenses", "keywords", "contributors", "resources",
    "theme", "frequency", "temporal", "spatial", "publisher", "contact", "sample", "version",
    "homepage", "profile", "$schema", "created", "sources", "id", "kind",
}


class _Loader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, but an impossible date (2023-02-30) is a YAML error with its line."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from exc


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)




def discover(
    datasets_dir: Path, settings: SiteSettings, schemas: SchemaCache, only: tuple[str, ...] = (),
    memo: PickleMemo | None = None,
) -> tuple[list[Dataset], list[Problem]]:
    """Read every dataset folder; return the datasets that loaded and all problems found.
    With a memo, a folder whose files, settings, schemas and code are unchanged since the
    last build is not read again."""
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
    context = _memo_context(settings, schemas, root) if memo else ""
    for folder in folders:
        key = signature([folder], context) if memo else ""
        loaded = memo.get(folder.name, key) if memo else None
        if loaded is None:
            found = DatasetProblems(folder.name, _relative(folder / DESCRIPTOR, root))
            loaded = (_load_dataset(folder, settings, schemas, found, root), found.items)
            if memo and signature([folder], context) == key:  # not edited while being read
                memo.put(folder.name, key, loaded)
        dataset, items = loaded
        problems.extend(items)
        if dataset is not None and not any(p.severity == "error" for p in items):
            datasets.append(dataset)
    if memo and not only:
        memo.keep_only(f.name for f in folders)
    return datasets, problems


def _memo_context(settings: SiteSettings, schemas: SchemaCache, root: Path) -> str:
    """What a dataset's reading depends on besides its folder."""
    return "\0".join((str(root), repr(settings), source_signature(),
                      signature(sorted({schemas.folder, schemas.site_folder}))))


def _load_dataset(
    folder: Path, settings: SiteSettings, schemas: SchemaCache, found: DatasetProblems, root: Path
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
    resources = tuple(read_resources(raw, folder, schemas, found, root))
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


def _read_descriptor(folder: Path, found: DatasetProblems) -> dict[str, Any] | None:
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


def _required_text(raw: Mapping, key: str, found: DatasetProblems) -> str | None:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        found.error("missing-key", f"Required key {key!r} is missing or empty.",
                    f"Add {key}: \"…\" to the descriptor.")
        return None
    return value.strip()


def _theme(raw: Mapping, found: DatasetProblems) -> str | None:
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


def _licenses(raw: Mapping, settings: SiteSettings, found: DatasetProblems) -> tuple[str, ...]:
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


def _frequency(raw: Mapping, found: DatasetProblems) -> str:
    frequency = str(raw.get("frequency") or DEFAULT_FREQUENCY)
    if frequency not in FREQUENCIES:
        found.error("unknown-frequency", f"Unknown frequency {frequency!r}.",
                    f"Use one of: {', '.join(FREQUENCIES)}.", value=frequency)
        return DEFAULT_FREQUENCY
    return frequency


def _temporal(raw: Mapping, found: DatasetProblems) -> Temporal | None:
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


def _spatial(raw: Mapping, settings: SiteSettings, found: DatasetProblems) -> tuple[str, ...]:
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


def _contact(raw: Mapping, found: DatasetProblems) -> Contact | None:
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


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
