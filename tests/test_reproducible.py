"""Two builds of the same commit give byte-identical sites: no clock, no randomness."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.config import BuildPaths
from tests.conftest import PELICAN_CONF, ROOT, tree_digest


@pytest.mark.slow
def test_two_cold_builds_are_byte_identical(tmp_path: Path, sample_output: Path) -> None:
    other = BuildPaths.for_project(ROOT, output=tmp_path / "output", cache=tmp_path / "cache")
    build(other, PELICAN_CONF, strict=True)
    first, second = tree_digest(sample_output), tree_digest(other.output)
    assert sorted(first) == sorted(second)
    differing = [path for path in first if first[path] != second[path]]
    assert differing == []
