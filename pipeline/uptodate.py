"""Whether output/ is already the build of the current inputs, like make's up-to-date check.

A build records, beside its cache, the state of everything it read (every file of the
datasets, content, theme, schemas, settings and Pelican configuration, the pipeline's own
source, the installed packages, the HEAD commit that dates the site, SOURCE_DATE_EPOCH,
--strict) and a digest of the output/ it wrote. The next build looks at the same state
first: if it is equal and output/ is still what was written, the previous report is given
again and nothing is rebuilt.

Files are compared by path, size and modification time in nanoseconds, as make and ninja
do, so a site with a 1-million-row file is checked in milliseconds. A file modified less
than RACY_NS before it was looked at could be modified again within the same tick of the
file system's clock, keeping its size and time: such a file is also compared by content,
as git does with "racily clean" entries. `build --force` builds anyway. Anything
unreadable or missing in the record means "build".
"""

from __future__ import annotations

import hashlib
import json
import os
import site
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.config import BuildPaths
from pipeline.gitinfo import head_commit
from pipeline.memo import PIPELINE_SOURCE, content_digest, file_states
from pipeline.report import Problem, Report

RECORD = "last-build.json"
RECORD_VERSION = 2
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class InputState:
    """What a build reads: options and environment as one digest, then file by file."""

    fields: str
    files: tuple[tuple[str, int, int, str, str], ...]  # path, size, mtime, link, sha256 or ""


@dataclass(frozen=True)
class LastBuild:
    """What the record says of the build that wrote output/."""

    inputs: InputState
    output: str
    datasets: int
    report: Report


def input_state(paths: BuildPaths, pelican_conf: Path, strict: bool) -> InputState:
    """The state of everything a build reads; any change to one of them changes it."""
    fields = {
        "record": RECORD_VERSION,
        "python": sys.version,
        "packages": sorted(_installed_packages()),
        "commit": head_commit(paths.root),
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        "strict": strict,
        "paths": [str(p) for p in (paths.root, paths.datasets, paths.content, paths.theme,
                                   paths.output, pelican_conf.resolve())],
    }
    racy_after = time.time_ns() - RACY_NS
    files = tuple(
        (s.path, s.size, s.mtime_ns, s.link, _sha256(s.path) if s.mtime_ns >= racy_after else "")
        for s in file_states(_input_locations(paths, pelican_conf))
    )
    return InputState(hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest(), files)


def _same_inputs(recorded: InputState, current: InputState) -> bool:
    if recorded.fields != current.fields or len(recorded.files) != len(current.files):
        return False
    for before, now in zip(recorded.files, current.files, strict=True):
        if before[:4] != now[:4]:
            return False
        if before[4] and (now[4] or _sha256(now[0])) != before[4]:
            return False
    return True


def _sha256(path: str) -> str:
    try:
        return content_digest(Path(path))
    except OSError:
        return "unreadable"


def output_digest(output: Path) -> str:
    """The output folder as written: each file's path, size and modification time."""
    digest = hashlib.sha256()
    for state in file_states([output]):
        digest.update(f"{state.path}\0{state.size}\0{state.mtime_ns}\n".encode())
    return digest.hexdigest()


def last_build(paths: BuildPaths) -> LastBuild | None:
    try:
        raw = json.loads((paths.cache / RECORD).read_text(encoding="utf-8"))
        if raw["record"] != RECORD_VERSION:
            return None
        report = Report([Problem(**p) for p in raw["problems"]], list(raw["notes"]))
        inputs = InputState(raw["fields"], tuple(tuple(entry) for entry in raw["files"]))
        return LastBuild(inputs, raw["output"], int(raw["datasets"]), report)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def up_to_date(paths: BuildPaths, inputs: InputState) -> LastBuild | None:
    """The last build, if output/ is its output and it read exactly these inputs."""
    previous = last_build(paths)
    if previous is None or not paths.output.is_dir() or not _same_inputs(previous.inputs, inputs):
        return None
    return previous if output_digest(paths.output) == previous.output else None


def record_build(paths: BuildPaths, inputs: InputState, datasets: int, report: Report) -> None:
    """Written last, after output/ was swapped in: an interrupted build leaves no record."""
    record = {
        "record": RECORD_VERSION, "fields": inputs.fields, "files": [list(f) for f in inputs.files],
        "output": output_digest(paths.output), "datasets": datasets,
        "problems": [asdict(p) for p in report.problems], "notes": list(report.notes),
    }
    paths.cache.mkdir(parents=True, exist_ok=True)
    partial = paths.cache / f".{RECORD}.{os.getpid()}"
    partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    partial.replace(paths.cache / RECORD)


def _input_locations(paths: BuildPaths, pelican_conf: Path) -> list[Path]:
    root = paths.root
    return [
        paths.settings_file, root / "accessibility.yaml", root / "schemas",
        paths.datasets, paths.content, paths.theme, PIPELINE_SOURCE,
        *sorted(pelican_conf.resolve().parent.glob("*conf.py")),
    ]


def _installed_packages() -> set[str]:
    """Names with versions of the installed distributions (their *.dist-info folders)."""
    folders = {*site.getsitepackages(), site.getusersitepackages(), *sys.path}
    return {
        name
        for folder in folders
        if os.path.isdir(folder)
        for name in os.listdir(folder)
        if name.endswith(".dist-info")
    }
