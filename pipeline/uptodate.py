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
from dataclasses import asdict, astuple, dataclass
from pathlib import Path

from pipeline.config import BuildPaths
from pipeline.fileio import atomic_write, sha256_bytes
from pipeline.gitinfo import repository_state
from pipeline.memo import PIPELINE_SOURCE, FileState, file_states
from pipeline.report import Problem, Report
from pipeline.schemas import SchemaCache
from pipeline.search.digest import engine_fingerprint

RECORD = "last-build.json"
RECORD_VERSION = 3
CLOCK = ".clock"  # touched to read the file system's own clock
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class InputState:
    """What a build reads: options and environment as one digest, then file by file."""

    fields: str
    files: tuple[FileState, ...]

    def same_as(self, recorded: InputState) -> bool:
        """Equal stats; and equal content for the files that were recent when recorded."""
        if self.fields != recorded.fields or len(self.files) != len(recorded.files):
            return False
        return all(
            now.same_stat(before)
            and (not before.sha256 or (now.sha256 or now.with_content().sha256) == before.sha256)
            for now, before in zip(self.files, recorded.files, strict=True)
        )


@dataclass(frozen=True)
class LastBuild:
    """What the record says of the build that wrote output/."""

    inputs: InputState
    output: str
    datasets: int
    report: Report


def input_state(paths: BuildPaths, pelican_conf: Path, strict: bool, schemas: SchemaCache) -> InputState:
    """The state of everything a build reads; any change to one of them changes it."""
    fields = {
        "record": RECORD_VERSION,
        "python": sys.version,
        "packages": sorted(_installed_packages()),
        "repositories": [repository_state(paths.root), repository_state(paths.datasets)],
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        "search_engine": engine_fingerprint(),
        "strict": strict,
        "paths": [str(p) for p in (paths.root, paths.datasets, paths.content, paths.theme,
                                   paths.output, pelican_conf.resolve())],
    }
    recent = _file_system_now(paths.cache) - RACY_NS
    files = tuple(
        state.with_content() if state.mtime_ns >= recent else state
        for state in file_states(_input_locations(paths, pelican_conf, schemas))
    )
    return InputState(sha256_bytes(json.dumps(fields, sort_keys=True, default=str).encode()), files)


def _file_system_now(cache: Path) -> int:
    """The time of the file system the inputs are on, as it would date a file saved now
    (its clock may differ from this machine's on a network share)."""
    clock = cache / CLOCK
    try:
        cache.mkdir(parents=True, exist_ok=True)
        clock.touch()
        return clock.stat().st_mtime_ns
    except OSError:
        return time.time_ns()


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
        inputs = InputState(raw["fields"], tuple(FileState(*entry) for entry in raw["files"]))
        return LastBuild(inputs, raw["output"], int(raw["datasets"]), report)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def up_to_date(paths: BuildPaths, inputs: InputState) -> LastBuild | None:
    """The last build, if output/ is its output and it read exactly these inputs."""
    previous = last_build(paths)
    if previous is None or not paths.output.is_dir() or not inputs.same_as(previous.inputs):
        return None
    return previous if output_digest(paths.output) == previous.output else None


def record_build(paths: BuildPaths, inputs: InputState, datasets: int, report: Report) -> None:
    """Written last, after output/ was swapped in: an interrupted build leaves no record."""
    record = {
        "record": RECORD_VERSION, "fields": inputs.fields,
        "files": [astuple(f) for f in inputs.files],
        "output": output_digest(paths.output), "datasets": datasets,
        "problems": [asdict(p) for p in report.problems], "notes": list(report.notes),
    }
    atomic_write(paths.cache / RECORD, json.dumps(record, ensure_ascii=False).encode("utf-8"))


def _input_locations(paths: BuildPaths, pelican_conf: Path, schemas: SchemaCache) -> list[Path]:
    root = paths.root
    return [
        paths.settings_file, root / "accessibility.yaml", root / "schemas",
        *sorted({schemas.folder, schemas.site_folder}),
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
