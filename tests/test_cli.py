"""The command line: exit codes, JSON output, no tracebacks, scaffolding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import BuildPaths
from tests.conftest import ROOT


def run(paths: BuildPaths, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--datasets", str(paths.datasets), "--output", str(paths.output),
         "--cache", str(paths.cache), "--quiet", *args],
        obj={},
    )
    return result.exit_code, result.stdout, result.stderr


def _break_budget(paths: BuildPaths) -> None:
    csv = paths.datasets / "budget-primitif" / "budget-primitif.csv"
    text = csv.read_text(encoding="utf-8").splitlines()
    text[2] = text[2].rsplit(",", 1)[0] + ",beaucoup"
    csv.write_text("\n".join(text) + "\n", encoding="utf-8")


def test_validate_exit_codes(small_site: BuildPaths) -> None:
    code, _, err = run(small_site, "validate")
    assert code == 0, err
    assert "0 error(s)" in err
    _break_budget(small_site)
    code, _, err = run(small_site, "validate")
    assert code == 1
    assert 'datasets/budget-primitif/budget-primitif.csv, row 3, column "montant"' in err
    assert '"beaucoup" is not a valid number' in err
    assert "Fix:" in err and "Traceback" not in err


def test_validate_named_datasets_and_unknown_name(small_site: BuildPaths) -> None:
    _break_budget(small_site)
    assert run(small_site, "validate", "effectifs-colleges")[0] == 0
    code, _, err = run(small_site, "validate", "nexiste-pas")
    assert code == 1 and "No dataset folder named 'nexiste-pas'" in err


def test_validate_json_gives_the_same_report_as_data(small_site: BuildPaths) -> None:
    _break_budget(small_site)
    code, out, _ = run(small_site, "validate", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False and report["errors"] == 1
    problem = report["problems"][0]
    assert (problem["row"], problem["field"], problem["value"]) == (3, "montant", "beaucoup")
    assert problem["hint"]


@pytest.mark.slow
def test_build_exit_codes_and_json(small_site: BuildPaths) -> None:
    code, out, err = run(small_site, "build", "--json")
    assert code == 0, err
    figures = json.loads(out)
    assert figures["datasets"] == 2 and figures["valid"] is True
    assert set(figures["timings_s"]) >= {"discover", "validate and convert", "render"}
    _break_budget(small_site)
    code, out, err = run(small_site, "build")
    assert code == 1
    assert "Build refused" in err and "left unchanged" in err


def test_bad_settings_file_exits_2_without_traceback(small_site: BuildPaths, tmp_path: Path) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text("name: x\ncolours: {primary: '#fff'}\n", encoding="utf-8")
    code, _, err = run(small_site, "--settings", str(bad), "validate")
    assert code == 2
    assert "unknown setting(s) colours" in err and "Traceback" not in err


def test_low_contrast_colour_is_an_error(small_site: BuildPaths, tmp_path: Path) -> None:
    settings = tmp_path / "site.yaml"
    text = (ROOT / "site.yaml").read_text(encoding="utf-8")
    settings.write_text(text.replace('primary: "#0b4f8a"', 'primary: "#9fc5e8"'), encoding="utf-8")
    code, _, err = run(small_site, "--settings", str(settings), "validate")
    assert code == 1 and "contrast" in err


def test_new_dataset_scaffold_validates(small_site: BuildPaths) -> None:
    code, _, err = run(small_site, "new-dataset", "mon-jeu")
    assert code == 0, err
    assert (small_site.datasets / "mon-jeu" / "datapackage.yaml").is_file()
    assert run(small_site, "validate", "mon-jeu")[0] == 0
    code, _, err = run(small_site, "new-dataset", "mon-jeu")
    assert code == 1 and "already exists" in err
    code, _, err = run(small_site, "new-dataset", "Mon Jeu")
    assert code == 1 and "not a valid dataset name" in err


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"], obj={})
        assert result.exit_code == 0, name
        assert command.help, f"{name} has no help"


def test_build_py_runs_as_a_script(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--help"],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0 and "validate" in result.stdout
