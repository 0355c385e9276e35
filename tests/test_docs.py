"""The README keeps its promises: the two commands, every CLI command, every setting."""

from __future__ import annotations

import re

from pipeline.cli import cli
from pipeline.config import describe_settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_two_setup_commands() -> None:
    assert "make run" in README and "make test" in README


def test_readme_documents_every_command() -> None:
    for name in cli.commands:
        assert re.search(rf"`{re.escape(name)}[ `]", README), f"README does not document `{name}`"


def test_makefile_has_the_readme_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test", "html", "publish", "serve"):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_setting_has_help_and_is_in_site_yaml() -> None:
    site_yaml = (ROOT / "site.yaml").read_text(encoding="utf-8")
    for name, help_text in describe_settings():
        assert help_text, f"setting {name} has no help"
        assert re.search(rf"^{name}:", site_yaml, re.M), f"site.yaml does not show {name}"
