"""The domain: datasets as declared, and what the pipeline made of them. All frozen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline.report import Problem
from pipeline.vocab import FREQUENCIES, LICENSES, THEMES, Frequency, License, Theme


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class Temporal:
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class FieldDoc:
    """One column as the schema documents it."""

    name: str
    type: str
    title: str = ""
    description: str = ""
    format: str = "default"
    constraints: Mapping[str, Any] = field(default_factory=dict)
    unit: str = ""


@dataclass(frozen=True)
class MapSpec:
    """How a resource is drawn on a map, as declared under `map:` in datapackage.yaml.

    kind "points": a table with latitude/longitude columns, or a GeoJSON of points;
    kind "shapes": a GeoJSON layer drawn as it is;
    kind "choropleth": a table joined to a boundary layer (another dataset's GeoJSON
    resource) on `join` = `boundary_key`, coloured by `value` in `classes` quantile classes.
    """

    kind: str
    title: str = ""
    latitude: str | None = None
    longitude: str | None = None
    label: str | None = None
    popup: tuple[str, ...] = ()
    boundaries: str | None = None
    join: str | None = None
    boundary_key: str | None = None
    boundary_label: str | None = None
    value: str | None = None
    period: str | None = None
    classes: int = 5


@dataclass(frozen=True)
class Resource:
    """A data file of a dataset, with its resolved Table Schema."""

    name: str
    title: str
    path: Path  # absolute, checked to stay inside the dataset folder
    relpath: str  # as declared in datapackage.yaml
    format: str
    encoding: str
    dialect: Mapping[str, Any]
    schema: Mapping[str, Any]
    schema_source: str  # "inline", a file name, or a URL
    map: MapSpec | None = None
    precision: int = 6  # decimals kept in GeoJSON downloads (6 ≈ 0.1 m)

    @property
    def is_geojson(self) -> bool:
        return self.format == "geojson"

    @property
    def fields(self) -> tuple[FieldDoc, ...]:
        return tuple(
            FieldDoc(
                name=f["name"],
                type=f.get("type", "string"),
                title=f.get("title", ""),
                description=f.get("description", ""),
                format=f.get("format", "default"),
                constraints=f.get("constraints", {}),
                unit=f.get("unit", ""),
            )
            for f in self.schema.get("fields", [])
        )

    @property
    def primary_key(self) -> tuple[str, ...]:
        key = self.schema.get("primaryKey") or ()
        return (key,) if isinstance(key, str) else tuple(key)

    def frictionless_descriptor(self) -> dict[str, Any]:
        descriptor: dict[str, Any] = {
            "name": self.name,
            "path": self.relpath,
            "format": self.format,
            "encoding": self.encoding,
            "schema": dict(self.schema),
        }
        if self.dialect:
            descriptor["dialect"] = dict(self.dialect)
        return descriptor


@dataclass(frozen=True)
class Dataset:
    """A dataset as its datapackage.yaml declares it, defaults filled in."""

    slug: str
    title: str
    description: str
    theme_id: str
    keywords: tuple[str, ...]
    license_ids: tuple[str, ...]
    contributors: tuple[Mapping[str, Any], ...]
    frequency_id: str
    temporal: Temporal | None
    spatial: tuple[str, ...]
    publisher: str
    contact: Contact
    resources: tuple[Resource, ...]
    folder: Path
    sample: bool = False
    version: str = ""
    kind: str = ""  # a dataset kind read by an extension (projets, mie, agenda…), or ""

    @property
    def theme(self) -> Theme:
        return THEMES[self.theme_id]

    @property
    def licenses(self) -> tuple[License, ...]:
        return tuple(LICENSES[i] for i in self.license_ids)

    @property
    def frequency(self) -> Frequency:
        return FREQUENCIES[self.frequency_id]


@dataclass(frozen=True)
class DataFile:
    """A file offered for download."""

    format: str  # CSV, Parquet, JSON, Table Schema…
    filename: str  # relative to the dataset's download folder
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    non_null: int
    distinct: int
    minimum: str | None = None
    maximum: str | None = None
    top_values: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class GeoSummary:
    """What a geo resource holds, for the page and the catalogue."""

    feature_count: int
    geometry_types: tuple[str, ...]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


@dataclass(frozen=True)
class ConvertedResource:
    """What conversion made of one resource: downloads, preview and profile."""

    name: str
    rows: int
    files: tuple[DataFile, ...]
    columns: tuple[str, ...]
    preview: tuple[tuple[str, ...], ...]
    profile: tuple[ColumnProfile, ...]
    examples: Mapping[str, str]
    geo: GeoSummary | None = None
    # Simplified TopoJSON for drawing maps, in the cache folder; never a download.
    display_file: str | None = None


@dataclass(frozen=True)
class GitDates:
    created: datetime
    modified: datetime
    from_git: bool


@dataclass(frozen=True)
class PublishedDataset:
    """A valid dataset with its converted resources, ready to render."""

    dataset: Dataset
    resources: tuple[tuple[Resource, ConvertedResource], ...]
    dates: GitDates
    warnings: tuple[Problem, ...] = ()  # what validation said of it that does not block

    @property
    def slug(self) -> str:
        return self.dataset.slug

    @property
    def rows(self) -> int:
        return sum(converted.rows for _, converted in self.resources)

    @property
    def formats(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for _, converted in self.resources:
            for f in converted.files:
                if f.format != "Table Schema":
                    seen.setdefault(f.format)
        return tuple(seen)
