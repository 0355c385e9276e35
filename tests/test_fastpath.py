"""The fast path's parts, its integration in validation and conversion, and its fallbacks.

Agreement with frictionless over generated files is tested in test_fastpath_differential.py;
here are the pieces it rests on (row numbering, byte-level parsers, pattern translation),
the conversion's bytes, the notes of fallbacks, and the one read of each file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import frictionless
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline import convert, fastpath
from pipeline.build import validate
from pipeline.catalog import discover
from pipeline.config import load_settings
from pipeline.fastpath.arrays import civil_days, fixed_width, parse_template
from pipeline.fastpath.patterns import fixed_classes, to_re2
from pipeline.fastpath.reader import inspect_csv, read_batches
from pipeline.model import Resource
from pipeline.process import process_dataset
from pipeline.schemas import SchemaCache
from pipeline.validate import check_dataset
from tests.conftest import make_paths

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def _dataset(paths: Any, slug: str, csv_text: str | bytes, schema: dict, **resource: Any) -> Any:
    folder = paths.datasets / slug
    folder.mkdir(parents=True)
    data = csv_text.encode("utf-8") if isinstance(csv_text, str) else csv_text
    (folder / "data.csv").write_bytes(data)
    descriptor = {"name": slug, "title": slug, "description": "Test.", "theme": "finances",
                  "keywords": ["test"], "contact": {"name": "Test", "email": "test@example.org"},
                  "resources": [{"path": "data.csv", "schema": schema, **resource}]}
    (folder / "datapackage.yaml").write_text(yaml.safe_dump(descriptor, allow_unicode=True),
                                             encoding="utf-8")
    datasets, problems = discover(paths.datasets, load_settings(paths.settings_file),
                                  SchemaCache(paths.root / "schemas"), (slug,))
    assert not [p for p in problems if p.severity == "error"], problems
    return datasets[0]


SIMPLE = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"}]}


# Reading


def test_rows_are_numbered_as_frictionless_numbers_them(tmp_path: Path) -> None:
    """Records, not lines: a quoted line break does not count, an empty line does."""
    path = tmp_path / "data.csv"
    path.write_bytes(b'id,nom\r\n1,"a\r\nb"\r\n\r\n2,b,extra\r\n3\r\n4,"d"\r\n')
    resource = frictionless.Resource({"name": "d", "path": "data.csv", "format": "csv",
                                      "dialect": {"delimiter": ","}}, basepath=str(tmp_path))
    layout = inspect_csv(resource, path)
    rows: dict[int, list[str]] = {}
    for batch in read_batches(layout, block_size=16):
        for index, number in enumerate(batch.numbers):
            rows[int(number)] = [column[index].as_py() for column in batch.columns]
        rows.update(dict(batch.ragged))
    text = path.read_bytes().decode()
    expected = dict(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    del expected[1]
    expected[3] = ["", ""]  # an empty line: frictionless sees no cell, pyarrow empty ones
    assert rows == expected


def test_a_bom_is_not_part_of_the_first_label(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xef\xbb\xbfid,nom\n1,a\n")
    resource = frictionless.Resource({"name": "d", "path": "data.csv", "format": "csv"},
                                     basepath=str(tmp_path))
    layout = inspect_csv(resource, path)
    assert layout.labels == ("id", "nom") and layout.encoding == "utf-8-sig"


# Byte-level parsers and patterns


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(-1, 14), st.integers(-1, 33)), max_size=200))
def test_civil_days_agree_with_datetime(dates: list[tuple[int, int, int]]) -> None:
    year, month, day = (np.array([d[i] for d in dates], np.int32) for i in range(3))
    valid, days = civil_days(np.minimum(year, 9999), month, day)
    for (y, m, d), ok, count in zip(dates, valid, days, strict=True):
        try:
            expected = (dt.date(min(y, 9999), m, d) - dt.date(1970, 1, 1)).days
        except ValueError:
            assert not ok
        else:
            assert ok and count == expected


@given(st.lists(st.one_of(st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
                          st.text(alphabet="0123456789/-", max_size=11)), max_size=100))
def test_fixed_width_reads_what_strptime_reads(texts: list[str]) -> None:
    parts = parse_template("%d/%m/%Y")
    match, numbers = fixed_width(pa.array(texts, pa.string()), parts)
    valid, _days = civil_days(numbers["Y"], numbers["m"], numbers["d"])
    for text, matched, ok, y, m, d in zip(texts, match, valid, numbers["Y"], numbers["m"],
                                          numbers["d"], strict=True):
        if matched and ok:
            assert dt.datetime.strptime(text, "%d/%m/%Y").date() == dt.date(y, m, d)


PATTERNS = ["59[0-9]{3}", r"\d{5}", "[A-Z]{2}[0-9]+", "a|b", r"\w+@\w+\.fr", "(ab)*c?", r"[^,]+",
            r"\S+", ".{2,4}", "x{,3}", r"(?:\s|-)?\d", "[a-z]+(-[a-z]+)*"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PATTERNS),
       st.lists(st.text(alphabet="59012abAZ@.-_ ,x\n\t", max_size=8), max_size=50))
def test_patterns_mean_in_re2_what_they_mean_in_python(pattern: str, texts: list[str]) -> None:
    python = re.compile(f"^{pattern}$").match
    translated = to_re2(pattern)
    assert translated is not None
    found = pa.compute.match_substring_regex(pa.array(texts, pa.string()), translated).to_pylist()
    for text, got in zip(texts, found, strict=True):
        if "\n" not in text:  # the fast path leaves these to Python's re
            assert got == bool(python(text)), (pattern, text)
    classes = fixed_classes(pattern)
    if classes is not None:
        from pipeline.fastpath.arrays import match_classes

        match, decided = match_classes(pa.array(texts, pa.string()), classes)
        for text, got, known in zip(texts, match, decided, strict=True):
            if known:
                assert got == bool(python(text)), (pattern, text)


def test_patterns_re2_cannot_follow_are_left_to_python() -> None:
    assert to_re2(r"(a)\1") is None  # a back-reference
    assert to_re2("(?=a)a") is None  # a look-ahead
    assert to_re2("(?i)abc") is None  # an inline flag
    assert fixed_classes("[^a]{3}") is None  # may match non-ASCII characters


# Validation: notes, fallbacks, crashes


def test_a_fallback_is_noted_and_gives_frictionless_report(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    schema = {"fields": [*SIMPLE["fields"], {"name": "montant", "type": "number"}]}
    dataset = _dataset(paths, "guillemet", 'id,nom,montant\n1,a,1\n2,"b,3\n4,c,5\n', schema)
    fast = check_dataset(dataset, paths.datasets.parent)
    slow = check_dataset(dataset, paths.datasets.parent, fast=False)
    assert fast.problems == slow.problems
    assert len(fast.notes) == 1 and "a quote is never closed" in fast.notes[0]
    assert fast.notes[0].startswith("NOTE datasets/guillemet/data.csv: validated by frictionless")
    assert all(p.severity == "error" for p in fast.problems)  # a note is never a warning


def test_a_gap_in_the_fast_path_falls_back_and_says_so(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    paths = make_paths(tmp_path)
    dataset = _dataset(paths, "lacune", "id,nom\n1,a\nx,b\n", SIMPLE)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(fastpath, "validate_resource", broken)
    result = check_dataset(dataset, paths.datasets.parent)
    assert [p.code for p in result.problems] == ["type-error"]
    assert "the fast path failed: RuntimeError: boom" in result.notes[0]


def test_what_makes_frictionless_raise_makes_the_fast_path_raise(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    schema = {"fields": [{"name": "x", "type": "number", "constraints": {"minimum": 0}}]}
    dataset = _dataset(paths, "snan", "x\n1\nsNaN\n", schema)
    fast = check_dataset(dataset, paths.datasets.parent)
    assert fast.problems == check_dataset(dataset, paths.datasets.parent, fast=False).problems
    assert [p.code for p in fast.problems] == ["validation-error"] and not fast.notes


def test_bad_dataset_corpus_is_read_by_the_fast_path(tmp_path: Path) -> None:
    """The fault corpus' table cases are validated without frictionless but one."""
    from tests.test_bad_datasets import CASES, _install_case

    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    for case in CASES:
        _install_case(case, paths.datasets)
    _result, _datasets, outcomes = validate(paths, jobs=1)
    assert [n for o in outcomes for n in o.notes if "validated by frictionless" in n] == [
        "NOTE datasets/guillemet-non-ferme/data.csv: validated by frictionless rather than the "
        "fast path (a quote is never closed); the result is the same, only slower."]


# Conversion


def test_each_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The conversion writes the validation's typed table: typing_arrow never reads the file."""
    paths = make_paths(tmp_path)
    dataset = _dataset(paths, "une-lecture", "id,nom\n1,a\n2,b\n", SIMPLE)

    def second_read(resource: Resource) -> None:
        raise AssertionError(f"{resource.relpath} read twice")

    monkeypatch.setattr(convert, "read_typed_table", second_read)
    outcome = process_dataset(dataset, paths.datasets.parent, tmp_path / "cache" / "une-lecture" / "k")
    assert outcome.valid and outcome.converted[0].rows == 2
    table = pq.read_table(outcome.files_dir / "data.parquet")
    assert table.column("id").to_pylist() == [1, 2]


def test_notes_are_kept_with_the_cached_result(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    _dataset(paths, "note", 'nom,ville\n"Dupont, Jean", "Lille"\n', {
        "fields": [{"name": "nom", "type": "string"}, {"name": "ville", "type": "string"}]})
    _first, _d, fresh = validate(paths, jobs=1)
    _second, _d, cached = validate(paths, jobs=1)
    assert not fresh[0].from_cache and cached[0].from_cache
    assert cached[0].notes == fresh[0].notes
    assert "skipInitialSpace" in cached[0].notes[0]


KINDS = {
    "integer": st.integers(-(2**62), 2**62).map(str),
    "number": st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(repr),
                        st.decimals(-10**6, 10**6, places=2, allow_nan=False).map(str),
                        st.sampled_from(["NaN", "INF", "-inf", "1e400", "0.1000000000000000001"])),
    "boolean": st.sampled_from(["true", "false", "True", "0", "1"]),
    "date": st.dates().map(lambda d: d.isoformat()),
    "datetime": st.one_of(st.datetimes().map(lambda d: d.isoformat(timespec="seconds")),
                          st.datetimes().map(lambda d: d.isoformat()),
                          st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z")),
    "time": st.times().map(lambda t: t.isoformat()),
    "year": st.integers(0, 9999).map(lambda y: f"{y:04d}"),
    "yearmonth": st.tuples(st.integers(0, 9999), st.integers(1, 12)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}"),
    "string": st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                      max_size=12),
    "array": st.sampled_from(['[1, 2]', "[]", '["é", null]', '[{"a": "\\"x\\""}]']),
}


@settings(max_examples=60, deadline=None, suppress_health_check=SUPPRESSED)
@given(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=6, unique=True), st.data())
def test_downloads_are_the_bytes_the_former_conversion_wrote(tmp_path: Path, kinds: list[str],
                                                             data: st.DataObject) -> None:
    """Valid files: the fast path's typed table, written slice by slice with vectorised
    text, gives the CSV, Parquet and JSON bytes of typing_arrow and the row-by-row writers."""
    fields = [{"name": f"c{i}", "type": kind} for i, kind in enumerate(kinds)]
    rows = data.draw(st.lists(st.tuples(*[st.one_of(st.just(""), KINDS[k]) for k in kinds]),
                              min_size=1, max_size=30))
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[f["name"] for f in fields], *rows])
    (folder / "data.csv").write_text(out.getvalue(), encoding="utf-8")
    resource = Resource(name="data", title="d", path=folder / "data.csv", relpath="data.csv",
                        format="csv", encoding="utf-8", dialect={}, schema={"fields": fields},
                        schema_source="inline")
    package = frictionless.Package({"name": "p", "resources": [resource.frictionless_descriptor()]},
                                   basepath=str(folder))
    result = fastpath.validate_package(package, frictionless.Checklist(), error_limit=1000,
                                       max_cell_chars=10**9, cell_size_error=None, keep_typed=True)
    task = result.tasks[0]
    if task.errors or task.table is None or task.unconvertible or not task.rows:
        event("invalid file")
        return
    try:
        before = _former_conversion(resource, folder / "before")
    except (pa.ArrowInvalid, ValueError, OverflowError):
        event("the former conversion failed")
        return  # nothing to compare
    event("compared")
    after = convert.convert_resource(resource, folder / "after", task.table)
    assert after == before
    for name in ("data.csv", "data.json", "data.parquet"):
        assert (folder / "after" / name).read_bytes() == (folder / "before" / name).read_bytes(), name


def _former_conversion(resource: Resource, out_dir: Path) -> Any:
    """The conversion before the fast path: typing_arrow's table, text and JSON row by row."""
    from pipeline.typing_arrow import read_typed_table

    out_dir.mkdir(parents=True)
    table = read_typed_table(resource)
    text = pa.Table.from_arrays([_former_text(c) for c in table.columns], names=table.column_names)
    name = resource.name
    files = (convert.write_csv(text, out_dir / f"{name}.csv"),
             _former_parquet(table, resource, out_dir / f"{name}.parquet"),
             _former_json(text, table, out_dir / f"{name}.json"),
             convert._write_schema(resource, out_dir / f"{name}.schema.json"))
    return convert.ConvertedResource(
        name=resource.name, rows=table.num_rows, files=files, columns=tuple(table.column_names),
        preview=convert.preview_rows(text),
        profile=tuple(convert.column_profile(table.column(i), n) for i, n in enumerate(table.column_names)),
        examples=convert.example_values(text))


def _former_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_time(kind):
        return convert._text_by_unique(column, lambda v: v.isoformat())
    if pa.types.is_boolean(kind):
        return pa.compute.if_else(column, "true", "false")
    if pa.types.is_floating(kind):
        return pa.chunked_array([pa.array([None if v is None else convert._float_text(v)
                                           for v in column.to_pylist()], pa.string())])
    return pa.compute.cast(column, pa.string())


def _former_parquet(table: pa.Table, resource: Resource, path: Path) -> Any:
    metadata = {b"table_schema": json.dumps(dict(resource.schema), ensure_ascii=False).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path, **convert.PARQUET_OPTIONS)
    return convert.describe_file("Parquet", path, "application/vnd.apache.parquet")


def _former_json(text: pa.Table, typed: pa.Table, path: Path) -> Any:
    names = typed.column_names
    columns = []
    for name in names:
        kind = typed.column(name).type
        native = pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_floating(kind)
        columns.append((typed if native else text).column(name).to_pylist())
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for index, row in enumerate(zip(*columns, strict=True)):
            record = {n: convert._json_value(v) for n, v in zip(names, row, strict=True)}
            out.write(("," if index else "") + json.dumps(record, ensure_ascii=False) + "\n")
        out.write("]\n")
    return convert.describe_file("JSON", path, "application/json")


def test_vectorised_text_of_floats_and_times_is_python_s() -> None:
    values = [0.0, -0.0, 0.5, 100.0, 1e15, 1e16, 1e-5, 123456789.125, 5e-324, 1.7976931348623157e308,
              float("nan"), float("inf"), -float("inf"), None, 11815.7, 1 / 3]
    column = pa.chunked_array([pa.array(values, pa.float64())])
    expected = [None if v is None else convert._float_text(v) for v in values]
    assert convert._as_text(column).to_pylist() == expected
    json_text = convert._json_values(column, convert._as_text(column)).to_pylist()
    assert json_text == [json.dumps(convert._json_value(v)) for v in values]
    stamps = [dt.datetime(1, 1, 1), dt.datetime(999, 12, 31, 23, 59, 59, 1), dt.datetime(2024, 3, 1, 10, 30),
              None]
    column = pa.chunked_array([pa.array(stamps, pa.timestamp("us"))])
    assert convert._as_text(column).to_pylist() == [None if v is None else v.isoformat() for v in stamps]


def test_text_that_json_must_escape_is_escaped_by_python() -> None:
    texts = ['plain', 'a "quote"', "back\\slash", "tab\there", "new\nline", "\x01", "é", None, ""]
    column = pa.chunked_array([pa.array(texts, pa.string())])
    shown = convert._json_values(column, column).to_pylist()
    assert shown == [json.dumps(t, ensure_ascii=False) for t in texts]


def test_a_large_table_is_converted_as_when_written_at_once(tmp_path: Path) -> None:
    """More rows than a slice and a Parquet row group: the same bytes."""
    rows = 1_100_000
    table = pa.table({"n": pa.array(np.arange(rows) % 1000, pa.int64()),
                      "x": pa.array(np.arange(rows) / 7, pa.float64())})
    table = pa.Table.from_batches(table.to_batches(max_chunksize=70_000))
    resource = Resource(name="t", title="t", path=tmp_path / "t.csv", relpath="t.csv", format="csv",
                        encoding="utf-8", dialect={}, schema={"fields": [
                            {"name": "n", "type": "integer"}, {"name": "x", "type": "number"}]},
                        schema_source="inline")
    convert._write_parquet(table, resource, tmp_path / "sliced.parquet")
    metadata = {b"table_schema": json.dumps(dict(resource.schema), ensure_ascii=False).encode()}
    pq.write_table(table.combine_chunks().replace_schema_metadata(metadata), tmp_path / "whole.parquet",
                   **convert.PARQUET_OPTIONS)
    assert (tmp_path / "sliced.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()


def test_sample_datasets_convert_to_the_same_bytes(tmp_path: Path) -> None:
    """Every sample table: the fast path's downloads are those of the former conversion."""
    paths = make_paths(tmp_path, datasets=Path(__file__).resolve().parent.parent / "datasets")
    datasets, _problems = discover(paths.datasets, load_settings(paths.settings_file),
                                   SchemaCache(paths.root / "schemas"), ())
    compared = 0
    for dataset in datasets:
        validation = check_dataset(dataset, paths.datasets.parent, keep_typed=True)
        for resource in dataset.resources:
            if resource.is_geojson:
                continue
            folder = tmp_path / dataset.slug / resource.name
            before = _former_conversion(resource, folder / "before")
            after = convert.convert_resource(resource, folder / "after", validation.tables[resource.name])
            assert after == before, (dataset.slug, resource.name)
            compared += 1
    assert compared >= 10


def test_copied_sample_dataset_validates_fast(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    shutil.copytree(Path(__file__).resolve().parent.parent / "datasets" / "budget-primitif",
                    paths.datasets / "budget-primitif")
    result, _datasets, outcomes = validate(paths, jobs=1)
    assert not result.report.problems and not outcomes[0].notes


def test_reports_are_unchanged_on_the_fault_corpus_and_the_samples(tmp_path: Path) -> None:
    """Every bad dataset and every sample: the same Problems (messages and fixes included)
    whether the fast path or frictionless validates."""
    from tests.test_bad_datasets import CASES, _install_case

    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    for case in CASES:
        _install_case(case, paths.datasets)
    samples = Path(__file__).resolve().parent.parent / "datasets"
    for sample in samples.iterdir():
        shutil.copytree(sample, paths.datasets / sample.name)
    datasets, _problems = discover(paths.datasets, load_settings(paths.settings_file),
                                   SchemaCache(paths.root / "schemas"), ())
    assert len(datasets) > 50
    for dataset in datasets:
        fast = check_dataset(dataset, paths.datasets.parent)
        slow = check_dataset(dataset, paths.datasets.parent, fast=False)
        assert fast.problems == slow.problems, dataset.slug


# Reading started early, and the header without frictionless' Header


TRICKY = (b"\xef\xbb\xbfid,nom\r\n1,\"a\r\nb\"\r\n\r\n2,b,extra\r\n3\r\n4,\"d\"\r\nx,e\r\n")
TRICKY_SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"}]}


def _tricky_package(folder: Path, path: str = "data.csv") -> frictionless.Package:
    package = frictionless.Package({"name": "p", "resources": [{
        "name": "data", "path": "data.csv", "format": "csv", "encoding": "utf-8",
        "schema": TRICKY_SCHEMA}]}, basepath=str(folder))
    package.resources[0].path = path  # after the constructor, which refuses unsafe paths
    return package


def _located(tasks: list[Any]) -> list[tuple[str, int | None, str | None]]:
    return [(e.type, getattr(e, "row_number", None), getattr(e, "field_name", None) or None)
            for task in tasks for e in task.errors]


def _fast_tasks(package: frictionless.Package, **options: Any) -> list[Any]:
    return fastpath.validate_package(package, frictionless.Checklist(), error_limit=1000,
                                     max_cell_chars=10**6, cell_size_error=None,
                                     **options).tasks


# A BOM, CRLF, a quoted line break (row 2), an empty line (row 3), an extra cell (row 4),
# a missing one (row 5) and a type error (row 7): numbered as frictionless numbers rows.
TRICKY_ERRORS = [("blank-row", 3, None), ("extra-cell", 4, None), ("missing-cell", 5, "nom"),
                 ("type-error", 7, "id")]


@pytest.mark.parametrize("block_size", [fastpath.BLOCK_SIZE, 16])
def test_a_read_started_before_the_metadata_check_numbers_rows_exactly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_size: int) -> None:
    from pipeline.fastpath import engine

    (tmp_path / "data.csv").write_bytes(TRICKY)
    started: list[Any] = []
    original = engine.start_reading

    def spy(resource: Any, size: int = fastpath.BLOCK_SIZE) -> Any:
        started.append(original(resource, size))
        return started[-1]

    readers: list[Any] = []

    class Counted(engine.BatchReader):
        def __init__(self, *args: Any) -> None:
            readers.append(self)
            super().__init__(*args)

    monkeypatch.setattr(fastpath, "start_reading", spy)
    monkeypatch.setattr(engine, "BatchReader", Counted)
    tasks = _fast_tasks(_tricky_package(tmp_path), block_size=block_size)
    assert started[0] is not None and readers == [started[0].reader]  # made early, and used
    assert tasks[0].fallback is None and _located(tasks) == TRICKY_ERRORS
    report = _tricky_package(tmp_path).validate(frictionless.Checklist(), limit_errors=1000)
    assert _located(report.tasks) == TRICKY_ERRORS


def test_without_an_early_read_rows_are_numbered_the_same(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data.csv").write_bytes(TRICKY)
    monkeypatch.setattr(fastpath, "start_reading", lambda *args: None)
    tasks = _fast_tasks(_tricky_package(tmp_path))
    assert tasks[0].fallback is None and _located(tasks) == TRICKY_ERRORS


@pytest.mark.parametrize("where", ["../data.csv", "/etc/hostname", "missing.csv", "folder"])
def test_no_early_read_of_a_path_frictionless_refuses(tmp_path: Path, where: str) -> None:
    """An unsafe path, a missing file, a folder: nothing is read before the metadata is
    checked, and the result is frictionless'."""
    from pipeline.fastpath.engine import start_reading

    folder = tmp_path / "package"
    (folder / "folder").mkdir(parents=True)
    (tmp_path / "data.csv").write_bytes(TRICKY)
    package = _tricky_package(folder, where)
    assert start_reading(package.resources[0]) is None
    fast = _fast_tasks(package)
    slow = _tricky_package(folder, where).validate(frictionless.Checklist(), limit_errors=1000)
    assert [[e.type for e in t.errors] for t in fast] == [[e.type for e in t.errors]
                                                          for t in slow.tasks]


def test_an_early_read_dropped_after_invalid_metadata_stops_its_thread(tmp_path: Path) -> None:
    import threading

    (tmp_path / "data.csv").write_bytes(TRICKY * 2000)
    package = _tricky_package(tmp_path)
    package.resources[0].name = "not a name"  # the constructor would refuse it
    before = threading.active_count()
    fast = fastpath.validate_package(package, frictionless.Checklist(), error_limit=1000,
                                     max_cell_chars=10**6, cell_size_error=None)
    assert [e.type for e in fast.errors] == ["resource-error"]  # frictionless stopped
    assert threading.active_count() == before


@pytest.mark.parametrize("labels", [("id", "nom"), ("id", "Nom"), ("id", ""), ("id", "id"),
                                    ("id",), ("id", "nom", "x")])
def test_the_header_is_frictionless_header(labels: tuple[str, ...]) -> None:
    from frictionless.table import Header

    from pipeline.fastpath.engine import header_fields

    schema = frictionless.Schema.from_descriptor(TRICKY_SCHEMA)
    errors, fields = header_fields(labels, schema.fields)
    header = Header(list(labels), fields=schema.fields, row_numbers=[1], ignore_case=False,
                    fields_match="exact")
    assert [e.to_descriptor() for e in errors] == [e.to_descriptor() for e in header.errors]
    assert [f.to_descriptor() for f in fields] == [f.to_descriptor()
                                                   for f in header.get_expected_fields()]


@pytest.mark.parametrize("ragged", [2, 40])
def test_keys_of_ragged_rows_keep_their_place(tmp_path: Path, ragged: int) -> None:
    """A few ragged rows in a batch are kept as slices between the batch's keys, many are
    merged: either way, duplicates name the right rows."""
    lines = ["id,nom"]
    for number in range(2, 200):
        if number % (190 // ragged) == 0:
            lines.append(f"{number},x,extra")  # ragged: its key still counts
        else:
            lines.append(f"{number},n{number}")
    lines += ["10,again", f"{190 // ragged},last"]  # two duplicates, the second of a ragged row
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def package() -> frictionless.Package:
        return frictionless.Package({"name": "p", "resources": [{
            "name": "data", "path": "data.csv", "format": "csv", "encoding": "utf-8",
            "schema": {**TRICKY_SCHEMA, "primaryKey": ["id"]}}]}, basepath=str(tmp_path))

    fast = _fast_tasks(package())
    slow = package().validate(frictionless.Checklist(), limit_errors=1000).tasks
    assert fast[0].fallback is None
    assert _located(fast) == _located(slow)
    assert [row for kind, row, _ in _located(fast) if kind == "extra-cell"] == [
        n for n in range(2, 200) if n % (190 // ragged) == 0]
    assert [kind for kind, row, _ in _located(fast) if row in (200, 201)] == [
        "primary-key", "primary-key"]
    assert [e.note for e in fast[0].errors if e.type == "primary-key"] == [
        e.note for e in slow[0].errors if e.type == "primary-key"]
