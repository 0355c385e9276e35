"""The fault corpus: every folder of tests/bad_datasets/ must be refused with its report.

Each case is a dataset folder holding `expected.yaml`:

    errors:                # every error the case must produce (subset match on given keys)
      - {code: type-error, file: datasets/montant-texte/data.csv, row: 3, field: montant, value: "12,5x"}
    error_count: 1         # optional: the exact number of errors
    warnings: [...]        # optional, like errors

Files are given as the report shows them: datasets/<case>/<file>. To add a case: create the folder, write
expected.yaml, run `pytest tests/test_bad_datasets.py -k <case>`.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml

from pipeline.build import build, validate
from pipeline.errors import BuildRefused
from tests.conftest import PELICAN_CONF, copy_dataset, make_paths, tree_digest

CORPUS = Path(__file__).parent / "bad_datasets"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())


def _install_case(case: str, datasets_dir: Path) -> dict:
    target = datasets_dir / case
    shutil.copytree(CORPUS / case, target, symlinks=True, ignore=shutil.ignore_patterns("expected.yaml"))
    setup = CORPUS / case / "setup.py"
    if setup.is_file():  # cases that need something git cannot store (e.g. a 10 MB cell)
        namespace: dict = {}
        exec(compile(setup.read_text(), str(setup), "exec"), namespace)
        namespace["setup"](target)
        (target / "setup.py").unlink()
    return yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))


def _matches(expected: dict, problem: dict) -> bool:
    return all(problem.get(key) == value for key, value in expected.items())


@pytest.mark.parametrize("case", CASES)
def test_case_is_refused_with_its_report(case: str, tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    expected = _install_case(case, paths.datasets)
    result, _, _ = validate(paths, jobs=1)
    problems = [asdict(p) for p in result.report.problems]
    errors = [p for p in problems if p["severity"] == "error"]
    assert errors, f"{case}: no error reported"
    for want in expected.get("errors", []):
        assert any(_matches(want, p) for p in errors), f"{case}: missing {want}; got {errors}"
    for want in expected.get("warnings", []):
        assert any(_matches(want, p) for p in problems if p["severity"] == "warning"), want
    if "error_count" in expected:
        assert len(errors) == expected["error_count"], errors
    for error in errors:
        assert error["message"] and error["hint"], f"{case}: an error without message or fix: {error}"
        assert "Traceback" not in error["message"]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.slow
def test_refused_builds_leave_output_byte_identical(tmp_path: Path) -> None:
    """Build a good site, then add each bad case: every build is refused, output unchanged."""
    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    copy_dataset("budget-primitif", paths.datasets)
    build(paths, PELICAN_CONF)
    before = tree_digest(paths.output)
    for case in CASES:
        _install_case(case, paths.datasets)
        with pytest.raises(BuildRefused):
            build(paths, PELICAN_CONF, jobs=1)
        shutil.rmtree(paths.datasets / case)
        assert tree_digest(paths.output) == before, f"{case} changed the published output"
    staging = [p.name for p in paths.output.parent.iterdir() if p.name.startswith(".output")]
    assert staging == [], f"leftover staging folders: {staging}"
