"""The build, read top to bottom as its list of stages.

up to date? → settings → discover → validate & convert → refuse or go on → dates → maps
→ extensions → render → downloads → index → swap into output/ → record what was read.
Nothing reaches output/ unless every stage succeeded; a build whose inputs are those of the
build that wrote output/ keeps it (pipeline/uptodate.py).
"""

from __future__ import annotations

import dataclasses
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.accessibility import load_audit
from pipeline.catalog import discover
from pipeline.config import BuildPaths, SiteSettings, load_settings
from pipeline.contrast import check_contrast
from pipeline.errors import BuildRefused
from pipeline.extensions import discover as discover_extensions
from pipeline.extensions.base import BuildContext, Contribution
from pipeline.gitinfo import build_date, dataset_dates, head_commit
from pipeline.maps.build import build_maps
from pipeline.memo import PickleMemo
from pipeline.model import Dataset, PublishedDataset
from pipeline.process import Outcome, process_datasets
from pipeline.publish import (
    copy_downloads,
    staging_output,
    write_data_index,
    write_generated_files,
    write_maps,
)
from pipeline.render import render_site
from pipeline.report import Problem, Report
from pipeline.schemas import SchemaCache
from pipeline.site import SiteData
from pipeline.uptodate import input_state, record_build, up_to_date

Progress = Callable[[str], None]


def _silent(message: str) -> None:
    pass


@dataclass
class BuildResult:
    report: Report
    site: SiteData | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cached: int = 0
    processed: int = 0
    peak_memory_mb: float = 0.0
    # True when output/ was already the build of these inputs and was kept as it is.
    up_to_date: bool = False
    datasets: int = 0

    def to_dict(self) -> dict:
        return {
            **self.report.to_dict(),
            "datasets": len(self.site.datasets) if self.site else self.datasets,
            "up_to_date": self.up_to_date,
            "from_cache": self.cached,
            "processed": self.processed,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "peak_memory_mb": round(self.peak_memory_mb, 1),
        }


@dataclass
class _Stages:
    """Times each stage and reports progress."""

    progress: Progress
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.progress(f"{name}…")
        start = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - start


def validate(
    paths: BuildPaths, only: tuple[str, ...] = (), progress: Progress = _silent,
    jobs: int | None = None, settings: SiteSettings | None = None,
) -> tuple[BuildResult, list[Dataset], list[Outcome]]:
    """Discover, validate and convert (into the cache). Writes nothing to output/."""
    stages = _Stages(progress)
    result = BuildResult(Report(), timings=stages.timings)
    with stages.stage("settings"):
        settings = settings or load_settings(paths.settings_file)
        result.report.extend(check_contrast(settings))
    with stages.stage("discover"):
        datasets, problems = discover(paths.datasets, settings, SchemaCache.for_project(paths.root, settings),
                                      only, memo=PickleMemo(paths.cache / "discover"))
        result.report.extend(problems)
    with stages.stage("validate and convert"):
        outcomes = process_datasets(
            datasets, paths.datasets.parent, paths.cache, jobs=jobs,
            on_done=lambda o: progress(f"  {o.slug}: {'cached' if o.from_cache else 'done'}"),
        )
        for outcome in outcomes:
            result.report.extend(outcome.problems)
            result.report.notes.extend(outcome.notes)
    result.cached = sum(o.from_cache for o in outcomes)
    result.processed = len(outcomes) - result.cached
    result.peak_memory_mb = _peak_memory_mb()
    return result, datasets, outcomes


def build(
    paths: BuildPaths,
    pelican_conf: Path,
    strict: bool = False,
    progress: Progress = _silent,
    jobs: int | None = None,
    force: bool = False,
) -> BuildResult:
    """Build the whole site into paths.output, or raise BuildRefused leaving it untouched."""
    start = time.perf_counter()
    settings = load_settings(paths.settings_file)
    inputs = input_state(paths, pelican_conf, strict, SchemaCache.for_project(paths.root, settings))
    if not force and (previous := up_to_date(paths, inputs)) is not None:
        return BuildResult(previous.report, up_to_date=True, datasets=previous.datasets,
                           timings={"up to date": time.perf_counter() - start})
    result, datasets, outcomes = validate(paths, progress=progress, jobs=jobs, settings=settings)
    if result.report.failed(strict):
        raise BuildRefused(result.report, strict)
    stages = _Stages(progress, result.timings)
    with stages.stage("dates from git"):
        site = _assemble(paths, settings, datasets, outcomes, result.report.warnings)
    with stages.stage("maps"):
        maps, problems = build_maps(site.datasets, {o.slug: o.files_dir for o in outcomes}, settings)
        result.report.extend(problems)
        if result.report.failed(strict):
            raise BuildRefused(result.report, strict)
        site = dataclasses.replace(site, maps=tuple(maps))
    files_dirs = {o.slug: o.files_dir for o in outcomes}
    context = BuildContext(paths, settings, site.datasets, files_dirs, site.build_date, site.commit)
    installed = discover_extensions()
    # An extension that reads a kind of dataset has nothing to add without one: no empty section.
    extensions = [e for e in installed if not e.dataset_kind or context.of_kind(e.dataset_kind)]
    with stages.stage("extensions"):
        contributions = [extension.prepare(context) for extension in extensions]
        result.report.extend(_unknown_kinds(site, installed))
        for contribution in contributions:
            result.report.extend(contribution.problems)
            result.report.notes.extend(contribution.notes)
        if result.report.failed(strict):
            raise BuildRefused(result.report, strict)
        site = _with_contributions(site, contributions)
    with stages.stage("render"), staging_output(paths.output) as staging:
        warnings = render_site(paths, site, staging, pelican_conf)
        result.report.notes.extend(f"Pelican warning: {w}" for w in warnings)
        copy_downloads(site, {o.slug: o for o in outcomes}, staging)
        write_maps(site, staging)
        write_data_index(site, staging)
        write_generated_files(contributions, staging)
        for extension in extensions:
            problems = extension.after_render(context, staging)
            result.report.extend(problems)
            if any(p.severity == "error" for p in problems):
                raise BuildRefused(result.report, strict)
    result.site = site
    result.datasets = len(site.datasets)
    record_build(paths, inputs, len(site.datasets), result.report)
    result.peak_memory_mb = _peak_memory_mb()
    return result


def _with_contributions(site: SiteData, contributions: list[Contribution]) -> SiteData:
    return dataclasses.replace(
        site,
        extras={c.name: c.data for c in contributions},
        pages=tuple(page for c in contributions for page in c.pages),
        nav=tuple(sorted((link for c in contributions for link in c.nav), key=lambda n: (n.order, n.label))),
        head_partials=tuple(p for c in contributions for p in c.head_partials),
        dataset_sections=tuple(p for c in contributions for p in c.dataset_sections),
    )


def _unknown_kinds(site: SiteData, extensions: list) -> list[Problem]:
    known = {e.dataset_kind for e in extensions if e.dataset_kind}
    return [
        Problem("error", "unknown-kind", f"Unknown dataset kind {p.dataset.kind!r}.",
                dataset=p.slug, file=f"datasets/{p.slug}/datapackage.yaml",
                hint=f"Use one of: {', '.join(sorted(known)) or '(none installed)'}, or remove kind.")
        for p in site.datasets
        if p.dataset.kind and p.dataset.kind not in known
    ]


def _assemble(
    paths: BuildPaths, settings: SiteSettings, datasets: list[Dataset], outcomes: list[Outcome],
    warnings: list[Problem],
) -> SiteData:
    by_slug = {o.slug: o for o in outcomes}
    dates = dataset_dates(paths.root, paths.datasets, [d.slug for d in datasets])
    published = tuple(
        PublishedDataset(
            dataset=dataset,
            resources=tuple(zip(dataset.resources, by_slug[dataset.slug].converted, strict=True)),
            dates=dates[dataset.slug],
            warnings=tuple(w for w in warnings if w.dataset == dataset.slug),
        )
        for dataset in sorted(datasets, key=lambda d: d.slug)
    )
    return SiteData(settings=settings, datasets=published, build_date=build_date(paths.root),
                    commit=head_commit(paths.root),
                    accessibility=load_audit(paths.root / "accessibility.yaml"))


def _peak_memory_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024
