"""Published Table Schemas referenced by URL, read from a committed cache (schemas/).

Builds and tests never touch the network: `build.py schemas` fills the cache once,
and the cache is committed like the data.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

SITE_SCHEME = "site:"


class SchemaNotCached(Exception):
    pass


@dataclass(frozen=True)
class SchemaCache:
    folder: Path

    def path_for(self, url: str) -> Path:
        if url.startswith(SITE_SCHEME):
            # Schemas shipped with the site for its own dataset kinds: schemas/site/<kind>/<name>.json
            parts = [p for p in url[len(SITE_SCHEME):].split("/") if p and p != ".."]
            return self.folder.joinpath("site", *parts).with_suffix(".json")
        parsed = urlparse(url)
        parts = [p for p in parsed.path.split("/") if p and p != ".."]
        return self.folder.joinpath(parsed.netloc, *parts)

    def load(self, url: str) -> dict[str, Any]:
        path = self.path_for(url)
        if not path.is_file():
            raise SchemaNotCached(f"Schema {url} is not in the cache ({path}).")
        return json.loads(path.read_text(encoding="utf-8"))

    def fetch(self, url: str, timeout: float = 30) -> Path:
        """Download one schema into the cache (the only network access of the project)."""
        with urllib.request.urlopen(url, timeout=timeout) as response:
            schema = json.loads(response.read().decode("utf-8"))
        path = self.path_for(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path
