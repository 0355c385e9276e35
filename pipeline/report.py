"""Problems collected over the whole build, rendered for people or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    severity: Severity
    code: str
    message: str
    dataset: str | None = None
    file: str | None = None
    row: int | None = None
    field: str | None = None
    value: str | None = None
    hint: str | None = None

    def location(self) -> str:
        parts = [self.file or (f"datasets/{self.dataset}" if self.dataset else "settings")]
        if self.row is not None:
            # GeoJSON problems are located by feature (1-based), tables by row (header = 1).
            is_geo = (self.file or "").endswith((".geojson", ".json"))
            parts.append(f"{'feature' if is_geo else 'row'} {self.row}")
        if self.field is not None:
            parts.append(f'column "{self.field}"')
        return ", ".join(parts)

    def render(self) -> str:
        text = f"{self.severity.upper()} {self.location()} ({self.code}): {self.message}"
        if self.hint:
            text += f"\n    Fix: {self.hint}"
        return text


@dataclass
class Report:
    """All problems of a build; nothing is raised while they are collected."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def for_dataset(self, slug: str) -> list[Problem]:
        return [p for p in self.problems if p.dataset == slug]

    def to_dict(self) -> dict:
        return {
            "valid": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "counts": dict(Counter(p.code for p in self.problems)),
            "problems": [asdict(p) for p in self.problems],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def render_text(self, max_per_file: int = 20) -> str:
        """Human report: errors first, at most max_per_file lines per file and code."""
        lines: list[str] = []
        shown: Counter[tuple[str | None, str, str]] = Counter()
        hidden: Counter[tuple[str | None, str, str]] = Counter()
        ordered = sorted(self.problems, key=lambda p: (p.severity != "error", p.file or "", p.row or 0))
        for problem in ordered:
            key = (problem.file, problem.code, problem.severity)
            if shown[key] >= max_per_file:
                hidden[key] += 1
                continue
            shown[key] += 1
            lines.append(problem.render())
        for (file, code, _severity), count in sorted(hidden.items(), key=str):
            lines.append(f"... and {count} more {code} problem(s) in {file} (use --json for all)")
        lines.extend(self.notes)
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        datasets = {p.dataset for p in self.errors if p.dataset}
        text = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if datasets:
            text += f" in {len(datasets)} dataset(s): {', '.join(sorted(datasets))}"
        return text


class DatasetProblems:
    """Collects the problems of one dataset with its location filled in."""

    def __init__(self, slug: str, descriptor: str) -> None:
        self.slug = slug
        self.descriptor = descriptor
        self.items: list[Problem] = []

    def error(self, code: str, message: str, hint: str | None = None, **where: Any) -> None:
        self._add("error", code, message, hint, where)

    def warning(self, code: str, message: str, hint: str | None = None, **where: Any) -> None:
        self._add("warning", code, message, hint, where)

    def _add(self, severity: Any, code: str, message: str, hint: str | None, where: dict) -> None:
        where.setdefault("file", self.descriptor)
        self.items.append(
            Problem(severity, code, message, dataset=self.slug, hint=hint, **where)
        )

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)
