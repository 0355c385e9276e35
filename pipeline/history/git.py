"""The few git commands the history needs: one `git log` for the whole datasets folder, and
one `git cat-file --batch` process to read old files.

Nothing here knows about datasets: commits, the files each one changed (with renames), and
blobs by hash.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from pipeline.history.model import Commit

_RECORD = "\x1e"
_FIELD = "\x1f"
# hash, parents, committer date, author, subject, body
_FORMAT = "%x1e%H%x1f%P%x1f%cI%x1f%aN%x1f%s%x1f%b%x1f"


class GitUnavailable(Exception):
    """No git executable, or the folder is not inside a repository."""


@dataclass(frozen=True)
class FileChange:
    """One line of `git log --raw`: status A, M, D, R (rename), C (copy) or T (type)."""

    status: str
    path: str  # the path after the change (for D: the removed path)
    blob: str  # the blob after the change ("" for D)
    old_path: str = ""  # for R and C
    old_blob: str = ""


@dataclass(frozen=True)
class LoggedCommit:
    commit: Commit
    changes: tuple[FileChange, ...]


def run_git(cwd: Path, *args: str, text: bool = True) -> str:
    try:
        result = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=True,
                                timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitUnavailable(str(exc)) from exc
    return result.stdout.decode("utf-8", "surrogateescape") if text else result.stdout


@dataclass(frozen=True)
class Repository:
    """A git work tree, and where a folder of it lies relative to its top."""

    top: Path
    shallow_commits: frozenset[str]

    @classmethod
    def find(cls, folder: Path) -> Repository:
        """The repository holding folder; GitUnavailable if there is none."""
        if not folder.is_dir():
            raise GitUnavailable(f"{folder} is not a folder")
        top = Path(run_git(folder, "rev-parse", "--show-toplevel").strip()).resolve()
        shallow_file = run_git(folder, "rev-parse", "--git-path", "shallow").strip()
        path = Path(shallow_file) if Path(shallow_file).is_absolute() else folder / shallow_file
        shallow = frozenset(path.read_text().split()) if path.is_file() else frozenset()
        return cls(top, shallow)

    @property
    def is_shallow(self) -> bool:
        return bool(self.shallow_commits)

    def relative(self, folder: Path) -> str:
        """folder relative to the top, as git prints paths ("datasets")."""
        return folder.resolve().relative_to(self.top).as_posix()

    def head(self) -> str:
        try:
            return run_git(self.top, "rev-parse", "HEAD").strip()
        except GitUnavailable:  # a repository without any commit
            return ""

    def log(self, folder: str) -> list[LoggedCommit]:
        """Every commit of the first-parent line that changed folder, oldest first.

        Merges are compared with their first parent, so applying the changes in order
        replays the folder's content commit after commit.
        """
        if not self.head():
            return []
        out = run_git(self.top, "-c", "core.quotePath=off", "log", "--first-parent", "-m", "-M",
                      "--raw", "--no-abbrev", "-z", f"--format={_FORMAT}", "--", folder)
        commits = [_parse_record(record) for record in out.split(_RECORD) if record.strip("\0\n")]
        commits.reverse()
        return commits

    def dirty_paths(self, folder: str) -> list[str]:
        """Paths under folder that differ from HEAD or are untracked."""
        out = run_git(self.top, "-c", "core.quotePath=off", "status", "--porcelain", "-z",
                      "--untracked-files=all", "--", folder)
        paths, tokens = [], iter(out.split("\0"))
        for token in tokens:
            if len(token) < 4:
                continue
            paths.append(token[3:])
            if token[0] in "RC":  # a rename is followed by its source path
                paths.append(next(tokens, ""))
        return paths

    @contextmanager
    def blobs(self) -> Iterator[BlobReader]:
        """One `git cat-file --batch` process reading any number of blobs."""
        try:
            process = subprocess.Popen(["git", "-C", str(self.top), "cat-file", "--batch"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise GitUnavailable(str(exc)) from exc
        assert process.stdin is not None and process.stdout is not None
        try:
            yield BlobReader(process.stdin, process.stdout)
        finally:
            process.stdin.close()
            process.stdout.close()
            process.wait(timeout=60)


class BlobReader:
    def __init__(self, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self._stdin = stdin
        self._stdout = stdout
        self._memo: dict[str, bytes] = {}

    def read(self, blob: str, keep: bool = False) -> bytes | None:
        """The content of a blob, None if the object is missing (e.g. cut by a shallow clone)."""
        if blob in self._memo:
            return self._memo[blob]
        self._stdin.write(blob.encode() + b"\n")
        self._stdin.flush()
        header = self._stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            return None
        size = int(header[2])
        content = self._stdout.read(size)
        self._stdout.read(1)  # the newline after each object
        if keep:  # small files read at every version (descriptors, schemas)
            self._memo[blob] = content
        return content


def _parse_record(record: str) -> LoggedCommit:
    sha, parents, date, author, subject, body, rest = record.split(_FIELD, 6)
    commit = Commit(
        sha=sha,
        date=datetime.fromisoformat(date).astimezone(UTC),
        author=author,
        subject=subject,
        body=body.strip(),
        parents=tuple(parents.split()),
    )
    return LoggedCommit(commit, tuple(_parse_raw(rest)))


def _parse_raw(rest: str) -> Iterator[FileChange]:
    tokens = iter(t.lstrip("\n") for t in rest.split("\0"))
    for token in tokens:
        if not token.startswith(":"):
            continue
        _, _, old_blob, new_blob, status = token[1:].split(" ", 4)
        kind = status[0]
        if kind in "RC":
            old_path, path = next(tokens), next(tokens)
            yield FileChange(kind, path, new_blob, old_path, old_blob)
        else:
            path = next(tokens)
            yield FileChange(kind, path, "" if kind == "D" else new_blob, "", old_blob)
