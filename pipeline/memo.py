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
from dataclasses import dataclass, replace
from pathlib import Path
from stat import S_ISDIR
from typing import Any

from pipeline.fileio import atomic_write, sha256_file

# Files up to this size are signed by content: descriptors, schemas, templates, code.
CONTENT_LIMIT = 256 * 1024
PIPELINE_SOURCE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class FileState:
    """A file as the build would find it; sha256 is filled in only when asked for."""

    path: str
    size: int  # -1 for a broken link
    mtime_ns: int
    link: str = ""  # where a symbolic link points, or ""
    sha256: str = ""

    def same_stat(self, other: FileState) -> bool:
        return (self.path, self.size, self.mtime_ns, self.link) == (
            other.path, other.size, other.mtime_ns, other.link)

    def with_content(self) -> FileState:
        try:
            return replace(self, sha256=sha256_file(Path(self.path)))
        except OSError:
            return replace(self, sha256="unreadable")


def file_states(locations: Iterable[Path]) -> list[FileState]:
    """Every file under the locations (or the location itself), sorted by path. Symbolic
    links are followed, as the build follows them, and their targets are recorded too."""
    found: list[FileState] = []
    for location in locations:
        if location.is_dir():
            found.extend(_walk(location))
        elif location.is_file() or location.is_symlink():
            found.append(_state(location))
    return sorted(found, key=lambda state: state.path)


def _walk(top: Path) -> list[FileState]:
    found: list[FileState] = []
    seen: set[str] = set()
    for folder, dirs, names in os.walk(top, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link back to a folder already walked
            dirs.clear()
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found.extend(_state(Path(folder, name)) for name in names)
        found.extend(_state(Path(folder, d)) for d in dirs if os.path.islink(os.path.join(folder, d)))
    return found


def _state(path: Path) -> FileState:
    link = os.readlink(path) if path.is_symlink() else ""
    try:
        stat = path.stat()
    except OSError:  # a broken link, or removed while we walk
        return FileState(str(path), -1, -1, link)
    if S_ISDIR(stat.st_mode):  # a link to a folder: the folder is walked, the link counts
        return FileState(str(path), 0, 0, link)
    return FileState(str(path), stat.st_size, stat.st_mtime_ns, link)


def signature(locations: Iterable[Path], *extra: str) -> str:
    """Digest of the files under locations (small ones by content) and of extra strings."""
    digest = hashlib.sha256("\0".join(extra).encode())
    for state in file_states(locations):
        digest.update(f"{state.path}\0{state.size}\0{state.link}\0".encode())
        if not 0 <= state.size <= CONTENT_LIMIT:
            digest.update(f"{state.mtime_ns}\n".encode())
        else:
            digest.update(state.with_content().sha256.encode())
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
        atomic_write(self.folder / f"{name}.pickle",
                     pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))

    def keep_only(self, names: Iterable[str]) -> None:
        """Forget the values of names no longer used (datasets removed)."""
        wanted = {f"{name}.pickle" for name in names}
        for path in self.folder.glob("*.pickle"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)
