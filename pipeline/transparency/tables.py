"""Typed rows of a dataset's resource, located so that problems can name their row."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.extensions.base import BuildContext
from pipeline.model import PublishedDataset
from pipeline.report import Problem, Severity


@dataclass(frozen=True)
class Row:
    """One record; `number` is its row as validation reports count them (header = 1)."""

    number: int
    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class Table:
    """The rows of one resource, and where its problems are reported."""

    dataset: str  # slug
    file: str  # "datasets/<slug>/<path>", as in validation problems
    rows: tuple[Row, ...]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def problem(self, severity: Severity, code: str, message: str, row: Row | None = None,
                field: str | None = None, hint: str | None = None) -> Problem:
        value = None if row is None or field is None or row[field] is None else str(row[field])
        return Problem(severity, code, message, dataset=self.dataset, file=self.file,
                       row=row.number if row else None, field=field, value=value, hint=hint)


def read_table(context: BuildContext, published: PublishedDataset, name: str,
               problems: list[Problem]) -> Table | None:
    """The typed rows of resource `name`, or None (with an error) when it is not declared."""
    resource = context.resource(published, name)
    if resource is None:
        declared = ", ".join(r.name for r, _ in published.resources)
        problems.append(Problem(
            "error", "missing-resource",
            f"A dataset of kind {published.dataset.kind!r} needs a resource named {name!r} "
            f"(declared: {declared}).",
            dataset=published.slug, file=f"datasets/{published.slug}/datapackage.yaml",
            hint=f"Add a resource with name: {name} and schema: site:{published.dataset.kind}/{name}."))
        return None
    records = context.table(published, name).to_pylist()
    return Table(
        dataset=published.slug,
        file=f"datasets/{published.slug}/{resource.relpath}",
        rows=tuple(Row(index + 2, record) for index, record in enumerate(records)),
    )


def split_list(text: str | None) -> tuple[str, ...]:
    """A cell listing several items separated by semicolons, as a tuple of items."""
    return tuple(item.strip() for item in (text or "").split(";") if item.strip())
