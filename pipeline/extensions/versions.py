"""The "Versions" section of every dataset page, its diff CSVs and its validation report.

For each dataset: the current version (date, commit, validation badge), then every
version newest first with the rows added, removed and changed per resource, the changed
cells of small changes, a diff CSV for large ones, the schema changes, and the files of
earlier versions linked on the forge (never copied into the site). Beside the downloads:
donnees/<slug>/rapport-validation.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from pipeline import PIPELINE_VERSION
from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, GeneratedFile
from pipeline.history import DatasetHistory, DiffCounts, ResourceChange, Version, history_for
from pipeline.history.describe import describe_change, describe_counts, describe_version
from pipeline.model import PublishedDataset
from pipeline.report import Problem
from pipeline.site import DOWNLOADS_DIR

REPORT_FILE = "rapport-validation.json"
DIFFS_DIR = "diffs"
FEEDS_DIR = "feeds/jeux-de-donnees"


def diff_path(slug: str, version: Version, change: ResourceChange) -> str:
    return f"{DOWNLOADS_DIR}/{slug}/{DIFFS_DIR}/{version.commit.short}-{change.name}.csv"


def report_path(slug: str) -> str:
    return f"{DOWNLOADS_DIR}/{slug}/{REPORT_FILE}"


def feed_path(slug: str) -> str:
    return f"{FEEDS_DIR}/{slug}.atom.xml"


@dataclass(frozen=True)
class ValidationReport:
    """The verdict on the current version of a dataset, as published."""

    slug: str
    warnings: tuple[Problem, ...]
    validated: datetime  # the build's date (the commit's), never the clock
    commit: str  # the dataset's current commit ("" when uncommitted or without git)
    site_commit: str
    rows: dict[str, int]
    schemas: dict[str, str]
    valid: bool = True  # a dataset with errors is never published

    @property
    def path(self) -> str:
        return report_path(self.slug)

    @property
    def summary(self) -> str:
        """Text of the badge: the verdict in words, not only in colour."""
        count = len(self.warnings)
        verdict = "conforme à son schéma"
        if count:
            verdict += f", {count} avertissement{'s' if count > 1 else ''}"
        return verdict

    def to_json(self) -> bytes:
        data = {
            "dataset": self.slug,
            "valid": self.valid,
            "validated": self.validated.isoformat(),
            "commit": self.commit,
            "site_commit": self.site_commit,
            "pipeline_version": PIPELINE_VERSION,
            "resources": [{"name": name, "rows": rows, "schema": self.schemas.get(name, "")}
                          for name, rows in self.rows.items()],
            "warnings": [
                {k: v for k, v in {
                    "code": p.code, "message": p.message, "file": p.file, "row": p.row,
                    "field": p.field, "value": p.value, "hint": p.hint}.items() if v is not None}
                for p in self.warnings
            ],
        }
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class DatasetVersions:
    """What the section of one dataset shows."""

    history: DatasetHistory
    report: ValidationReport
    feed: str

    @property
    def current(self) -> Version | None:
        """The version the site publishes; None when the working tree has uncommitted changes."""
        return None if self.history.uncommitted else self.history.current

    def diff(self, version: Version, change: ResourceChange) -> str:
        return diff_path(self.history.slug, version, change) if change.counts.large else ""


@dataclass(frozen=True)
class VersionsData:
    """opendata.extras["versions"]: every dataset's versions and report, and text helpers."""

    datasets: dict[str, DatasetVersions]
    forge_url: str = ""
    forge_raw_url: str = ""

    def of(self, slug: str) -> DatasetVersions | None:
        return self.datasets.get(slug)

    def raw_url(self, commit: str, path: str) -> str:
        """A file as it was at a commit, on the forge; "" without a forge."""
        if not self.forge_url or not self.forge_raw_url:
            return ""
        return self.forge_raw_url.format(forge_url=self.forge_url.rstrip("/"), commit=commit,
                                         path=quote(path))

    # The French descriptions of pipeline.history.describe, for the templates.
    def describe_change(self, change: ResourceChange) -> str:
        return describe_change(change)

    def describe_counts(self, counts: DiffCounts) -> str:
        return describe_counts(counts)

    def describe_version(self, version: Version) -> str:
        return describe_version(version)


class VersionsExtension(BaseExtension):
    name = "versions"
    order = 10

    def prepare(self, context: BuildContext) -> Contribution:
        history = history_for(context)
        datasets, files = {}, []
        for published in context.datasets:
            dataset_history = history.of(published.slug)
            report = _report(context, published, dataset_history, published.warnings)
            versions = DatasetVersions(dataset_history, report, feed_path(published.slug))
            datasets[published.slug] = versions
            files.append(GeneratedFile(report.path, report.to_json()))
            files.extend(_diff_files(versions))
        data = VersionsData(datasets, context.settings.forge_url, context.settings.forge_raw_url)
        return Contribution(
            self.name,
            data=data,
            files=tuple(files),
            head_partials=("versions/head_styles.html",),
            dataset_sections=("versions/section.html",),
        )


def _diff_files(versions: DatasetVersions) -> list[GeneratedFile]:
    files = []
    for version in versions.history.versions:
        for change in version.resources:
            if change.counts.diff_file is not None:
                files.append(GeneratedFile(versions.diff(version, change),
                                           change.counts.diff_file.read_bytes()))
    return files


def _report(context: BuildContext, published: PublishedDataset, history: DatasetHistory,
            warnings: tuple[Problem, ...]) -> ValidationReport:
    current = None if history.uncommitted else history.current
    return ValidationReport(
        slug=published.slug,
        warnings=warnings,
        validated=context.build_date,
        commit=current.commit.sha if current else "",
        site_commit=context.commit,
        rows={resource.name: converted.rows for resource, converted in published.resources},
        schemas={resource.name: resource.schema_source for resource, _ in published.resources},
    )


EXTENSION = VersionsExtension()
