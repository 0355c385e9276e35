"""Benchmark of the validation fast path against frictionless, and of incremental builds.

`make bench` runs `python -m pipeline.bench` (a script, not a test). Everything is
measured in the same run, on files generated here (deterministic, in a temporary folder):
100,000, 1,000,000 and 5,000,000 rows × 10 typed fields, with and without errors.

    python -m pipeline.bench [--sizes 100000,1000000] [--no-builds] [--frictionless-max N]

Frictionless is timed up to --frictionless-max rows (1,000,000 by default: 5M rows would
take minutes); beyond, its time is extrapolated linearly from the largest size measured,
and the table says so.

Builds are timed in this process (imports already done), on two temporary projects: the
sample site plus the 1M-row file, and 50 copies of a small dataset. Each gets a cold build
(empty cache), a rebuild with nothing changed (the up-to-date check answers), the same
rebuild with --force (every stage runs, from the caches), and a rebuild after one value of
one small dataset was corrected.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frictionless
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

from pipeline import fastpath
from pipeline.validate import ERROR_LIMIT, MAX_CELL_CHARS, _cell_size_error, _CellSize

SIZES = (100_000, 1_000_000, 5_000_000)
ERROR_EVERY = 10_007  # one broken row every so many rows: errors all along the file
SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "commune", "type": "string", "constraints": {"pattern": "59[0-9]{3}"}},
        {"name": "libelle", "type": "string", "constraints": {"maxLength": 80}},
        {"name": "categorie", "type": "string",
         "constraints": {"enum": ["fonctionnement", "investissement", "subvention", "personnel"]}},
        {"name": "montant", "type": "number", "constraints": {"minimum": 0}},
        {"name": "quantite", "type": "integer", "constraints": {"minimum": 0, "maximum": 1_000_000}},
        {"name": "actif", "type": "boolean"},
        {"name": "date_operation", "type": "date"},
        {"name": "annee", "type": "year"},
        {"name": "horodatage", "type": "datetime"},
    ],
    "primaryKey": ["id"],
}
NAMES = [f["name"] for f in SCHEMA["fields"]]
# How each broken row is broken, in turn: (field or None, new text or a row edit).
BREAKAGES: list[tuple[str, str]] = [
    ("montant", "12,5x"), ("quantite", "-1"), ("categorie", "autre"), ("commune", "62001"),
    ("id", "duplicate"), ("date_operation", "2023-02-30"), ("actif", "peut-être"),
    ("row", "missing-cell"), ("row", "extra-cell"), ("row", "blank"), ("horodatage", "2024-13-01T00:00:00"),
]


# Data


def make_table(rows: int, seed: int = 59) -> pa.Table:
    """The text of every cell, typical of an open-data export (deterministic)."""
    rng = np.random.default_rng(seed)
    words = pa.array(["rue", "place", "avenue", "chemin", "boulevard", "impasse", "allée", "quai"])
    categories = pa.array(["fonctionnement", "investissement", "subvention", "personnel"])

    def text(values: Any) -> pa.Array:
        return pc.cast(pa.array(values), pa.string())

    commune = pc.binary_join_element_wise(
        "59", pc.utf8_lpad(text(rng.integers(1, 700, rows)), 3, "0"), "")
    libelle = pc.binary_join_element_wise(
        words.take(pa.array(rng.integers(0, len(words), rows))), text(rng.integers(1, 300, rows)), " ")
    days = rng.integers(0, 3650, rows).astype("int32") + 16436  # from 2015-01-01
    seconds = rng.integers(0, 10 * 365 * 86400, rows) + 1_420_070_400
    stamps = pc.replace_substring(text(pa.array(seconds, pa.timestamp("s"))), " ", "T")
    return pa.table({
        "id": text(np.arange(1, rows + 1)),
        "commune": commune,
        "libelle": libelle,
        "categorie": categories.take(pa.array(rng.integers(0, len(categories), rows))),
        "montant": text(np.round(rng.random(rows) * 100_000, 2)),
        "quantite": text(rng.integers(0, 1000, rows)),
        "actif": pa.array(["true", "false"]).take(pa.array(rng.integers(0, 2, rows))),
        "date_operation": text(pa.array(days, pa.date32())),
        "annee": text(rng.integers(2000, 2025, rows)),
        "horodatage": stamps,
    })


def write_csv(table: pa.Table, path: Path, broken: bool) -> int:
    """Write the table as CSV; if broken, break one row every ERROR_EVERY. Returns the
    number of broken rows."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    count = 0
    with path.open("wb") as out:
        out.write((",".join(NAMES) + "\n").encode())
        start = 0
        targets = range(ERROR_EVERY, table.num_rows, ERROR_EVERY) if broken else ()
        for index, row in enumerate(targets):
            pacsv.write_csv(table.slice(start, row - start), out, write_options=options)
            out.write(_broken_line(table.slice(row, 1).to_pylist()[0], BREAKAGES[index % len(BREAKAGES)]))
            start = row + 1
            count += 1
        pacsv.write_csv(table.slice(start), out, write_options=options)
    return count


def _broken_line(row: dict[str, str], breakage: tuple[str, str]) -> bytes:
    name, change = breakage
    cells = [row[n] for n in NAMES]
    if name == "id":
        cells[0] = str(int(cells[0]) - 1)
    elif name != "row":
        cells[NAMES.index(name)] = change
    elif change == "missing-cell":
        cells = cells[:-1]
    elif change == "extra-cell":
        cells = [*cells, "x"]
    else:
        cells = [""] * len(NAMES)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode()


# Validation


def _package(path: Path) -> frictionless.Package:
    descriptor = {"name": "bench", "resources": [{
        "name": "data", "path": path.name, "format": "csv", "encoding": "utf-8",
        "dialect": {"delimiter": ","}, "schema": SCHEMA}]}
    return frictionless.Package(descriptor, basepath=str(path.parent))


def validate(path: Path, *, fast: bool, keep_typed: bool = False) -> fastpath.PackageResult:
    """What pipeline.validate runs for a dataset of this one file."""
    return fastpath.validate_package(
        _package(path), frictionless.Checklist(checks=[_CellSize()]), error_limit=ERROR_LIMIT,
        max_cell_chars=MAX_CELL_CHARS, cell_size_error=_cell_size_error, keep_typed=keep_typed,
        fast=fast)


def located(result: fastpath.PackageResult) -> list[tuple[str, int | None, str | None]]:
    return [(e.type, getattr(e, "row_number", None), getattr(e, "field_name", None) or None)
            for task in result.tasks for e in task.errors]


def timed(function: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of `repeat` runs (other processes share the machine)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


@dataclass
class Row:
    rows: int
    broken: int
    megabytes: float
    frictionless_s: float | None = None
    extrapolated: bool = False
    fast_s: float = 0.0
    arrow_s: float = 0.0
    same_errors: str = "-"
    errors: int = 0
    notes: list[str] = field(default_factory=list)


def measure_file(path: Path, rows: int, broken: int, frictionless_max: int,
                 reference: Row | None) -> Row:
    row = Row(rows, broken, path.stat().st_size / 1e6)
    # Best of several runs, pyarrow and the fast path taking turns: the machine is shared,
    # and a burst of load should not land on one of them only.
    arrow_times, fast_times = [], []
    for _ in range(5 if rows <= 1_000_000 else 2):
        arrow_times.append(timed(lambda: bare_read(path))[0])
        seconds, fast = timed(lambda: validate(path, fast=True))
        fast_times.append(seconds)
    row.arrow_s, row.fast_s = min(arrow_times), min(fast_times)
    row.errors = sum(len(t.errors) for t in fast.tasks)
    fallback = [t.fallback for t in fast.tasks if t.fallback]
    if fallback:
        row.notes.append(f"fast path fell back: {fallback}")
    if rows <= frictionless_max:
        row.frictionless_s, slow = timed(lambda: validate(path, fast=False))
        row.same_errors = "yes" if located(slow) == located(fast) else "NO"
    elif reference is not None and reference.frictionless_s:
        row.frictionless_s = reference.frictionless_s * rows / reference.rows
        row.extrapolated = True
    return row


def bare_read(path: Path) -> pa.Table:
    """pyarrow reading the file with its defaults (types inferred, all cores); rows of
    another width are skipped rather than fatal."""
    skip = pacsv.ParseOptions(invalid_row_handler=lambda row: "skip")
    return pacsv.read_csv(path, parse_options=skip)


PEAK_SCRIPT = """
import resource, sys
from pathlib import Path
from pipeline.bench import validate
result = validate(Path(sys.argv[1]), fast=True, keep_typed=True)
table = result.tasks[0].table
try:  # the high-water mark of this process's own memory (Linux)
    status = Path("/proc/self/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak / 1024, table.num_rows if table else 0)
"""


def peak_memory_mb(path: Path) -> tuple[float, int]:
    """Peak RSS of a fresh process validating the file and keeping its typed table.
    VmHWM rather than ru_maxrss: on Linux, ru_maxrss survives fork and exec, so the child
    would report this (large) benchmark process's own peak."""
    done = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(path)], capture_output=True,
                          text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    peak, rows = done.stdout.split()
    return float(peak), int(rows)


# Builds


@dataclass
class BuildTimes:
    label: str
    cold_s: float
    warm_s: float
    forced_s: float
    changed_s: float
    processed: tuple[int, int, int, int]
    stages: tuple[dict[str, float], ...]  # seconds by stage, for each build in turn


BUILDS = ("cold", "nothing changed", "nothing changed, --force", "one dataset changed")


def measure_builds(tmp: Path, big_csv: Path | None, copies: int = 0) -> BuildTimes:
    """Cold build; rebuild with nothing changed (the up-to-date check), the same forced to
    build; rebuild after one value changed in one small dataset."""
    from pipeline.build import build
    from pipeline.config import BuildPaths

    root = Path(__file__).resolve().parent.parent
    project = tmp / ("site-50" if copies else "site-big")
    datasets = project / "datasets"
    if copies:
        datasets.mkdir(parents=True)
        for index in range(copies):
            _copy_dataset(root / "datasets" / "budget-primitif", datasets / f"budget-{index:02d}")
        changed = datasets / "budget-07"
    else:
        shutil.copytree(root / "datasets", datasets)
        if big_csv is not None:
            _big_dataset(datasets / "operations-1m", big_csv)
        changed = datasets / "budget-primitif"
    paths = BuildPaths.for_project(root, datasets=datasets, output=project / "output",
                                   cache=project / "cache")
    pelican = root / "pelicanconf.py"
    cold, first = timed(lambda: build(paths, pelican))
    warm, second = timed(lambda: build(paths, pelican))
    forced, third = timed(lambda: build(paths, pelican, force=True))
    _change_a_value(changed)
    after, fourth = timed(lambda: build(paths, pelican))
    results = (first, second, third, fourth)
    label = f"{copies} small datasets" if copies else "sample site + the 1M-row dataset"
    return BuildTimes(label, cold, warm, forced, after, tuple(r.processed for r in results),
                      tuple(r.timings for r in results))


def _copy_dataset(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    descriptor = target / "datapackage.yaml"
    data = yaml.safe_load(descriptor.read_text(encoding="utf-8"))
    data["name"] = target.name
    data["title"] = f"{data.get('title', target.name)} ({target.name})"
    descriptor.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _big_dataset(folder: Path, csv_path: Path) -> None:
    folder.mkdir()
    shutil.copy(csv_path, folder / "operations.csv")
    descriptor = {
        "name": folder.name, "title": "Opérations (1 million de lignes, fictives)",
        "description": "Jeu de démonstration du banc d'essai.", "theme": "finances",
        "keywords": ["banc d'essai"], "contact": {"name": "Banc", "email": "banc@example.org"},
        "sample": True,
        "resources": [{"name": "operations", "path": "operations.csv", "schema": SCHEMA}],
    }
    (folder / "datapackage.yaml").write_text(yaml.safe_dump(descriptor, allow_unicode=True),
                                             encoding="utf-8")


def _change_a_value(folder: Path) -> None:
    """A data officer's correction: the amount of the first data row of the dataset's CSV
    file goes up by one, so its downloads, checksums, preview and profile change."""
    data = sorted(folder.glob("*.csv"))[0]
    header, first, rest = data.read_text(encoding="utf-8").split("\n", 2)
    cells = first.split(",")
    column = header.split(",").index("montant")
    cells[column] = f"{float(cells[column]) + 1:.2f}"
    data.write_text("\n".join((header, ",".join(cells), rest)), encoding="utf-8")


# Report


def _seconds(value: float | None, extrapolated: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:.2f} s" if value < 100 else f"{value:.0f} s"
    return text + (" (extrapolated)" if extrapolated else "")


def print_table(rows: list[Row]) -> None:
    header = ("rows", "errors", "MB", "frictionless", "fast path", "speed-up", "pyarrow read",
              "fast/pyarrow", "same errors")
    lines = [header]
    for r in rows:
        speedup = f"{r.frictionless_s / r.fast_s:.0f}×" if r.frictionless_s else "-"
        lines.append((f"{r.rows:,}", f"{r.errors}" if r.broken else "none", f"{r.megabytes:.0f}",
                      _seconds(r.frictionless_s, r.extrapolated), _seconds(r.fast_s), speedup,
                      _seconds(r.arrow_s), f"{r.fast_s / r.arrow_s:.1f}×", r.same_errors))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    for r in rows:
        for note in r.notes:
            print(f"  note ({r.rows:,} rows): {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--frictionless-max", type=int, default=1_000_000)
    parser.add_argument("--no-builds", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"Fast path benchmark: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"pyarrow {pa.__version__}, frictionless {frictionless.__version__}; "
          f"10 typed fields, one broken row every {ERROR_EVERY:,} rows in the files with errors.")
    print("frictionless and fast path: the same validation as pipeline.validate (errors cut at "
          f"{ERROR_LIMIT}); pyarrow read: pyarrow.csv.read_csv with type inference, all cores.\n")
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        tmp = Path(name)
        results: list[Row] = []
        files: dict[tuple[int, bool], Path] = {}
        reference: dict[bool, Row] = {}
        for rows in sizes:
            table = make_table(rows)
            for broken in (False, True):
                path = tmp / f"data-{rows}-{'errors' if broken else 'clean'}.csv"
                count = write_csv(table, path, broken)
                files[(rows, broken)] = path
                row = measure_file(path, rows, count, args.frictionless_max, reference.get(broken))
                if not row.extrapolated and row.frictionless_s:
                    reference[broken] = row
                results.append(row)
                print(f"  measured {rows:,} rows {'with' if broken else 'without'} errors", file=sys.stderr)
            del table
        print_table(results)
        largest = max(sizes)
        peak, kept = peak_memory_mb(files[(largest, False)])
        print(f"\nPeak memory of the fast path on {largest:,} rows (a process validating the file "
              f"and keeping its typed table of {kept:,} rows): {peak:,.0f} MB")
        builds: list[BuildTimes] = []
        if not args.no_builds:
            million = files.get((1_000_000, False))
            builds.append(measure_builds(tmp, million))
            builds.append(measure_builds(tmp, None, copies=50))
            print_builds(builds)
        print_targets(results, peak, builds)
    return 0


STAGE = "validate and convert"


def print_builds(builds: list[BuildTimes]) -> None:
    print("\nBuilds (pipeline.build.build, cache and output in a temporary project); in brackets,")
    print(f"the '{STAGE}' stage (pipeline.process) and the other stages (render, extensions…)")
    for b in builds:
        print(f"  {b.label}:")
        for name, seconds, stages, processed in zip(
                BUILDS, (b.cold_s, b.warm_s, b.forced_s, b.changed_s), b.stages, b.processed,
                strict=True):
            own = stages.get(STAGE, 0.0)
            others = ", ".join(f"{k} {v:.2f}" for k, v in stages.items() if k != STAGE and v >= 0.05)
            print(f"    {name:25s} {seconds:6.2f} s  {seconds / b.cold_s:4.0%} of cold  "
                  f"[{STAGE} {own:.2f} s, {processed} processed; {others}]")


def print_targets(rows: list[Row], peak: float, builds: list[BuildTimes]) -> None:
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print("\nTargets")
    million = [r for r in rows if r.rows == 1_000_000 and r.broken]
    for r in million:
        speed = r.frictionless_s / r.fast_s if r.frictionless_s else 0
        ok = speed >= 50 and r.same_errors == "yes"
        print(f"  ≥ 50× frictionless on 1M rows with errors, errors located identically: "
              f"{speed:.0f}×, same errors: {r.same_errors} — {verdict(ok)}")
    worst = max(rows, key=lambda r: r.fast_s / r.arrow_s)
    print(f"  ≤ 3× pyarrow's bare read: worst {worst.fast_s / worst.arrow_s:.1f}× "
          f"({worst.rows:,} rows) — {verdict(worst.fast_s / worst.arrow_s <= 3)}")
    print(f"  5M rows under 1.5 GB: {peak:,.0f} MB — {verdict(peak < 1536)}")
    for b in builds:
        cold_stage = b.stages[0].get(STAGE, 0.0)
        if "small" in b.label:
            share, stage = b.changed_s / b.cold_s, b.stages[3].get(STAGE, 0.0) / cold_stage
            print(f"  one changed dataset among 50 under 20% of a cold build: {share:.0%} — "
                  f"{verdict(share < 0.2)} (the {STAGE} stage: {stage:.0%})")
        else:
            share, forced = b.warm_s / b.cold_s, b.forced_s / b.cold_s
            print(f"  no-change rebuild under 10% of a cold build: {share:.0%} — "
                  f"{verdict(share < 0.1)} (forced to build: {forced:.0%})")


if __name__ == "__main__":
    sys.exit(main())
