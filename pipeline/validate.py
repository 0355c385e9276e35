"""Validate a dataset's resources against their Table Schemas with frictionless.

Frictionless errors become Problems located by file, row and column, with the
offending value and a fix worded for the data officer who committed the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import frictionless
from frictionless import FrictionlessException

from pipeline.model import Dataset, Resource
from pipeline.report import Problem

# Beyond this many errors in one file, frictionless stops: the file is clearly broken.
ERROR_LIMIT = 1000
MAX_VALUE_CHARS = 80


def validate_dataset(dataset: Dataset, root: Path) -> list[Problem]:
    """Validate every resource of the dataset (foreign keys across its resources too)."""
    problems: list[Problem] = []
    for resource in dataset.resources:
        problems.extend(_precheck_file(dataset, resource, root))
    if problems:
        return problems
    package = frictionless.Package(
        {"name": dataset.slug, "resources": [r.frictionless_descriptor() for r in dataset.resources]},
        basepath=str(dataset.folder),
    )
    by_name = {r.name: r for r in dataset.resources}
    try:
        report = package.validate(limit_errors=ERROR_LIMIT)
    except FrictionlessException as exc:
        return [_problem(dataset, dataset.resources[0], exc.error, root)]
    for task in report.tasks:
        resource = by_name.get(task.name) or dataset.resources[0]
        problems.extend(_problem(dataset, resource, error, root) for error in task.errors)
        if len(task.errors) >= ERROR_LIMIT:
            problems.append(_at(dataset, resource, root, "error", "too-many-errors",
                                f"Validation stopped after {ERROR_LIMIT} errors.",
                                "Check the encoding, separator and header first: "
                                "one wrong setting breaks every row."))
    problems.extend(_problem(dataset, dataset.resources[0], e, root) for e in report.errors)
    return problems


def _precheck_file(dataset: Dataset, resource: Resource, root: Path) -> list[Problem]:
    """Catch files frictionless would misread: empty, binary."""
    head = resource.path.open("rb").read(8192)
    if not head.strip():
        return [_at(dataset, resource, root, "error", "empty-file", "The file is empty.",
                    "Export the data again with its header row.")]
    if b"\x00" in head:
        return [_at(dataset, resource, root, "error", "binary-file",
                    "The file contains binary data (NUL bytes): it is not a text CSV file.",
                    "Export as CSV (File > Save as > CSV UTF-8), not as .xlsx or .ods renamed to .csv.")]
    return []


def _problem(dataset: Dataset, resource: Resource, error: Any, root: Path) -> Problem:
    field_name = getattr(error, "field_name", None)
    field = _field(resource, field_name)
    cell = getattr(error, "cell", None)
    value = None if cell is None else _shorten(str(cell))
    hint = HINTS.get(error.type, _generic_hint)(error, field, resource)
    message = _message(error, field, value)
    return Problem(
        severity="error",
        code=error.type,
        message=_sentence(message),
        dataset=dataset.slug,
        file=_relative(resource.path, root),
        row=getattr(error, "row_number", None),
        field=field_name,
        value=value,
        hint=hint,
    )


def _message(error: Any, field: Mapping[str, Any], value: str | None) -> str:
    if error.type == "type-error":
        kind = field.get("type", "string")
        fmt = field.get("format", "default")
        shown = f" in the format {fmt!r}" if fmt not in ("default", "") else ""
        return f"{_quote(value or '')} is not a valid {kind}{shown}"
    if error.type == "constraint-error":
        return f"{_quote(value or '')} breaks the rule {error.note}"
    return error.message or error.note or error.title


def _at(dataset: Dataset, resource: Resource, root: Path, severity: Any, code: str, message: str,
        hint: str) -> Problem:
    return Problem(severity, code, message, dataset=dataset.slug,
                   file=_relative(resource.path, root), hint=hint)


def _field(resource: Resource, name: str | None) -> Mapping[str, Any]:
    for field in resource.schema.get("fields", []):
        if field.get("name") == name:
            return field
    return {}


def _type_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    kind = field.get("type", "string")
    fmt = field.get("format", "default")
    if kind == "number":
        decimal = field.get("decimalChar", ".")
        return (f"Write a number with {decimal!r} as decimal separator and no unit or space "
                "(or declare decimalChar/groupChar in the schema), or leave the cell empty if the "
                "value is missing.")
    if kind == "integer":
        return "Write a whole number without spaces, decimals or units, or leave the cell empty."
    if kind in {"date", "datetime", "time"}:
        expected = {"date": "YYYY-MM-DD", "datetime": "YYYY-MM-DDThh:mm:ss", "time": "hh:mm:ss"}[kind]
        if fmt not in {"default", "any"}:
            expected = f"the declared format {fmt}"
        return f"Write the {kind} as {expected}."
    if kind == "boolean":
        true = field.get("trueValues", ["true", "True", "TRUE", "1"])
        false = field.get("falseValues", ["false", "False", "FALSE", "0"])
        return f"Use one of {true} for yes and {false} for no (or declare trueValues/falseValues)."
    if kind in {"year", "yearmonth"}:
        return "Write the year as YYYY" + (" and month as YYYY-MM." if kind == "yearmonth" else ".")
    return f"Write a value of type {kind}" + ("" if fmt == "default" else f" ({fmt})") + "."


def _constraint_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    constraints = field.get("constraints", {})
    note = (error.note or "").lower()
    if "required" in note or "missing" in note:
        return "This column is required: fill in every row."
    if "enum" in note or "enum" in constraints and "not in" in note:
        return f"Use one of the allowed values: {', '.join(map(str, constraints.get('enum', [])))}."
    if "pattern" in note:
        return f"The value must match the pattern {constraints.get('pattern')!r}."
    bounds = {k: v for k, v in constraints.items() if k in {"minimum", "maximum", "exclusiveMinimum",
                                                            "exclusiveMaximum", "minLength", "maxLength"}}
    if bounds:
        return f"The value must respect {bounds}; correct it or, if the data is right, the schema."
    return "Correct the value, or the constraint in the schema if the data is right."


def _label_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    expected = [f["name"] for f in resource.schema.get("fields", [])]
    return (f"The header must list the schema's fields in order: {', '.join(expected)}. "
            "Rename the column or update the schema.")


def _encoding_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    return (f"The file is not valid {resource.encoding}. Save it as UTF-8 "
            "(LibreOffice: Save as > CSV, character set UTF-8), or declare its real encoding, "
            "e.g. encoding: cp1252.")


def _generic_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    return GENERIC_HINTS.get(error.type, "Correct the file and run `python build.py validate` again.")


HINTS: dict[str, Callable[[Any, Mapping[str, Any], Resource], str]] = {
    "type-error": _type_hint,
    "constraint-error": _constraint_hint,
    "missing-label": _label_hint,
    "incorrect-label": _label_hint,
    "extra-label": _label_hint,
    "encoding-error": _encoding_hint,
}

GENERIC_HINTS = {
    "duplicate-label": "Two columns have the same name: rename one of them.",
    "blank-label": "A column has no name in the header: name it as in the schema.",
    "unique-error": "This value must be unique in the column: remove the duplicate row or fix the value.",
    "primary-key": "Each row must have a distinct primary key: remove the duplicate row or fix the key.",
    "foreign-key": "The value must exist in the referenced resource: add it there or fix it here.",
    "blank-row": "Remove the empty row.",
    "extra-cell": "The row has more cells than the header: check the separator and quotes.",
    "missing-cell": "The row has fewer cells than the header: check the separator and quotes.",
    "source-error": "The file cannot be read as CSV: check its format, separator and encoding.",
    "scheme-error": "The file cannot be opened: check the path.",
    "format-error": "The file cannot be read in the declared format: check format and dialect.",
    "schema-error": "Fix the Table Schema (see https://specs.frictionlessdata.io/table-schema/).",
    "resource-error": "Fix the resource's declaration in datapackage.yaml.",
    "package-error": "Fix datapackage.yaml.",
}


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _quote(value: str) -> str:
    return '""' if value == "" else f'"{value}"'


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > 400:
        text = text[:399] + "…"
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "…")) else ".")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
