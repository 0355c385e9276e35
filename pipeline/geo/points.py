"""Check the coordinates of a table drawn as points, which frictionless only sees as numbers.

Call validate_point_table after frictionless has accepted the table (it reads the typed
columns); conversion would otherwise stop on the first position out of range.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.geo.geometry import SWAPPED_HINT, range_hint
from pipeline.geo.properties import ERROR_LIMIT
from pipeline.geo.validate import relative_to_root, swapped_message
from pipeline.model import Dataset, Resource
from pipeline.report import Problem
from pipeline.typing_arrow import read_typed_table


def validate_point_table(dataset: Dataset, resource: Resource, root: Path) -> list[Problem]:
    """A coordinate-error per row whose position is out of range; a warning for swapped axes.

    Rows are numbered as in the tabular report (the header, if any, is row 1). Rows without
    a coordinate are fine: conversion leaves them off the map.
    """
    spec = resource.map
    if spec is None or spec.kind != "points" or not spec.latitude or not spec.longitude:
        return []
    typed = read_typed_table(resource)
    lat = pc.cast(typed.column(spec.latitude), pa.float64()).to_pylist()
    lon = pc.cast(typed.column(spec.longitude), pa.float64()).to_pylist()
    file = relative_to_root(resource.path, root)
    problems: list[Problem] = []
    located = [(y, x) for y, x in zip(lat, lon, strict=True) if _known(y) and _known(x)]
    for index, (y, x) in enumerate(zip(lat, lon, strict=True)):
        if not _known(y) or not _known(x) or (-90 <= y <= 90 and -180 <= x <= 180):
            continue
        field, value = (spec.latitude, y) if not -90 <= y <= 90 else (spec.longitude, x)
        problems.append(Problem(
            "error", "coordinate-error",
            f"The position (longitude {x:g}, latitude {y:g}) is out of range: longitude must be within "
            "[-180, 180] and latitude within [-90, 90].", dataset=dataset.slug, file=file,
            row=index + first_row(resource),
            field=field, value=f"{value:g}", hint=range_hint(x, y)))
        if len(problems) >= ERROR_LIMIT:
            break
    if located and not problems:
        bbox = (min(x for _, x in located), min(y for y, _ in located),
                max(x for _, x in located), max(y for y, _ in located))
        message = swapped_message(bbox, "rows")
        if message:
            problems.append(Problem("warning", "coordinate-error", message, dataset=dataset.slug,
                                    file=file, field=spec.latitude, hint=SWAPPED_HINT))
    return problems


def first_row(resource: Resource) -> int:
    """The number the report gives the first data row: 2 under a header, else 1."""
    return 2 if resource.dialect.get("header", True) else 1


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)
