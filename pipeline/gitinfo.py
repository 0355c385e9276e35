"""Dates of datasets from the repository's history, so builds are reproducible.

A dataset's creation and modification dates are those of the first and last commits that
touched its folder. Uncommitted changes fall back to SOURCE_DATE_EPOCH, then to the
newest file's modification time, and say so.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from pipeline.model import GitDates


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout


def dataset_dates(root: Path, datasets_dir: Path, slugs: list[str]) -> dict[str, GitDates]:
    """Created/modified dates per dataset slug, from one `git log` over datasets/."""
    log = _git(root, "log", "--format=@%cI", "--name-only", "--", str(datasets_dir))
    dirty = _dirty_paths(root, datasets_dir)
    seen: dict[str, list[datetime]] = {}
    current: datetime | None = None
    prefix = _relative_prefix(root, datasets_dir)
    for line in (log or "").splitlines():
        if line.startswith("@"):
            current = datetime.fromisoformat(line[1:]).astimezone(UTC)
        elif line.startswith(prefix) and current is not None:
            slug = line[len(prefix):].split("/", 1)[0]
            seen.setdefault(slug, []).append(current)
    dates = {}
    for slug in slugs:
        stamps = seen.get(slug)
        if stamps and slug not in dirty:
            dates[slug] = GitDates(created=min(stamps), modified=max(stamps), from_git=True)
        else:
            fallback = _fallback_date(datasets_dir / slug)
            dates[slug] = GitDates(created=min(stamps) if stamps else fallback, modified=fallback,
                                   from_git=False)
    return dates


def build_date(root: Path) -> datetime:
    """The date the site says it was built: SOURCE_DATE_EPOCH, else the HEAD commit's."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), UTC)
    head = _git(root, "log", "-1", "--format=%cI")
    if head and head.strip():
        return datetime.fromisoformat(head.strip()).astimezone(UTC)
    return datetime(1970, 1, 1, tzinfo=UTC)


def repository_state(path: Path) -> str:
    """HEAD of the repository holding path, whether its history is shallow, and where it
    was cut: what `git log` can tell of the files under path, besides the files."""
    answer = _git(path, "rev-parse", "HEAD", "--is-shallow-repository", "--absolute-git-dir")
    if not answer:
        return ""
    shallow = Path(answer.split()[-1]) / "shallow"
    return answer + (shallow.read_text(encoding="utf-8") if shallow.is_file() else "")


def head_commit(root: Path) -> str:
    head = _git(root, "rev-parse", "--short=12", "HEAD")
    return head.strip() if head else ""


def _relative_prefix(root: Path, datasets_dir: Path) -> str:
    top = _git(root, "rev-parse", "--show-toplevel")
    base = Path(top.strip()).resolve() if top else root
    try:
        return datasets_dir.resolve().relative_to(base).as_posix() + "/"
    except ValueError:
        return datasets_dir.name + "/"


def _dirty_paths(root: Path, datasets_dir: Path) -> set[str]:
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", str(datasets_dir))
    prefix = _relative_prefix(root, datasets_dir)
    dirty = set()
    for line in (status or "").splitlines():
        path = line[3:].strip().strip('"').split(" -> ")[-1]
        if path.startswith(prefix):
            dirty.add(path[len(prefix):].split("/", 1)[0])
    return dirty


def _fallback_date(folder: Path) -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), UTC)
    mtimes = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()]
    return datetime.fromtimestamp(max(mtimes, default=0), UTC).replace(microsecond=0)
