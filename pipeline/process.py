"""Validate and convert each dataset, reusing cached results for unchanged inputs.

The cache key is the hash of the data files, the resolved schemas and descriptors, and
the pipeline's version: an unchanged dataset is neither validated nor converted again.
Each dataset is processed in one worker process, which reads each table once: the
validation's fast path keeps the typed columns that the conversion writes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import frictionless
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import PIPELINE_VERSION
from pipeline.convert import EmptyTable, convert_resource, sha256_file
from pipeline.model import ColumnProfile, ConvertedResource, DataFile, Dataset, GeoSummary, Resource
from pipeline.report import Problem
from pipeline.validate import check_dataset

RESULT_FILE = "result.json"


@dataclass(frozen=True)
class Outcome:
    """The result of processing one dataset: its problems, and downloads if it is valid.

    `notes` say how it was processed when that is worth knowing (a table validated by
    frictionless rather than the fast path): information, never a warning, so that
    --strict builds do not fail on them.
    """

    slug: str
    problems: tuple[Problem, ...]
    converted: tuple[ConvertedResource, ...]
    files_dir: Path
    from_cache: bool
    notes: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def cache_key(dataset: Dataset) -> str:
    digest = hashlib.sha256()
    digest.update(f"pipeline {PIPELINE_VERSION} frictionless {frictionless.__version__}".encode())
    for resource in dataset.resources:
        descriptor = json.dumps(resource.frictionless_descriptor(), sort_keys=True, default=str)
        digest.update(f"{resource.format} {resource.precision} {resource.map!r}".encode())
        digest.update(descriptor.encode())
        digest.update(sha256_file(resource.path).encode())
    return digest.hexdigest()[:32]


def process_datasets(
    datasets: Iterable[Dataset],
    root: Path,
    cache_dir: Path,
    jobs: int | None = None,
    on_done: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Process datasets, in parallel processes when there is more than one to do."""
    outcomes: dict[str, Outcome] = {}
    todo: list[tuple[Dataset, Path]] = []
    for dataset in datasets:
        target = cache_dir / dataset.slug / cache_key(dataset)
        cached = _load_cached(dataset.slug, target)
        if cached is not None:
            outcomes[dataset.slug] = cached
            on_done(cached)
        else:
            todo.append((dataset, target))
    workers = min(jobs or os.cpu_count() or 1, len(todo))
    if workers <= 1:
        for dataset, target in todo:
            outcomes[dataset.slug] = process_dataset(dataset, root, target)
            on_done(outcomes[dataset.slug])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(process_dataset, d, root, t) for d, t in todo]
            for future in as_completed(futures):
                outcome = future.result()
                outcomes[outcome.slug] = outcome
                on_done(outcome)
    return [outcomes[slug] for slug in sorted(outcomes)]


def process_dataset(dataset: Dataset, root: Path, target: Path) -> Outcome:
    """Validate, then convert if valid; store the result under target (atomically)."""
    validation = check_dataset(dataset, root, keep_typed=True)
    problems = validation.problems
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    converted: list[ConvertedResource] = []
    if not any(p.severity == "error" for p in problems):
        for resource in dataset.resources:
            table = validation.tables.pop(resource.name, None)
            try:
                converted.append(_convert(resource, staging / "files", table))
            except EmptyTable:
                problems.append(Problem(
                    "error", "no-rows", "The file has a header but no data row.",
                    dataset=dataset.slug, file=resource.path.relative_to(root).as_posix(),
                    hint="Add the data rows, or remove the resource until there is data."))
            except (pa.ArrowInvalid, ValueError) as exc:
                # Frictionless accepted the file but it cannot be typed the same way: a gap
                # in our conversion, reported rather than published half-converted.
                problems.append(Problem(
                    "error", "conversion-error", f"The file could not be converted: {exc}.",
                    dataset=dataset.slug, file=resource.path.relative_to(root).as_posix(),
                    hint="Report this to the site's maintainers with the file attached."))
    outcome = Outcome(dataset.slug, tuple(problems), tuple(converted) if not _failed(problems) else (),
                      target / "files", from_cache=False, notes=tuple(validation.notes))
    _store(outcome, staging, target)
    return outcome


def _convert(resource: Resource, out_dir: Path, table: pa.Table | None = None) -> ConvertedResource:
    """Tables become CSV/Parquet/JSON (plus GeoJSON/GeoParquet for point tables);
    GeoJSON becomes GeoJSON/GeoParquet/CSV. `table`: the typed columns validation kept."""
    from pipeline.geo.convert import convert_geojson, convert_point_table

    if resource.is_geojson:
        return convert_geojson(resource, out_dir)
    converted = convert_resource(resource, out_dir, table)
    if resource.map is not None and resource.map.kind == "points":
        typed = pq.read_table(out_dir / f"{resource.name}.parquet")
        files, display, summary = convert_point_table(resource, typed, out_dir)
        converted = dataclasses.replace(converted, files=(*converted.files, *files), geo=summary,
                                        display_file=display)
    return converted


def _failed(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _store(outcome: Outcome, staging: Path, target: Path) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    result = {
        "problems": [asdict(p) for p in outcome.problems],
        "converted": [asdict(c) for c in outcome.converted],
        "notes": list(outcome.notes),
    }
    (staging / RESULT_FILE).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    # Older results of this dataset are stale: keep only the newest key.
    for old in target.parent.glob("*"):
        if old != staging:
            shutil.rmtree(old, ignore_errors=True)
    staging.rename(target)


def _load_cached(slug: str, target: Path) -> Outcome | None:
    result_file = target / RESULT_FILE
    if not result_file.is_file():
        return None
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
        problems = tuple(Problem(**p) for p in result["problems"])
        converted = tuple(_converted_from_dict(c) for c in result["converted"])
        notes = tuple(str(n) for n in result.get("notes", ()))
    except (ValueError, KeyError, TypeError):
        return None
    if any(not (target / "files" / f.filename).is_file() for c in converted for f in c.files):
        return None
    return Outcome(slug, problems, converted, target / "files", from_cache=True, notes=notes)


def _converted_from_dict(data: dict) -> ConvertedResource:
    return ConvertedResource(
        name=data["name"],
        rows=data["rows"],
        files=tuple(DataFile(**f) for f in data["files"]),
        columns=tuple(data["columns"]),
        preview=tuple(tuple(row) for row in data["preview"]),
        profile=tuple(
            ColumnProfile(**{**p, "top_values": tuple(tuple(t) for t in p["top_values"])})
            for p in data["profile"]
        ),
        examples=data["examples"],
        geo=GeoSummary(**{**data["geo"], "geometry_types": tuple(data["geo"]["geometry_types"]),
                          "bbox": tuple(data["geo"]["bbox"])}) if data.get("geo") else None,
        display_file=data.get("display_file"),
    )
