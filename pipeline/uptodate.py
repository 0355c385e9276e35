"""Whether output/ is already the build of the current inputs, like make's up-to-date check.

A build records, beside its cache, a digest of everything it read (every file of the
datasets, content, theme, schemas, settings and Pelican configuration, the pipeline's own
source, the installed packages, the HEAD commit that dates the site, SOURCE_DATE_EPOCH,
--strict) and a manifest of the output/ it wrote. The next build computes the same digest
first: if it is equal and output/ is still what was written, the previous report is given
again and nothing is rebuilt.

Files are compared by path, size and modification time in nanoseconds, as make and ninja
do: no file is read, so a rebuild of a site with a 1-million-row file costs milliseconds.
An edit that keeps the size and the nanosecond timestamp is not seen; `build --force`
builds anyway. Anything unreadable or missing in the record means "build".
"""

from __future__ import annotations

import hashlib
import json
import os
import site
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.config import BuildPaths
from pipeline.gitinfo import head_commit
from pipeline.report import Problem, Report

RECORD = "last-build.json"
RECORD_VERSION = 1
PIPELINE_SOURCE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class LastBuild:
    """What the record says of the build that wrote output/."""

    inputs: str
    output: str
    datasets: int
    report: Report


def inputs_digest(paths: BuildPaths, pelican_conf: Path, strict: bool) -> str:
    """One digest of everything a build reads; any change to one of them changes it."""
    digest = hashlib.sha256()
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
    digest.update(json.dumps(fields, sort_keys=True).encode())
    for path, stat in _files(_input_locations(paths, pelican_conf)):
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def output_digest(output: Path) -> str:
    """The output folder as written: each file's path, size and modification time."""
    digest = hashlib.sha256()
    for path, stat in _files([output]):
        digest.update(f"{path.relative_to(output)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def last_build(paths: BuildPaths) -> LastBuild | None:
    try:
        raw = json.loads((paths.cache / RECORD).read_text(encoding="utf-8"))
        report = Report([Problem(**p) for p in raw["problems"]], list(raw["notes"]))
        return LastBuild(raw["inputs"], raw["output"], int(raw["datasets"]), report)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def up_to_date(paths: BuildPaths, inputs: str) -> LastBuild | None:
    """The last build, if output/ is its output and it read exactly these inputs."""
    previous = last_build(paths)
    if previous is None or previous.inputs != inputs or not paths.output.is_dir():
        return None
    return previous if output_digest(paths.output) == previous.output else None


def record_build(paths: BuildPaths, inputs: str, datasets: int, report: Report) -> None:
    """Written last, after output/ was swapped in: an interrupted build leaves no record."""
    record = {
        "inputs": inputs, "output": output_digest(paths.output), "datasets": datasets,
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


def _files(locations: Iterable[Path]) -> list[tuple[Path, os.stat_result]]:
    """Every file under the locations (or the location itself), sorted, with its stat."""
    found: list[tuple[Path, os.stat_result]] = []
    for location in locations:
        if location.is_file():
            found.append((location, location.stat()))
            continue
        for folder, dirs, names in os.walk(location):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in names:
                path = Path(folder, name)
                try:
                    found.append((path, path.stat()))
                except OSError:  # removed while we walk: the digest differs, so we build
                    continue
    return sorted(found, key=lambda item: str(item[0]))


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
