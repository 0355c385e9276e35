"""Validate a dataset's resources against their Table Schemas, as frictionless does.

CSV tables are read once by the fast path (pipeline.fastpath), which finds the errors
frictionless finds, in the same order, and keeps the typed columns for the conversion;
what it does not cover is validated by frictionless itself, with a note saying so.
Frictionless errors become Problems located by file, row and column, with the offending
value and a fix worded for the data officer who committed the file.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import frictionless
import pyarrow as pa
from frictionless import FrictionlessException

from pipeline import fastpath
from pipeline.model import Dataset, Resource
from pipeline.report import Problem

# Beyond this many errors in one file, frictionless stops: the file is clearly broken.
ERROR_LIMIT = 1000
MAX_VALUE_CHARS = 80
# Python's csv module refuses longer cells by default: users of the download would too.
MAX_CELL_CHARS = 131_072
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
# A package without $schema imposes v1 on its schemas; v2 ones (exclusiveMinimum…) need it said.
PACKAGE_V2 = "https://datapackage.org/profiles/2.0/datapackage.json"
V2_PROFILE = re.compile(r"datapackage\.org/profiles/2\.\d+/")


class CellTooLargeError(frictionless.errors.CellError):
    type = "cell-too-large"
    title = "Cell Too Large"
    description = "A cell is too long to be a value: usually a quote that is never closed."
    template = "{note}"


@attrs.define(kw_only=True, repr=False)
class _CellSize(frictionless.Check):
    """Refuse huge cells, which frictionless accepts up to 2 GB."""

    type = "cell-size"
    Errors = [CellTooLargeError]  # noqa: RUF012 (frictionless' API)

    def validate_row(self, row: Any) -> Iterator[CellTooLargeError]:
        for name, cell in zip(row.field_names, row.cells, strict=False):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                note = (f"The cell holds {len(cell):,} characters "
                        f"(at most {MAX_CELL_CHARS:,} allowed)")
                yield CellTooLargeError.from_row(row, note=note, field_name=name)


@dataclasses.dataclass
class Validation:
    """A dataset's problems, notes on how it was validated, and the typed columns of its
    valid CSV tables (by resource name) when they were asked for."""

    problems: list[Problem]
    notes: list[str] = dataclasses.field(default_factory=list)
    tables: dict[str, pa.Table] = dataclasses.field(default_factory=dict)


def validate_dataset(dataset: Dataset, root: Path) -> list[Problem]:
    """Validate every resource: tables against their schemas, GeoJSON with the geo checks."""
    return check_dataset(dataset, root).problems


def check_dataset(dataset: Dataset, root: Path, *, keep_typed: bool = False,
                  fast: bool = True) -> Validation:
    """Validate every resource; keep_typed also returns the typed columns of valid tables;
    fast=False leaves every table to frictionless."""
    from pipeline.geo.validate import validate_geojson

    validation = Validation([])
    for resource in dataset.resources:
        if resource.is_geojson:
            validation.problems.extend(validate_geojson(dataset, resource, root))
    tables = tuple(r for r in dataset.resources if not r.is_geojson)
    if tables:
        _validate_tables(dataset, tables, root, validation, keep_typed=keep_typed, fast=fast)
    return validation


def _validate_tables(dataset: Dataset, tables: tuple[Resource, ...], root: Path,
                     validation: Validation, *, keep_typed: bool, fast: bool) -> None:
    """Validate the tabular resources as one package (so foreign keys across them work)."""
    from pipeline.geo.points import validate_point_table

    problems = validation.problems
    prechecked = [p for resource in tables for p in _precheck_file(dataset, resource, root)]
    if prechecked:
        problems.extend(prechecked)
        return
    descriptor: dict[str, Any] = {"name": dataset.slug, "resources": [_descriptor(r) for r in tables]}
    if any(V2_PROFILE.search(str(r.schema.get("$schema", ""))) for r in tables):
        descriptor["$schema"] = PACKAGE_V2
    by_name = {r.name: r for r in tables}
    checklist = frictionless.Checklist(checks=[_CellSize()])
    try:
        package = frictionless.Package(descriptor, basepath=str(dataset.folder))
        result = fastpath.validate_package(
            package, checklist, error_limit=ERROR_LIMIT, max_cell_chars=MAX_CELL_CHARS,
            cell_size_error=_cell_size_error, keep_typed=keep_typed, fast=fast)
    except FrictionlessException as exc:
        problem = _problem(dataset, tables[0], exc.error, root)
        reasons = "; ".join(r.note or r.message for r in exc.reasons)
        if reasons:
            message = _sentence(f"{problem.message} {reasons}")
            problem = dataclasses.replace(problem, message=message)
        problems.append(problem)
        return
    except Exception as exc:  # a schema frictionless accepted but cannot apply: report, never crash
        problems.append(_at(dataset, tables[0], root, "error", "validation-error",
                            f"The file could not be validated: {type(exc).__name__}: {exc}.",
                            "Check the schema's constraints (values of the column's type, valid "
                            "patterns) and formats; if they are right, report this to the site's "
                            "maintainers."))
        return
    for task in result.tasks:
        resource = by_name.get(task.name) or tables[0]
        problems.extend(_problem(dataset, resource, error, root) for error in task.errors)
        if task.fallback:
            validation.notes.append(
                f"NOTE {_relative(resource.path, root)}: validated by frictionless rather than the "
                f"fast path ({task.fallback}); the result is the same, only slower.")
        if not task.errors and resource.map is not None and resource.map.kind == "points":
            problems.extend(validate_point_table(dataset, resource, root))
        if not task.errors and not task.rows:
            problems.append(_at(dataset, resource, root, "error", "no-rows",
                                "The file has a header but no data row.",
                                "Add the data rows, or remove the resource until there is data."))
        if len(task.errors) >= ERROR_LIMIT:
            problems.append(_at(dataset, resource, root, "error", "too-many-errors",
                                f"Validation stopped after {ERROR_LIMIT} errors.",
                                "Check the encoding, separator and header first: "
                                "one wrong setting breaks every row."))
        if task.table is not None and not task.errors and not task.unconvertible:
            validation.tables[task.name] = task.table
    problems.extend(_problem(dataset, tables[0], e, root) for e in result.errors)


def _cell_size_error(row_number: int, cells: list[str], field_name: str, field_number: int,
                     cell: str, length: int) -> CellTooLargeError:
    """The fast path's twin of _CellSize.validate_row."""
    note = f"The cell holds {length:,} characters (at most {MAX_CELL_CHARS:,} allowed)"
    return CellTooLargeError(note=note, cells=cells, row_number=row_number, cell=cell,
                             field_name=field_name, field_number=field_number)


def _descriptor(resource: Resource) -> dict[str, Any]:
    descriptor = resource.frictionless_descriptor()
    if resource.format == "csv":
        # Read the file as the conversion will: frictionless would otherwise guess the separator.
        descriptor["dialect"] = {"delimiter": ",", **descriptor.get("dialect", {})}
    return descriptor


def _precheck_file(dataset: Dataset, resource: Resource, root: Path) -> list[Problem]:
    """Catch files frictionless would misread: empty, binary, badly encoded, wrong separator."""
    with resource.path.open("rb") as file:
        head = file.read(8192)
    if not head.strip():
        return [_at(dataset, resource, root, "error", "empty-file", "The file is empty.",
                    "Export the data again with its header row.")]
    if b"\x00" in head:
        return [_at(dataset, resource, root, "error", "binary-file",
                    "The file contains binary data (NUL bytes): it is not a text CSV file.",
                    "Export as CSV (File > Save as > CSV UTF-8), not as .xlsx or .ods renamed "
                    "to .csv.")]
    encoding = _check_encoding(dataset, resource, root, head)
    if encoding:
        return encoding
    declared = resource.dialect.get("delimiter", "\t" if resource.format == "tsv" else ",")
    header = head.splitlines()[0].decode(resource.encoding, errors="replace")
    if declared not in header:
        for other, name in OTHER_DELIMITERS.items():
            if other != declared and other in header:
                return [Problem(
                    "error", "wrong-delimiter",
                    f"The header is separated by {name}s ({other!r}) but the declared separator is "
                    f"{declared!r}.", dataset=dataset.slug, file=_relative(resource.path, root),
                    row=1, value=_shorten(header),
                    hint=f"Export the file with commas (CSV UTF-8), or declare the separator in "
                         f"the resource: dialect: {{delimiter: {other!r}}}.")]
    return []


def _check_encoding(dataset: Dataset, resource: Resource, root: Path, head: bytes) -> list[Problem]:
    """Decode the whole file to name the line of the first byte that is not in its encoding."""
    decoder = codecs.getincrementaldecoder(resource.encoding)()  # the name is checked by catalog
    line = 1
    with resource.path.open("rb") as file:
        while True:
            chunk = file.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data, start, stop = exc.object, exc.start, exc.end
                line += data.count(b"\n", 0, start)
                break
            if not chunk:
                return []
            line += chunk.count(b"\n")
    bad = data[start:stop]
    begin = data.rfind(b"\n", 0, start) + 1
    end = data.find(b"\n", start)
    text = data[begin:end if end >= 0 else len(data)].rstrip(b"\r")
    shown = text.decode(resource.encoding, errors="backslashreplace")
    byte = " ".join(f"0x{b:02X}" for b in bad)
    utf8 = codecs.lookup(resource.encoding).name in {"utf-8", "utf-8-sig"}
    try:
        as_cp1252 = bad.decode("cp1252")
    except UnicodeDecodeError:
        as_cp1252 = ""
    if utf8 and as_cp1252.isprintable() and head.startswith(codecs.BOM_UTF8):
        hint = (f"The file starts with a UTF-8 signature (BOM) but {byte} is {as_cp1252!r} in "
                "Windows-1252: it mixes two encodings (rows pasted from another export?). Retype "
                "those characters and save the whole file as CSV UTF-8; declaring cp1252 would not "
                "fix it.")
    elif utf8 and as_cp1252.isprintable():
        hint = (f"{byte} is {as_cp1252!r} in Windows-1252: the file was probably saved as "
                "\"CSV\" rather than \"CSV UTF-8\". Save it as CSV UTF-8 (LibreOffice: character "
                "set UTF-8), or declare its real encoding in the resource: encoding: cp1252.")
    else:
        hint = _encoding_hint(None, {}, resource)
    return [Problem("error", "encoding-error",
                    f"The file is not valid {resource.encoding}: byte {byte} on line {line} cannot "
                    f"be decoded ({_quote(_shorten(shown))}).", dataset=dataset.slug,
                    file=_relative(resource.path, root), row=line, value=_shorten(shown),
                    hint=hint)]


def _problem(dataset: Dataset, resource: Resource, error: Any, root: Path) -> Problem:
    field_name = getattr(error, "field_name", None) or None  # extra labels and cells have ""
    field = _field(resource, field_name)
    cell = getattr(error, "cell", None)
    if cell is None:
        cell = getattr(error, "label", None) or None
    if error.type == "primary-key":
        field_name, cell = _key_cells(error, resource)
    elif error.type == "foreign-key":
        field_name, cell = ", ".join(error.field_names), ", ".join(error.field_cells)
    value = None if cell is None else _shorten(str(cell))
    row = getattr(error, "row_number", None)
    if isinstance(error, frictionless.errors.LabelError):
        row = 1  # the header (conversion reads one header row, the first)
    hint = HINTS.get(error.type, _generic_hint)(error, field, resource)
    message = _message(error, field, value)
    return Problem(
        severity="error",
        code=error.type,
        message=_sentence(message),
        dataset=dataset.slug,
        file=_relative(resource.path, root),
        row=row,
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
        if "required" in (error.note or "") and not value:
            return f'The cell is empty but the column "{error.field_name}" is required'
        return f"{_quote(value or '')} breaks the rule {error.note}"
    if error.type == "unique-error":
        return (f'{_quote(value or "")} appears twice in the column "{error.field_name}", '
                f"which must be unique: {error.note}")
    if error.type == "primary-key":
        return f"The primary key ({_quote(value or '')}) is not unique: {error.note}"
    return error.message or error.note or error.title


def _key_cells(error: Any, resource: Resource) -> tuple[str | None, str | None]:
    """The primary key's columns and their values in the row (frictionless gives the row only)."""
    names = [f.get("name") for f in resource.schema.get("fields", [])]
    key = [name for name in resource.primary_key if name in names]
    cells = [error.cells[names.index(name)] if names.index(name) < len(error.cells) else ""
             for name in key]
    return (", ".join(key) or None), (", ".join(cells) if key else None)


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
        expected = {"date": "YYYY-MM-DD", "datetime": "YYYY-MM-DDThh:mm:ss",
                    "time": "hh:mm:ss"}[kind]
        if fmt not in {"default", "any"}:
            expected = f"the declared format {fmt}"
        return f"Write the {kind} as {expected}."
    if kind == "boolean":
        true = field.get("trueValues", ["true", "True", "TRUE", "1"])
        false = field.get("falseValues", ["false", "False", "FALSE", "0"])
        return f"Use one of {true} for yes and {false} for no (or declare trueValues/falseValues)."
    if kind == "year":
        return "Write the year as YYYY, e.g. 2024."
    if kind == "yearmonth":
        return "Write the month as YYYY-MM, e.g. 2024-03."
    if kind in TYPE_HINTS:
        return TYPE_HINTS[kind]
    if kind == "geopoint":
        example = {"array": "[3.06, 50.63]", "object": '{"lon": 3.06, "lat": 50.63}'}
        return (f"Write the point as {example.get(fmt, '3.06,50.63')} (longitude then latitude, "
                "in degrees, with the cell quoted in the CSV).")
    if kind == "string" and fmt in FORMAT_HINTS:
        return FORMAT_HINTS[fmt]
    return f"Write a value of type {kind}" + ("" if fmt == "default" else f" ({fmt})") + "."


TYPE_HINTS = {
    "duration": "Write the duration in ISO 8601, e.g. PT1H30M for 1 h 30 min or P2D for two days.",
    "array": 'Write a JSON array, e.g. ["a", "b"] (the cell quoted in the CSV, inner quotes '
             "doubled).",
    "object": 'Write a JSON object, e.g. {"code": "59"} (the cell quoted in the CSV, inner quotes '
              "doubled).",
}
FORMAT_HINTS = {
    "email": "Write a single e-mail address such as prenom.nom@example.org, or leave the cell "
             "empty.",
    "uri": "Write a full address starting with its scheme, e.g. https://lenord.fr/page, without "
           "spaces.",
    "uuid": "Write a UUID of 36 characters, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e.",
}


def _constraint_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    constraints = field.get("constraints", {})
    note = (error.note or "").lower()
    if "required" in note or "missing" in note:
        return "This column is required: fill in every row."
    if "enum" in note or ("enum" in constraints and "not in" in note):
        return f"Use one of the allowed values: {', '.join(map(str, constraints.get('enum', [])))}."
    if "pattern" in note:
        return f"The value must match the pattern {constraints.get('pattern')!r}."
    bounds = [text.format(constraints[k]) for k, text in BOUNDS.items() if k in constraints]
    if bounds:
        return (f"The value must be {' and '.join(bounds)}; correct it or, if the data is right, "
                "the schema.")
    return "Correct the value, or the constraint in the schema if the data is right."


BOUNDS = {
    "minimum": "at least {}",
    "exclusiveMinimum": "more than {}",
    "maximum": "at most {}",
    "exclusiveMaximum": "less than {}",
    "minLength": "at least {} characters long",
    "maxLength": "at most {} characters long",
}


def _label_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    expected = [f["name"] for f in resource.schema.get("fields", [])]
    return (f"The header must list the schema's fields in order: {', '.join(expected)}. "
            "Rename the column or update the schema.")


def _encoding_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    return (f"The file is not valid {resource.encoding}. Save it as UTF-8 "
            "(LibreOffice: Save as > CSV, character set UTF-8), or declare its real encoding, "
            "e.g. encoding: cp1252.")


def _cell_size_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    return ("A cell this long usually comes from a quote (\") that is never closed and swallows "
            "the following rows: check the quotes from this row on. Long texts belong in a "
            "separate document, linked from the cell.")


def _generic_hint(error: Any, field: Mapping[str, Any], resource: Resource) -> str:
    return GENERIC_HINTS.get(error.type,
                             "Correct the file and run `python build.py validate` again.")


HINTS: dict[str, Callable[[Any, Mapping[str, Any], Resource], str]] = {
    "type-error": _type_hint,
    "constraint-error": _constraint_hint,
    "missing-label": _label_hint,
    "incorrect-label": _label_hint,
    "extra-label": _label_hint,
    "encoding-error": _encoding_hint,
    "cell-too-large": _cell_size_hint,
}

GENERIC_HINTS = {
    "duplicate-label": "Two columns have the same name: rename one of them.",
    "blank-label": "A column has no name in the header: name it as in the schema.",
    "unique-error": "This value must be unique in the column: remove the duplicate row or fix "
                    "the value.",
    "primary-key": "Each row must have a distinct primary key: remove the duplicate row or fix "
                   "the key.",
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
