"""A dataset as one commit left it: its descriptor, and each resource with its own schema.

Old descriptors are read leniently: a version the current validator would refuse is still
shown, with a note, rather than stopping the build.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import yaml

from pipeline.config import SAFE_LOADER
from pipeline.history.git import BlobReader
from pipeline.schemas import SITE_SCHEME, SchemaCache, SchemaNotCached

DESCRIPTOR = "datapackage.yaml"
# libyaml when available: old descriptors are parsed at every build, and fast matters.
TABULAR = {"csv", "tsv"}


@dataclass(frozen=True)
class OldResource:
    """A resource as declared at one commit. schema is None when it could not be read."""

    name: str
    title: str
    path: str  # relative to the repository's top
    format: str
    encoding: str
    dialect: Mapping[str, Any]
    schema: Mapping[str, Any] | None
    blob: str  # "" when the declared file is missing at that commit

    @property
    def tabular(self) -> bool:
        return self.format in TABULAR

    @property
    def primary_key(self) -> tuple[str, ...]:
        key = (self.schema or {}).get("primaryKey") or ()
        return (key,) if isinstance(key, str) else tuple(key)

    @property
    def fields(self) -> dict[str, str]:
        """Field name → type."""
        return {str(f.get("name")): str(f.get("type", "string"))
                for f in (self.schema or {}).get("fields", []) if isinstance(f, dict)}

    def reading_spec(self) -> str:
        """A hash of everything that decides how the bytes are typed."""
        spec = {"format": self.format, "encoding": self.encoding, "dialect": dict(self.dialect),
                "schema": self.schema}
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    resources: tuple[OldResource, ...] = ()
    descriptor_blob: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def readable(self) -> bool:
        return bool(self.resources)

    def by_name(self) -> dict[str, OldResource]:
        return {r.name: r for r in self.resources}


def read_snapshot(folder: str, files: Mapping[str, str], blobs: BlobReader,
                  schemas: SchemaCache) -> Snapshot:
    """The dataset in folder ("datasets/slug") given its files at a commit (path → blob)."""
    descriptor_blob = files.get(f"{folder}/{DESCRIPTOR}", "")
    if not descriptor_blob:
        return Snapshot(notes=(f"pas de {DESCRIPTOR} dans cette version",))
    raw = _load_yaml(blobs.read(descriptor_blob, keep=True))
    if not isinstance(raw, dict) or not isinstance(raw.get("resources"), list):
        return Snapshot(descriptor_blob=descriptor_blob,
                        notes=(f"{DESCRIPTOR} illisible dans cette version",))
    resources, notes = [], []
    for item in raw["resources"]:
        if not isinstance(item, dict) or not item.get("path"):
            continue
        resource, note = _resource(folder, item, files, blobs, schemas)
        resources.append(resource)
        if note:
            notes.append(note)
    return Snapshot(tuple(resources), descriptor_blob, tuple(notes))


def _resource(folder: str, item: Mapping[str, Any], files: Mapping[str, str], blobs: BlobReader,
              schemas: SchemaCache) -> tuple[OldResource, str]:
    relpath = str(item["path"])
    path = posixpath.normpath(f"{folder}/{relpath}")
    stem = posixpath.splitext(posixpath.basename(relpath))[0]
    name = str(item.get("name") or re.sub(r"[^a-z0-9-]+", "-", stem.lower()))
    fmt = str(item.get("format") or posixpath.splitext(relpath)[1].lstrip(".")).lower()
    schema, note = _schema(folder, item.get("schema"), files, blobs, schemas)
    dialect = item.get("dialect") if isinstance(item.get("dialect"), dict) else {}
    return OldResource(
        name=name,
        title=str(item.get("title") or name),
        path=path,
        format=fmt,
        encoding=str(item.get("encoding") or "utf-8"),
        dialect=dialect,
        schema=schema,
        blob=files.get(path, ""),
    ), (f"schéma de « {name} » illisible dans cette version ({note})" if note else "")


def _schema(folder: str, declared: Any, files: Mapping[str, str], blobs: BlobReader,
            schemas: SchemaCache) -> tuple[dict[str, Any] | None, str]:
    if isinstance(declared, dict):
        return _checked(declared)
    if not isinstance(declared, str) or not declared:
        return None, "aucun schéma"
    if urlparse(declared).scheme in {"http", "https"} or declared.startswith(SITE_SCHEME):
        # Published schemas are read from today's committed copy (schemas/).
        try:
            return _checked(schemas.load(declared))
        except (SchemaNotCached, ValueError):
            return None, f"{declared} absent du cache des schémas"
    blob = files.get(posixpath.normpath(f"{folder}/{declared}"), "")
    if not blob:
        return None, f"{declared} absent"
    content = blobs.read(blob, keep=True)
    if content is None:
        return None, f"{declared} absent"
    try:
        loaded = json.loads(content) if declared.endswith(".json") else _load_yaml(content)
    except ValueError:
        return None, f"{declared} illisible"
    return _checked(loaded) if isinstance(loaded, dict) else (None, f"{declared} illisible")


def _checked(schema: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    fields = schema.get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, dict) and f.get("name") for f in fields):
        return None, "champs manquants"
    return schema, ""


def _load_yaml(content: bytes | None) -> Any:
    if content is None:
        return None
    try:
        return yaml.load(content.decode("utf-8"), Loader=SAFE_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
