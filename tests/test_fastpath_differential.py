"""The fast path finds exactly the errors frictionless finds (differential tests).

Hypothesis generates Table Schemas and CSV files, valid and broken in every way the fast
path covers (types and formats, missing values, constraints, unique, primary and foreign
keys, header labels, blank rows, extra and missing cells, dialect details), validates
each with frictionless and with the fast path, and compares every error: type, row,
field, cell, note and message, in order, cut at the error limit. The fixed corpus of
tests/fastpath_corpus/ holds the tricky cases by name; each says whether the fast path
must handle it or leave it to frictionless.
"""

from __future__ import annotations

import csv
import io
import json
import string
import tempfile
from pathlib import Path
from typing import Any

import frictionless
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline import fastpath
from pipeline.validate import ERROR_LIMIT, MAX_CELL_CHARS, PACKAGE_V2, _cell_size_error, _CellSize

CORPUS = Path(__file__).parent / "fastpath_corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
# Reasons a generated file may be left to frictionless; anything else is a gap.
EXPECTED_FALLBACKS = ("a quote is never closed", "empty lines in a table", "spaces after the delimiter",
                      "an integer beyond 64 bits",
                      "frictionless takes row", "the file does not start with a header")
SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large]


# Running both


def run_frictionless(folder: Path, resources: list[dict], *, v2: bool = False,
                     limit: int = ERROR_LIMIT) -> Any:
    package = frictionless.Package(_descriptor(resources, v2), basepath=str(folder))
    try:
        report = package.validate(frictionless.Checklist(checks=[_CellSize()]), limit_errors=limit)
    except Exception as exc:
        return ("raises", type(exc).__name__, str(exc))
    return ([(task.name, [_error(e) for e in task.errors],
              None if task.errors else task.stats.get("rows") or 0) for task in report.tasks],
            [_error(e) for e in report.errors])


def run_fast(folder: Path, resources: list[dict], *, v2: bool = False, limit: int = ERROR_LIMIT,
             block_size: int = fastpath.BLOCK_SIZE) -> tuple[Any, list[str | None], list[Any]]:
    """The fast path's result (same shape as run_frictionless), its fallbacks, its tables."""
    package = frictionless.Package(_descriptor(resources, v2), basepath=str(folder))
    try:
        result = fastpath.validate_package(
            package, frictionless.Checklist(checks=[_CellSize()]), error_limit=limit,
            max_cell_chars=MAX_CELL_CHARS, cell_size_error=_cell_size_error, keep_typed=True,
            block_size=block_size)
    except Exception as exc:
        return ("raises", type(exc).__name__, str(exc)), [], []
    shaped = ([(task.name, [_error(e) for e in task.errors], None if task.errors else task.rows)
               for task in result.tasks], [_error(e) for e in result.errors])
    return shaped, [task.fallback for task in result.tasks], [task.table for task in result.tasks]


def assert_same(folder: Path, resources: list[dict], *, v2: bool = False, limit: int = ERROR_LIMIT,
                must_be_fast: bool | None = None, block_size: int = fastpath.BLOCK_SIZE
                ) -> list[str | None]:
    """Both agree; returns the fast path's fallback reasons (None: it validated)."""
    slow = run_frictionless(folder, resources, v2=v2, limit=limit)
    fast, fallbacks, _tables = run_fast(folder, resources, v2=v2, limit=limit, block_size=block_size)
    assert fast == slow, _explain(folder, resources, slow, fast)
    for reason in fallbacks:
        assert reason is None or not reason.startswith("the fast path failed"), reason
    if must_be_fast is True:
        assert fallbacks and all(r is None for r in fallbacks), fallbacks
    if must_be_fast is False:
        assert any(r is not None for r in fallbacks), fallbacks
    return fallbacks


def _descriptor(resources: list[dict], v2: bool) -> dict:
    out: list[dict] = []
    for resource in resources:
        item = {"format": "csv", "encoding": "utf-8", **resource}
        if item["format"] == "csv":  # as pipeline.validate._descriptor
            item["dialect"] = {"delimiter": ",", **item.get("dialect", {})}
        out.append(item)
    descriptor: dict = {"name": "case", "resources": out}
    if v2:
        descriptor["$schema"] = PACKAGE_V2
    return descriptor


def _error(error: Any) -> dict:
    described = error.to_descriptor()
    described.pop("cells", None)  # a documented difference, unused by reports
    return described


def _explain(folder: Path, resources: list[dict], slow: Any, fast: Any) -> str:
    files = {p.name: p.read_bytes()[:2000] for p in folder.iterdir() if p.is_file()}
    return (f"\nresources: {json.dumps(resources, ensure_ascii=False)}\nfiles: {files}\n"
            f"frictionless: {slow}\nfast path:    {fast}")


# The fixed corpus


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case: str) -> None:
    folder = CORPUS / case
    spec = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    if spec.get("raises"):  # frictionless raises, and so does the fast path (compared)
        assert run_frictionless(folder, spec["resources"])[0] == "raises"
    assert_same(folder, spec["resources"], v2=spec.get("v2", False),
                limit=spec.get("error_limit", ERROR_LIMIT),
                must_be_fast=None if spec.get("raises") else spec.get("fast", True))


def test_corpus_covers_the_tricky_cases() -> None:
    assert len(CASES) >= 20


# Generated schemas and files

NAMES = st.sampled_from(["id", "code", "montant", "date", "nom", "taux", "actif", "annee",
                         "mois", "heure", "duree", "point", "liste", "objet", "x", "y"])
JUNK = ["", " ", "x", "NA", "-", "N/A", "null", "None", "NaN", "nan", "sNaN", "INF", "-inf",
        "Infinity", "1_000", "+5", " 12 ", "12 ", "٣", "1e3", "1E+3", ".5", "5.", "0x10", "007",
        "1,5", "1.5", "1 000,5", "1\u202f000,5", "12 €", "€ 12", "-0", "true", "True", "TRUE",
        "tRuE", "oui", "Oui", "1", "0", "yes", "2024-03-01", "2024-3-1", "01/03/2024",
        "2024-03-01T10:30:00", "2024-03-01 10:30:00", "2024-03-01T10:30:00Z",
        "2024-03-01T10:30:00+01:00", "2024-03-01T24:00:00", "10:30:00", "10:30", "24:00:00",
        "2024", "0000", "999", "2024-03", "2024-13", "P1D", "PT1H30M", "1h30", "3.06,50.63",
        "200,100", "[3.06, 50.63]", '{"lon": 3.06, "lat": 50.63}', "[1, 2]", "[]", "{}",
        '{"a": 1}', "a@b.org", "a.b@example.org", "not an email", "https://lenord.fr",
        "lenord.fr", "0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E",
        "{0f8fad5b-d9cb-469f-a165-70867728950e}", "59350", "5935", "62001", "é", "a\nb", "x,y",
        'say "hi"', "99999999999999999999", "-9223372036854775808", "9223372036854775808"]


def _digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(str)


TYPED = {
    "integer": st.one_of(_digits(-10**6, 10**6), _digits(0, 20), st.sampled_from(JUNK)),
    "number": st.one_of(st.decimals(-10**6, 10**6, places=3, allow_nan=False).map(str),
                        st.floats(allow_nan=True, allow_infinity=True).map(repr),
                        _digits(-50, 50), st.sampled_from(JUNK)),
    "boolean": st.sampled_from(["true", "false", "True", "FALSE", "1", "0", "oui", "non", "OUI",
                                "vrai", "", "x"]),
    "date": st.one_of(st.dates().map(lambda d: d.isoformat()),
                      st.dates().map(lambda d: d.strftime("%d/%m/%Y")), st.sampled_from(JUNK)),
    "datetime": st.one_of(st.datetimes().map(lambda d: d.isoformat(timespec="seconds")),
                          st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="seconds")),
                          st.datetimes().map(lambda d: d.isoformat()),
                          st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z"),
                          st.datetimes().map(lambda d: d.strftime("%d/%m/%Y %H:%M")),
                          st.sampled_from(JUNK)),
    "time": st.one_of(st.times().map(lambda t: t.isoformat(timespec="seconds")),
                      st.times().map(lambda t: t.isoformat()), st.sampled_from(JUNK)),
    "year": st.one_of(_digits(0, 9999), st.integers(0, 9999).map(lambda y: f"{y:04d}"),
                      st.sampled_from(JUNK)),
    "yearmonth": st.one_of(st.tuples(st.integers(0, 9999), st.integers(0, 13))
                           .map(lambda t: f"{t[0]:04d}-{t[1]:02d}"), st.sampled_from(JUNK)),
    "string": st.one_of(st.text(max_size=8), st.sampled_from(JUNK),
                        st.from_regex(r"59[0-9]{3}", fullmatch=True)),
    "any": st.one_of(st.text(max_size=6), st.sampled_from(JUNK)),
    "duration": st.sampled_from(["P1D", "PT1H30M", "P1Y2M3DT4H5M6S", "1h30", "", "PT", "P"]),
    "geopoint": st.one_of(st.tuples(st.integers(-200, 200), st.integers(-100, 100))
                          .map(lambda t: f"{t[0]},{t[1]}"), st.sampled_from(JUNK)),
    "array": st.sampled_from(["[1, 2]", "[]", '["a"]', "{}", "x", "", "[1,", '["é", null]']),
    "object": st.sampled_from(['{"a": 1}', "{}", "[]", "x", "", '{"lon": 3}']),
}
FORMATS = {
    "string": ["default", "email", "uri", "uuid"],
    "date": ["default", "any", "%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"],
    "datetime": ["default", "any", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S"],
    "time": ["default", "any", "%H:%M"],
    "geopoint": ["default", "array", "object"],
}
BOUNDS = {
    "integer": st.integers(-1000, 1000),
    "number": st.one_of(st.integers(-1000, 1000), st.floats(-1000, 1000).map(lambda f: round(f, 3))),
    "date": st.dates().map(lambda d: d.isoformat()),
    "year": st.integers(1900, 2100),
    "yearmonth": st.sampled_from(["2000-01", "2024-06"]),
    "datetime": st.datetimes().map(lambda d: d.isoformat(timespec="seconds")),
    "time": st.times().map(lambda t: t.isoformat(timespec="seconds")),
}


@st.composite
def fields(draw: st.DrawFn, name: str, *, v2: bool) -> dict:
    kind = draw(st.sampled_from(sorted(TYPED)))
    field: dict[str, Any] = {"name": name, "type": kind}
    if kind in FORMATS and draw(st.booleans()):
        field["format"] = draw(st.sampled_from(FORMATS[kind]))
    if kind == "number":
        options = draw(st.sampled_from(["", "fr", "comma", "bare", "dot-group"]))
        field.update({"fr": {"decimalChar": ",", "groupChar": " "}, "comma": {"decimalChar": ","},
                      "bare": {"bareNumber": False}, "dot-group": {"groupChar": ","}}.get(options, {}))
    if kind == "integer" and draw(st.booleans()):
        field["bareNumber"] = False
    if kind == "boolean" and draw(st.booleans()):
        field["trueValues"] = draw(st.sampled_from([["oui"], ["oui", "OUI", "1"], ["vrai", "true"]]))
        field["falseValues"] = draw(st.sampled_from([["non"], ["non", "NON", "0"], ["faux"]]))
    constraints: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        constraints["required"] = True
    if draw(st.integers(0, 4)) == 0:
        constraints["unique"] = True
    if kind in BOUNDS and draw(st.booleans()):
        names = ["minimum", "maximum"] + (["exclusiveMinimum", "exclusiveMaximum"] if v2 else [])
        for bound in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
            constraints[bound] = draw(BOUNDS[kind])
    if kind == "string" and draw(st.booleans()):
        choice = draw(st.sampled_from(["minLength", "maxLength", "pattern", "both"]))
        if choice in {"minLength", "both"}:
            constraints["minLength"] = draw(st.integers(0, 4))
        if choice in {"maxLength", "both"}:
            constraints["maxLength"] = draw(st.integers(0, 6))
        if choice == "pattern":
            constraints["pattern"] = draw(st.sampled_from(
                ["59[0-9]{3}", r"\d+", "[a-z]*", r"\w+", "a|b", ".", r"(?i)x", "[^,]+", r"\S+"]))
    if kind in {"array", "object"} and draw(st.booleans()):
        constraints[draw(st.sampled_from(["minLength", "maxLength"]))] = draw(st.integers(0, 2))
    enumerable = {"string", "integer", "boolean", "date", "number", "year", "any"}
    if kind in enumerable and draw(st.integers(0, 4)) == 0:
        constraints["enum"] = draw(st.lists(TYPED[kind], min_size=1, max_size=3, unique=True))
    if constraints:
        field["constraints"] = constraints
    return field


def _cell(draw: st.DrawFn, field: dict, pool: list[str]) -> str:
    if pool and draw(st.booleans()):
        return draw(st.sampled_from(pool))
    return draw(TYPED[field["type"]])


@st.composite
def tables(draw: st.DrawFn, max_rows: int = 12) -> tuple[list[dict], dict[str, bytes], bool]:
    """(resources, files, v2): a main table, sometimes a referenced one."""
    v2 = draw(st.booleans())
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    schema_fields = [draw(fields(name, v2=v2)) for name in names]
    schema: dict[str, Any] = {"fields": schema_fields}
    if draw(st.booleans()):
        schema["missingValues"] = draw(st.sampled_from([[""], ["", "NA"], ["NA", "-"], [], ["", " "]]))
    pools = {f["name"]: draw(st.lists(TYPED[f["type"]], min_size=1, max_size=3)) for f in schema_fields}
    if draw(st.integers(0, 2)) == 0:
        schema["primaryKey"] = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    resources = [{"name": "main", "path": "main.csv", "schema": schema}]
    files: dict[str, bytes] = {}
    if draw(st.integers(0, 3)) == 0:
        target = draw(st.sampled_from(schema_fields))
        ref_field = {"name": "ref_" + target["name"], "type": target["type"],
                     **{k: v for k, v in target.items() if k in {"format", "decimalChar", "trueValues",
                                                                  "falseValues"}}}
        ref_rows = [[draw(st.sampled_from(pools[target["name"]]))] for _ in range(draw(st.integers(0, 4)))]
        files["ref.csv"] = _csv([ref_field["name"]], ref_rows, "\n")
        resources.append({"name": "ref", "path": "ref.csv", "schema": {"fields": [ref_field]}})
        reference = draw(st.sampled_from(["ref", "", "main"]))
        ref_name = target["name"] if reference in {"", "main"} else ref_field["name"]
        schema["foreignKeys"] = [{"fields": [target["name"]],
                                  "reference": {"resource": reference, "fields": [ref_name]}}]
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        row = [_cell(draw, f, pools[f["name"]]) for f in schema_fields]
        shape = draw(st.integers(0, 14))
        if shape == 0:
            row = row[:draw(st.integers(0, len(row)))]  # missing cells
        elif shape == 1:
            row = [*row, *[draw(TYPED["string"]) for _ in range(draw(st.integers(1, 2)))]]  # extra cells
        elif shape == 2:
            row = [""] * len(row)  # a blank row
        rows.append(row)
    header = [f["name"] for f in schema_fields]
    mutation = draw(st.integers(0, 9))
    if mutation == 0:
        header = [*header, "extra"]
    elif mutation == 1 and len(header) > 1:
        header = header[:-1]
    elif mutation == 2:
        header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(["", "renamed", header[0]]))
    elif mutation == 3:
        header = [f" {h} " for h in header]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    data = _csv(header, rows, eol, quote_all=draw(st.integers(0, 4)) == 0)
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(eol.encode(), (eol + eol).encode(), 1)  # an empty line after the header
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    files["main.csv"] = data
    return resources, files, v2


def _csv(header: list[str], rows: list[list[str]], eol: str, quote_all: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=eol, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _check(resources: list[dict], files: dict[str, bytes], v2: bool, limit: int = ERROR_LIMIT,
           block_size: int = fastpath.BLOCK_SIZE) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        fallbacks = assert_same(folder, resources, v2=v2, limit=limit, block_size=block_size)
        for reason in fallbacks:
            assert reason is None or reason.startswith(EXPECTED_FALLBACKS), reason
            event("fallback: " + reason if reason else "fast path")
        if not fallbacks:
            event("invalid metadata")


@settings(max_examples=600, deadline=None, suppress_health_check=SUPPRESSED)
@given(tables())
def test_generated_tables_agree(table: tuple[list[dict], dict[str, bytes], bool]) -> None:
    _check(*table)


@settings(max_examples=150, deadline=None, suppress_health_check=SUPPRESSED)
@given(tables(), st.integers(1, 6))
def test_the_error_limit_cuts_at_the_same_error(table: tuple, limit: int) -> None:
    _check(*table, limit=limit)


@settings(max_examples=150, deadline=None, suppress_health_check=SUPPRESSED)
@given(tables(max_rows=60), st.integers(16, 400))
def test_batch_boundaries_change_nothing(table: tuple, block_size: int) -> None:
    """Many small batches: rows, ragged rows and keys cross batch boundaries."""
    _check(*table, block_size=block_size)


@st.composite
def messy_csv(draw: st.DrawFn) -> tuple[list[dict], dict[str, bytes], bool]:
    """Quotes, line breaks and delimiters in unexpected places: the reader's edge cases."""
    width = draw(st.integers(1, 4))
    alphabet = st.sampled_from(['a', '1', ' ', '"', ',', '\n', '\r', '\r\n', 'é', ';', '""'])
    pieces = draw(st.lists(st.lists(alphabet, max_size=6).map("".join), max_size=10))
    header = ",".join(f"c{i}" for i in range(width))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    body = eol.join(pieces)
    data = (header + eol + body + (eol if draw(st.booleans()) else "")).encode("utf-8")
    schema = {"fields": [{"name": f"c{i}", "type": draw(st.sampled_from(["string", "integer"]))}
                         for i in range(width)]}
    if draw(st.booleans()):
        schema["missingValues"] = ["NA"]
    return [{"name": "main", "path": "main.csv", "schema": schema}], {"main.csv": data}, False


@settings(max_examples=300, deadline=None, suppress_health_check=SUPPRESSED)
@given(messy_csv())
def test_messy_csv_agrees(table: tuple) -> None:
    _check(*table)


@settings(max_examples=80, deadline=None, suppress_health_check=SUPPRESSED)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(string.ascii_lowercase)), max_size=30),
       st.booleans())
def test_composite_keys_agree(rows: list[tuple[int, str]], reference_main: bool) -> None:
    schema = {"fields": [{"name": "n", "type": "integer"}, {"name": "s", "type": "string"}],
              "primaryKey": ["n", "s"],
              "foreignKeys": [{"fields": ["n", "s"],
                               "reference": {"resource": "" if reference_main else "ref",
                                             "fields": ["n", "s"]}}]}
    ref = _csv(["n", "s"], [[str(n), s] for n, s in rows[::3]], "\n")
    main = _csv(["n", "s"], [[str(n), s] for n, s in rows], "\n")
    resources = [{"name": "main", "path": "main.csv", "schema": schema},
                 {"name": "ref", "path": "ref.csv", "schema": {"fields": schema["fields"]}}]
    _check(resources, {"main.csv": main, "ref.csv": ref}, False)
