"""Published Table Schemas referenced by URL, read from a committed cache (schemas/).

Builds and tests never touch the network: `build.py schemas` fills the cache once,
and the cache is committed like the data.

Where a schema is looked for, in order:

1. `<cache>/<host>/<path of the URL>`: what `build.py schemas` writes, e.g.
   `schemas/schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json`.
2. For a national schema (published on schema.data.gouv.fr, or its SCDL source on
   gitlab.com/opendatafrance), `<cache>/<publisher>/<name>/schema.json`, the layout of a
   copy of the latest versions (e.g. `scdl/subventions/schema.json`), used only when its
   `version` is the one the URL names (any version for a `latest` URL).

`<cache>` is the site setting `schema_cache` (default `schemas`, relative to the project).
Schemas shipped with the site for its own dataset kinds (`site:<kind>/<name>`) always
come from the project's `schemas/site/`, wherever the cache is.
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

if TYPE_CHECKING:
    from pipeline.config import SiteSettings

SITE_SCHEME = "site:"
SITE_FOLDER = "schemas"  # the project's own schemas: <root>/schemas/site/…

# https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json (or …/latest/…)
_SCHEMA_DATA_GOUV = re.compile(
    r"^https?://schema\.data\.gouv\.fr/schemas/(?P<publisher>[\w.-]+)/(?P<name>[\w.-]+)/"
    r"(?P<version>[\w.-]+)/schema\.json$")
# https://gitlab.com/opendatafrance/scdl/subventions/raw/v2.1.1/schema.json (the `path` the
# SCDL schemas give themselves), also with /-/raw/.
_SCDL_GITLAB = re.compile(
    r"^https?://gitlab\.com/opendatafrance/scdl/(?P<name>[\w.-]+)/(?:-/)?raw/"
    r"(?P<version>[\w.-]+)/schema\.json$")
LATEST = "latest"


class SchemaNotCached(Exception):
    pass


@dataclass(frozen=True)
class NationalURL:
    """What the URL of a national schema names: publisher (scdl, etalab…), name and version."""

    publisher: str
    name: str
    version: str  # without a leading "v"; "latest" for the latest version

    @property
    def fallback(self) -> str:
        """The path of a copy of the latest versions, relative to the cache."""
        return f"{self.publisher}/{self.name}/schema.json"


def national_url(url: str) -> NationalURL | None:
    """The national schema a URL names, or None for any other URL."""
    match = _SCHEMA_DATA_GOUV.match(url.strip())
    if match:
        return NationalURL(match["publisher"], match["name"], _bare_version(match["version"]))
    match = _SCDL_GITLAB.match(url.strip())
    if match:
        return NationalURL("scdl", match["name"], _bare_version(match["version"]))
    return None


def same_version(declared: Any, wanted: str) -> bool:
    """A schema's `version` ("v1.1.6" or "1.1.6") against a URL's ("latest" matches any)."""
    return wanted == LATEST or _bare_version(str(declared or "")) == wanted


def _bare_version(version: str) -> str:
    return version[1:] if version[:1] in {"v", "V"} and version[1:2].isdigit() else version


@dataclass(frozen=True)
class SchemaCache:
    folder: Path  # schemas referenced by URL (the `schema_cache` setting)
    site_folder: Path | None = None  # site: schemas; None: the same folder

    @classmethod
    def for_project(cls, root: Path, settings: SiteSettings | None = None) -> SchemaCache:
        """The cache a project uses: its settings' `schema_cache` (relative to the project
        root, or absolute), and its own schemas/ for site: schemas."""
        folder = Path(settings.schema_cache if settings is not None else SITE_FOLDER)
        return cls((root / folder).resolve(), site_folder=(root / SITE_FOLDER).resolve())

    def path_for(self, url: str) -> Path:
        """Where `build.py schemas` writes a URL (for site: schemas, where they are)."""
        if url.startswith(SITE_SCHEME):
            # Schemas shipped with the site for its own dataset kinds: schemas/site/<kind>/<name>.json
            parts = [p for p in url[len(SITE_SCHEME):].split("/") if p and p != ".."]
            return (self.site_folder or self.folder).joinpath("site", *parts).with_suffix(".json")
        parsed = urlparse(url)
        parts = [p for p in parsed.path.split("/") if p and p != ".."]
        return self.folder.joinpath(parsed.netloc, *parts)

    def find(self, url: str) -> Path:
        """The cached file of a URL, by its exact path, then (national schemas) by the
        layout <publisher>/<name>/schema.json with the same version; SchemaNotCached if none."""
        exact = self.path_for(url)
        if exact.is_file() or url.startswith(SITE_SCHEME):
            if not exact.is_file():
                raise SchemaNotCached(f"Schema {url} is not in the cache ({exact}).")
            return exact
        national = national_url(url)
        if national is None:
            raise SchemaNotCached(f"Schema {url} is not in the cache ({exact}).")
        copy = self.folder / national.fallback
        if not copy.is_file():
            raise SchemaNotCached(f"Schema {url} is not in the cache ({exact}, nor {copy}).")
        found = _read(copy).get("version")
        if not same_version(found, national.version):
            raise SchemaNotCached(
                f"Schema {url} is not in the cache ({exact}); {copy} holds version {found} of "
                f"{national.publisher}/{national.name}, not {national.version}.")
        return copy

    def load(self, url: str) -> dict[str, Any]:
        return _read(self.find(url))

    def fetch(self, url: str, timeout: float = 30) -> Path:
        """Download one schema into the cache (the only network access of the project)."""
        with urllib.request.urlopen(url, timeout=timeout) as response:
            schema = json.loads(response.read().decode("utf-8"))
        path = self.path_for(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


def _read(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
