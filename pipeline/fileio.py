"""Small file operations shared by the caches: checksums and atomic writes."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

# Every partial file starts with this, so that a cache's clean-up can leave another
# build's write in progress alone.
PARTIAL_PREFIX = ".partial-"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write path in one rename: a reader (or a concurrent build) sees the old or the new
    content, never a part. The folder is created if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{PARTIAL_PREFIX}{path.name}.{uuid.uuid4().hex}")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def is_partial(path: Path) -> bool:
    return path.name.startswith(PARTIAL_PREFIX)
