"""The rows of one resource read by a participation model, with where its problems go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.report import Problem


@dataclass
class SourceRows:
    """The rows of one resource, and where its problems are reported."""

    dataset: str
    file: str
    rows: Sequence[Mapping[str, Any]]
    problems: list[Problem] = field(default_factory=list)

    def numbered(self) -> list[tuple[int, Mapping[str, Any]]]:
        return [(index + 2, row) for index, row in enumerate(self.rows)]  # header = row 1

    def report(self, severity: str, code: str, message: str, row: int | None = None,
               column: str | None = None, value: Any = None, hint: str | None = None) -> None:
        self.problems.append(Problem(severity, code, message, dataset=self.dataset, file=self.file,  # type: ignore[arg-type]
                                     row=row, field=column,
                                     value=None if value is None else str(value), hint=hint))


def cell_text(row: Mapping[str, Any], name: str) -> str:
    """A cell as stripped text; a missing or empty cell is ""."""
    value = row.get(name)
    return "" if value is None else str(value).strip()
