"""Results kept between builds, keyed by signatures of what they were computed from.

A signature is a digest of files: small ones by content, large ones (data files of
millions of rows) by path, size and modification time, as make does. Used by discover
(a dataset's descriptor is read again only when its folder changed) and by the up-to-date
check of the whole build (pipeline/uptodate.py).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Files up to this size are signed by content: descriptors, schemas, templates, code.
CONTENT_LIMIT = 256 * 1024
PIPELINE_SOURCE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class FileState:
    path: str
    size: int
    mtime_ns: int
    link: str  # where a symbolic link points, or ""


def file_states(locations: Iterable[Path]) -> list[FileState]:
    """Every file under the locations (or the location itself), sorted by path.
    Symbolic links are listed, not followed."""
    found: list[FileState] = []
    for location in locations:
        if location.is_file() or location.is_symlink():
            found.extend(_state(location))
            continue
        for folder, dirs, names in os.walk(location):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in names:
                found.extend(_state(Path(folder, name)))
    return sorted(found, key=lambda state: state.path)


def _state(path: Path) -> list[FileState]:
    try:
        stat = path.lstat()
        link = os.readlink(path) if path.is_symlink() else ""
    except OSError:  # removed while we walk: it is simply not there
        return []
    return [FileState(str(path), stat.st_size, stat.st_mtime_ns, link)]


def content_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def signature(locations: Iterable[Path], *extra: str) -> str:
    """Digest of the files under locations (small ones by content) and of extra strings."""
    digest = hashlib.sha256("\0".join(extra).encode())
    for state in file_states(locations):
        digest.update(f"{state.path}\0{state.size}\0{state.link}\0".encode())
        if state.link or state.size > CONTENT_LIMIT:
            digest.update(f"{state.mtime_ns}\n".encode())
        else:
            try:
                digest.update(content_digest(Path(state.path)).encode())
            except OSError:
                digest.update(b"unreadable")
    return digest.hexdigest()


def source_signature() -> str:
    """The pipeline's own code: a change to it may change any result."""
    return signature([PIPELINE_SOURCE])


class PickleMemo:
    """Values by name in a folder, each stored with the key it was computed for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, name: str, key: str) -> Any | None:
        try:
            stored_key, value = pickle.loads((self.folder / f"{name}.pickle").read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                ImportError):
            return None  # missing, corrupt or written by other code: computed again
        return value if stored_key == key else None

    def put(self, name: str, key: str, value: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.{os.getpid()}.partial"
        partial.write_bytes(pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(self.folder / f"{name}.pickle")

    def keep_only(self, names: Iterable[str]) -> None:
        """Forget the values of names no longer used (datasets removed)."""
        wanted = {f"{name}.pickle" for name in names}
        for path in self.folder.glob("*.pickle"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)
