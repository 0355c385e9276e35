"""Shared fixtures: project paths, a small site to build, and the full sample site."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.build import BuildResult, build
from pipeline.config import BuildPaths
from tests.support.browser import browser, chromium_executable  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"
PELICAN_CONF = ROOT / "pelicanconf.py"


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder, by relative path: equal digests, equal trees."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def make_paths(tmp: Path, datasets: Path | None = None) -> BuildPaths:
    return BuildPaths.for_project(
        ROOT,
        datasets=datasets or tmp / "datasets",
        output=tmp / "output",
        cache=tmp / "cache",
    )


def copy_dataset(slug: str, datasets_dir: Path, source: Path | None = None) -> Path:
    target = datasets_dir / slug
    shutil.copytree((source or ROOT / "datasets") / slug, target, symlinks=True)
    return target


@pytest.fixture
def small_site(tmp_path: Path) -> BuildPaths:
    """A project with two small sample datasets, in a temporary folder."""
    paths = make_paths(tmp_path)
    paths.datasets.mkdir()
    for slug in ("budget-primitif", "effectifs-colleges"):
        copy_dataset(slug, paths.datasets)
    return paths


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildPaths, BuildResult]:
    """The full sample site, built once per test session."""
    tmp = tmp_path_factory.mktemp("sample-site")
    paths = BuildPaths.for_project(ROOT, output=tmp / "output", cache=tmp / "cache")
    result = build(paths, PELICAN_CONF, strict=True)
    return paths, result


@pytest.fixture(scope="session")
def sample_output(sample_build: tuple[BuildPaths, BuildResult]) -> Path:
    return sample_build[0].output


def requires_shared_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not present")
