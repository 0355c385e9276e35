"""The `custom_checks` of national schemas, run by the site on a resource's typed table.

National schemas (SCDL and others on schema.data.gouv.fr) declare, besides Table Schema,
checks that only the national validator Validata runs:

    "custom_checks": [{"name": "french-siret-value", "params": {"column": "idAttribuant"}}, …]

The site runs those in CHECKS, each as its own code over whole columns (no Validata, no
network), and lists the others as not checked. A failure is one Finding per row, which
`problems()` turns into build errors located like validation's: file, row (header = 1),
column, value and a fix.

Supported, with their params:
  french-siret-value {column}            14 digits, Luhn key (and the SIREN's); La Poste's rule
  french-siren-value {column}            9 digits, Luhn key
  phone-number-value {column}            a French phone number (or international form)
  french-gps-coordinates {column}        a geopoint in France (metropolitan or overseas);
                         {latitude, longitude}   (the site's own form: two number columns)
  one-of-required {column1, column2}     at least one of the two filled in
  cohesive-columns-value {column, othercolumns}   all filled in or all empty
  compare-columns-value {column, op, column2}     column op column2 (>, >=, ==, <=, <)
  sum-columns-value {column, columns}    column = the sum of columns
  year-interval-value {column, allow-year-only}   AAAA/AAAA, increasing (or AAAA if allowed)
  nomenclature-actes-value {column}      "Matière/…", the matter from the ACTES nomenclature
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from pipeline.national.identifiers import (
    parse_geopoint,
    phone_valid,
    place_in_france,
    siren_valid,
    siret_problem,
    siret_valid,
)

MAX_FINDINGS = 1000  # per check and resource: beyond, the column is clearly wrong as a whole


@dataclass(frozen=True)
class Finding:
    """One row that fails a check. `index` counts data rows from 0."""

    index: int
    field: str
    value: str
    message: str  # English, for the build report

    @property
    def row(self) -> int:
        """The row as validation numbers them: the header is row 1."""
        return self.index + 2


@dataclass(frozen=True)
class CheckResult:
    """A custom check the site ran."""

    name: str
    columns: tuple[str, ...]
    label: str  # French, for the page
    hint: str  # English, for the build report
    findings: tuple[Finding, ...]
    failures: int  # all failing rows (findings stop at MAX_FINDINGS)

    @property
    def passed(self) -> bool:
        return self.failures == 0


@dataclass(frozen=True)
class NotRun:
    """A custom check the site did not run, and why."""

    name: str
    columns: tuple[str, ...]
    reason: str  # French, for the page
    english: str  # for the build report's note

    @property
    def label(self) -> str:
        where = f" ({_names(self.columns)})" if self.columns else ""
        return f"contrôle « {self.name} »{where} : {self.reason}"


class Columns:
    """A typed table's columns as Python values, read once each."""

    def __init__(self, table: pa.Table, schema: Mapping[str, Any]) -> None:
        self.table = table
        self.names = set(table.column_names)
        self.fields = {f.get("name"): f for f in schema.get("fields") or () if isinstance(f, Mapping)}
        self._values: dict[str, list[Any]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return self.table.num_rows

    def values(self, name: str) -> list[Any]:
        if name not in self._values:
            self._values[name] = self.table.column(name).to_pylist()
        return self._values[name]

    def texts(self, name: str) -> list[str | None]:
        return [text(v) for v in self.values(name)]


def text(value: Any) -> str | None:
    """A cell as text, None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    shown = str(value).strip()
    return shown or None


@dataclass(frozen=True)
class Check:
    """One custom check: the columns it reads, its page label, its hint, its code."""

    name: str
    columns: Callable[[Mapping[str, Any]], tuple[str, ...]]
    label: Callable[[Mapping[str, Any]], str]
    hint: Callable[[Mapping[str, Any]], str]
    run: Callable[[Columns, Mapping[str, Any]], Iterable[Finding]]
    # Columns that may be absent (counted as empty) rather than making the check impossible.
    optional_columns: bool = False


def _column(params: Mapping[str, Any]) -> tuple[str, ...]:
    return (str(params["column"]),) if params.get("column") else ()


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f"« {c} »" for c in columns)


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


# --- identifiers ------------------------------------------------------------------------------


def _siret(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    name = str(params["column"])
    texts = columns.texts(name)
    filled = [(i, v) for i, v in enumerate(texts) if v is not None]
    valid = siret_valid([v for _, v in filled])
    for (index, value), ok in zip(filled, valid, strict=True):
        if not ok:
            yield Finding(index, name, value, f'"{value}" is not a valid SIRET: {siret_problem(value)}.')


def _siren(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    name = str(params["column"])
    filled = [(i, v) for i, v in enumerate(columns.texts(name)) if v is not None]
    valid = siren_valid([v for _, v in filled])
    for (index, value), ok in zip(filled, valid, strict=True):
        if not ok:
            why = ("a SIREN is 9 digits, without spaces or letters" if not re.fullmatch(r"\d{9}", value)
                   else "its check digit (Luhn key) is wrong")
            yield Finding(index, name, value, f'"{value}" is not a valid SIREN: {why}.')


SIRET_HINT = ("Copy the number from the Sirene directory (https://annuaire-entreprises.data.gouv.fr): "
              "14 digits, the SIREN (9) then the NIC (5), without spaces; one mistyped or two swapped "
              "digits break the key.")


def _phone(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    name = str(params["column"])
    for index, value in enumerate(columns.texts(name)):
        if value is not None and not phone_valid(value):
            yield Finding(index, name, value, f'"{value}" is not a valid phone number.')


def _gps(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    if params.get("column"):
        name = str(params["column"])
        fmt = str(columns.fields.get(name, {}).get("format", "default"))
        points = [None if v is None else (parse_geopoint(v, fmt), text(v))
                  for v in columns.values(name)]
        field = name
    else:
        lat, lon = str(params["latitude"]), str(params["longitude"])
        points = []
        for y, x in zip(columns.values(lat), columns.values(lon), strict=True):
            if y is None or x is None:
                points.append(None)
                continue
            try:
                points.append(((float(x), float(y)), f"{text(y)}, {text(x)}"))
            except (TypeError, ValueError):
                points.append((None, f"{text(y)}, {text(x)}"))
        field = f"{lat}, {lon}"
    for index, point in enumerate(points):
        if point is None:
            continue
        coordinates, shown = point
        if coordinates is None:
            yield Finding(index, field, shown or "", f'"{shown}" cannot be read as coordinates.')
            continue
        lon_value, lat_value = coordinates
        if place_in_france(lon_value, lat_value):
            continue
        if place_in_france(lat_value, lon_value):
            yield Finding(index, field, shown or "",
                          f'The point "{shown}" is in France only with longitude and latitude '
                          "swapped.")
        else:
            yield Finding(index, field, shown or "",
                          f'The point "{shown}" (longitude {lon_value}, latitude {lat_value}) is '
                          "not in France, metropolitan or overseas.")


def _gps_columns(params: Mapping[str, Any]) -> tuple[str, ...]:
    if params.get("column"):
        return (str(params["column"]),)
    if params.get("latitude") and params.get("longitude"):
        return (str(params["latitude"]), str(params["longitude"]))
    return ()


# --- between columns --------------------------------------------------------------------------


def _one_of(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    names = _pair(params)
    present = [n for n in names if n in columns]
    texts = [columns.texts(n) for n in present]
    for index in range(len(columns)):
        if all(values[index] is None for values in texts):
            yield Finding(index, ", ".join(names), "",
                          f"Both {_quoted(names)} are empty: at least one must be filled in.")


def _pair(params: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(params[k]) for k in ("column1", "column2") if params.get(k))


def _cohesive(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    names = _cohesive_columns(params)
    texts = [columns.texts(n) for n in names]
    for index in range(len(columns)):
        cells = [values[index] for values in texts]
        filled = [c is not None for c in cells]
        if any(filled) and not all(filled):
            shown = "; ".join(f"{n}={c if c is not None else '(empty)'}" for n, c in zip(names, cells,
                                                                                         strict=True))
            empty = [n for n, c in zip(names, cells, strict=True) if c is None]
            yield Finding(index, ", ".join(names), shown,
                          f"{_quoted(empty)} {'is' if len(empty) == 1 else 'are'} empty while other "
                          f"columns of {_quoted(names)} are filled in: all or none.")


def _cohesive_columns(params: Mapping[str, Any]) -> tuple[str, ...]:
    others = params.get("othercolumns") or ()
    if isinstance(others, str):
        others = (others,)
    return (*_column(params), *(str(o) for o in others))


OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    ">": (operator.gt, "supérieure à"),
    ">=": (operator.ge, "supérieure ou égale à"),
    "==": (operator.eq, "égale à"),
    "<=": (operator.le, "inférieure ou égale à"),
    "<": (operator.lt, "inférieure à"),
}


def _comparable(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return "number", value
    if isinstance(value, datetime):
        return "datetime", value
    if isinstance(value, date):
        return "date", value
    stripped = str(value).strip()
    if not stripped:
        return None
    try:
        return "number", float(stripped)
    except ValueError:
        pass
    try:
        return "date", date.fromisoformat(stripped)
    except ValueError:
        return "text", stripped


def _compare(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    first, second, op = str(params["column"]), str(params["column2"]), str(params["op"])
    test = OPERATORS[op][0]
    for index, (a, b) in enumerate(zip(columns.values(first), columns.values(second), strict=True)):
        left, right = _comparable(a), _comparable(b)
        if left is None or right is None:
            continue
        field = f"{first}, {second}"
        shown = f"{first}={text(a)}; {second}={text(b)}"
        if left[0] != right[0]:
            yield Finding(index, field, shown, f"{first} ({text(a)}) cannot be compared with "
                                               f"{second} ({text(b)}).")
        elif not test(left[1], right[1]):
            yield Finding(index, field, shown,
                          f"{first} ({text(a)}) should be {op} {second} ({text(b)}).")


def _sum(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    total_name = str(params["column"])
    parts = tuple(str(c) for c in params.get("columns") or ())
    totals = columns.values(total_name)
    values = [columns.values(c) for c in parts]
    for index, total in enumerate(totals):
        cells = [v[index] for v in values]
        if total is None or any(c is None for c in cells):
            continue  # checked only when the total and every part are filled in
        numbers = [_comparable(c) for c in (total, *cells)]
        if any(n is None or n[0] != "number" for n in numbers):
            continue  # not numbers: the column types say so already
        computed = sum(n[1] for n in numbers[1:])  # type: ignore[index]
        if not math.isclose(computed, numbers[0][1], rel_tol=0, abs_tol=1e-6):  # type: ignore[index]
            shown = f"{total_name}={text(total)}; " + "; ".join(
                f"{c}={text(v)}" for c, v in zip(parts, cells, strict=True))
            yield Finding(index, ", ".join((total_name, *parts)), shown,
                          f"{total_name} is {text(total)} but {' + '.join(parts)} = "
                          f"{text(computed)}.")


# --- formats ----------------------------------------------------------------------------------

YEARS = re.compile(r"(\d{4})/(\d{4})")


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"yes", "oui", "true", "1"}


def _years(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    name = str(params["column"])
    year_only = _truthy(params.get("allow-year-only", False))
    for index, value in enumerate(columns.texts(name)):
        if value is None or (year_only and re.fullmatch(r"\d{4}", value)):
            continue
        match = YEARS.fullmatch(value)
        if match is None:
            expected = "a year (YYYY) or a period (YYYY/YYYY)" if year_only else "a period YYYY/YYYY"
            yield Finding(index, name, value, f'"{value}" is not {expected}.')
        elif match[1] >= match[2]:
            yield Finding(index, name, value,
                          f'"{value}" is not a period: the second year must come after the first.')


# The matters of the ACTES nomenclature (transmission of acts to the préfecture): the part
# before "/" of DELIB_MATIERE_NOM, compared without case or accents.
ACTES_MATTERS = (
    "Commande publique", "Urbanisme", "Domaine et patrimoine", "Fonction publique",
    "Institutions et vie politique", "Libertés publiques et pouvoirs de police",
    "Finances locales", "Domaines de compétences par thèmes", "Autres domaines de compétences",
)


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value.strip().lower())
    return " ".join("".join(c for c in decomposed if unicodedata.category(c) != "Mn").split())


_MATTERS = {_fold(m) for m in ACTES_MATTERS}


def _nomenclature(columns: Columns, params: Mapping[str, Any]) -> Iterator[Finding]:
    name = str(params["column"])
    for index, value in enumerate(columns.texts(name)):
        if value is None:
            continue
        if "/" not in value:
            yield Finding(index, name, value, f'"{value}" has no "/" between the matter and the '
                                              "sub-matter of the ACTES nomenclature.")
        elif _fold(value.split("/", 1)[0]) not in _MATTERS:
            yield Finding(index, name, value, f'"{value.split("/", 1)[0]}" is not a matter of the '
                                              "ACTES nomenclature.")


CHECKS: dict[str, Check] = {check.name: check for check in (
    Check("french-siret-value", _column,
          lambda p: "numéros SIRET valides (clé de Luhn, et règle propre à La Poste) dans la "
                    f"colonne {_names(_column(p))}",
          lambda p: SIRET_HINT, _siret),
    Check("french-siren-value", _column,
          lambda p: f"numéros SIREN valides (clé de Luhn) dans la colonne {_names(_column(p))}",
          lambda p: SIRET_HINT.replace("14 digits, the SIREN (9) then the NIC (5)", "9 digits"),
          _siren),
    Check("phone-number-value", _column,
          lambda p: f"numéros de téléphone valides dans la colonne {_names(_column(p))}",
          lambda p: "Write a French number of 10 digits (03 20 63 59 59), or in international form "
                    "(+33 3 20 63 59 59), or a short number (3949).", _phone),
    Check("french-gps-coordinates", _gps_columns,
          lambda p: f"coordonnées GPS situées en France, métropole ou outre-mer ({_names(_gps_columns(p))})",
          lambda p: "Give longitude and latitude in decimal degrees, WGS84 (Lille: longitude 3.06, "
                    "latitude 50.63), in the order the schema asks; check that they are not swapped.",
          _gps),
    Check("one-of-required", _pair,
          lambda p: f"au moins une des colonnes {_names(_pair(p))} renseignée",
          lambda p: f"Fill in at least one of {_quoted(_pair(p))} (for a grant: the beneficiary's SIRET, "
                    "or the RNA number W… of an association without SIRET)."
                    if set(_pair(p)) == {"idBeneficiaire", "rnaBeneficiaire"}
                    else f"Fill in at least one of {_quoted(_pair(p))}.",
          _one_of, optional_columns=True),
    Check("cohesive-columns-value", _cohesive_columns,
          lambda p: f"colonnes {_names(_cohesive_columns(p))} toutes renseignées ou toutes vides",
          lambda p: f"Fill in all of {_quoted(_cohesive_columns(p))}, or leave them all empty.",
          _cohesive),
    Check("compare-columns-value",
          lambda p: tuple(str(p[k]) for k in ("column", "column2") if p.get(k)),
          lambda p: f"« {p.get('column')} » {OPERATORS[str(p.get('op'))][1]} « {p.get('column2')} »",
          lambda p: f"{p.get('column')} must be {p.get('op')} {p.get('column2')}: correct one of "
                    "the two values.", _compare),
    Check("sum-columns-value",
          lambda p: (*_column(p), *(str(c) for c in p.get("columns") or ())),
          lambda p: f"« {p.get('column')} » égale à la somme de "
                    f"{_names([str(c) for c in p.get('columns') or ()])}",
          lambda p: f"{p.get('column')} must equal {' + '.join(map(str, p.get('columns') or ()))}: "
                    "correct the total or one of its parts.", _sum),
    Check("year-interval-value", _column,
          lambda p: f"année{' ou période' if _truthy(p.get('allow-year-only')) else ''} d'années "
                    f"AAAA/AAAA croissante dans la colonne {_names(_column(p))}",
          lambda p: "Write a period of two different years, the earlier first (2023/2024)"
                    + (", or a single year (2024)." if _truthy(p.get("allow-year-only")) else "."),
          _years),
    Check("nomenclature-actes-value", _column,
          lambda p: f"matière de la nomenclature des actes (ACTES) dans la colonne {_names(_column(p))}",
          lambda p: "Start with a matter of the ACTES nomenclature, then '/', e.g. "
                    "\"Finances locales/Subventions\"; the matters are: " + ", ".join(ACTES_MATTERS) + ".",
          _nomenclature),
)}


def _params_problem(name: str, params: Mapping[str, Any]) -> str | None:
    """What is missing from a supported check's params, in French (None: they are complete)."""
    if name == "french-gps-coordinates":
        return None if _gps_columns(params) else "paramètres incomplets (column, ou latitude et longitude)"
    if name in {"one-of-required"}:
        return None if len(_pair(params)) == 2 else "paramètres incomplets (column1 et column2)"
    if not params.get("column"):
        return "paramètre column manquant"
    if name == "compare-columns-value" and (not params.get("column2") or params.get("op") not in OPERATORS):
        return "paramètres column2 ou op manquants ou inconnus"
    if name == "sum-columns-value" and not params.get("columns"):
        return "paramètre columns manquant"
    if name == "cohesive-columns-value" and not params.get("othercolumns"):
        return "paramètre othercolumns manquant"
    return None


def declared_checks(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(name, params) of each entry of the schema's custom_checks, malformed ones named "?"."""
    declared = schema.get("custom_checks") or ()
    if not isinstance(declared, list):
        return [("?", {})]
    entries = []
    for entry in declared:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            params = entry.get("params") or {}
            entries.append((entry["name"], params if isinstance(params, Mapping) else {}))
        else:
            entries.append(("?", {}))
    return entries


def run_custom_checks(schema: Mapping[str, Any], table: pa.Table) -> tuple[list[CheckResult], list[NotRun]]:
    """Run the schema's custom checks the site supports on the typed table; list the others."""
    columns = Columns(table, schema)
    done: list[CheckResult] = []
    not_run: list[NotRun] = []
    for name, params in declared_checks(schema):
        check = CHECKS.get(name)
        if check is None:
            reason = ("entrée de custom_checks illisible" if name == "?"
                      else "contrôle propre au validateur national, que ce site ne sait pas faire")
            english = ("an unreadable entry of custom_checks" if name == "?"
                       else f"custom check {name!r}, run only by the national validator")
            not_run.append(NotRun(name, _any_columns(params), reason, english))
            continue
        problem = _params_problem(name, params)
        if problem:
            not_run.append(NotRun(name, _any_columns(params), problem,
                                  f"custom check {name!r} with incomplete params {dict(params)}"))
            continue
        wanted = check.columns(params)
        missing = [c for c in wanted if c not in columns]
        if missing and (not check.optional_columns or len(missing) == len(wanted)):
            not_run.append(NotRun(name, wanted, f"colonne {_names(missing)} absente du fichier",
                                  f"custom check {name!r}: column {_quoted(missing)} is not in the file"))
            continue
        findings: list[Finding] = []
        failures = 0
        for finding in check.run(columns, params):
            failures += 1
            if len(findings) < MAX_FINDINGS:
                findings.append(finding)
        done.append(CheckResult(name, wanted, check.label(params), check.hint(params),
                                tuple(findings), failures))
    return done, not_run


def _any_columns(params: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for key in ("column", "column1", "column2", "latitude", "longitude"):
        if isinstance(params.get(key), str):
            names.append(params[key])
    for key in ("columns", "othercolumns"):
        value = params.get(key)
        if isinstance(value, list):
            names.extend(str(v) for v in value)
    return tuple(names)
