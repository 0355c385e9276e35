"""The up-to-date check (pipeline/uptodate.py) and discover's memo (pipeline/memo.py): a
build keeps output/ only when nothing it reads has changed, and every input counts.

The builds here run on a copy of the project (settings, theme, content, schemas, Pelican
configuration) so that each input can be edited."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline import catalog
from pipeline.build import BuildResult, build
from pipeline.catalog import discover
from pipeline.config import BuildPaths, load_settings
from pipeline.errors import BuildRefused
from pipeline.memo import PickleMemo
from pipeline.scaffold import new_dataset
from pipeline.schemas import SchemaCache
from pipeline.uptodate import InputState, input_state
from tests.conftest import ROOT, copy_dataset, tree_digest

pytestmark = pytest.mark.slow

PROJECT_FILES = ("site.yaml", "accessibility.yaml", "pelicanconf.py", "publishconf.py")
PROJECT_FOLDERS = ("theme", "content", "schemas")


@pytest.fixture
def project(tmp_path: Path) -> BuildPaths:
    """A copy of the project with two small datasets; output and cache beside it."""
    root = tmp_path / "project"
    root.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, root / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(ROOT / name, root / name, symlinks=True)
    (root / "datasets").mkdir()
    for slug in ("budget-primitif", "effectifs-colleges"):
        copy_dataset(slug, root / "datasets")
    return BuildPaths.for_project(root, output=tmp_path / "output", cache=tmp_path / "cache")


def _build(paths: BuildPaths, conf: str = "pelicanconf.py", **options) -> BuildResult:
    return build(paths, paths.root / conf, jobs=1, **options)


def _state(paths: BuildPaths, strict: bool) -> InputState:
    """What a build of paths would compare with the last one."""
    schemas = SchemaCache.for_project(paths.root, load_settings(paths.settings_file))
    return input_state(paths, paths.root / "pelicanconf.py", strict, schemas)


def _page(paths: BuildPaths, url: str) -> str:
    return (paths.output / url / "index.html").read_text(encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unchanged_inputs_keep_output_and_give_the_report_again(project: BuildPaths) -> None:
    _replace(project.datasets / "budget-primitif" / "datapackage.yaml", "keywords:", "old_keywords:")
    first = _build(project)
    folder, before = project.output.stat().st_ino, tree_digest(project.output)
    again = _build(project)
    assert again.up_to_date and again.site is None and again.datasets == 2
    assert again.report.problems == first.report.problems
    assert any(p.code == "no-keywords" for p in again.report.warnings)
    assert project.output.stat().st_ino == folder and tree_digest(project.output) == before
    forced = _build(project, force=True)
    assert not forced.up_to_date and project.output.stat().st_ino != folder


# Each edit, and a text the page it changes must show afterwards (url, text), or None.
EDITS = {
    "data": (lambda p: _replace(p.datasets / "effectifs-colleges" / "effectifs-colleges.csv",
                                "Rosa Parks", "Rosa Parkz"),
             ("jeux-de-donnees/effectifs-colleges", "Rosa Parkz")),
    "descriptor": (lambda p: _replace(p.datasets / "budget-primitif" / "datapackage.yaml",
                                      "title: ", "title: Nouveau titre "),
                   ("jeux-de-donnees/budget-primitif", "Nouveau titre")),
    "content": (lambda p: _replace(p.content / "pages" / "a-propos.md", "\n\n", "\n\nPhrase ajoutée.\n\n"),
                ("a-propos", "Phrase ajoutée.")),
    "theme": (lambda p: _replace(p.theme / "templates" / "base.html", "</footer>",
                                 "<p>Pied modifié</p></footer>"),
              ("catalogue", "Pied modifié")),
    "settings": (lambda p: _replace(p.settings_file, "tagline: ", "tagline: Slogan modifié. "),
                 ("catalogue", "Slogan modifié.")),
    "accessibility": (lambda p: _replace(p.root / "accessibility.yaml", "\n", "\n# modifié\n"), None),
    "site schema": (lambda p: _replace(next((p.root / "schemas" / "site").rglob("*.json")), "{", "{ "),
                    None),
    "output": (lambda p: (p.output / "catalogue" / "index.html").unlink(), None),
    "new dataset": (lambda p: new_dataset(p.datasets, "nouveau-jeu"), ("jeux-de-donnees/nouveau-jeu", "")),
    "removed dataset": (lambda p: shutil.rmtree(p.datasets / "budget-primitif"), None),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_any_change_to_what_the_build_reads_or_wrote_builds_again(project: BuildPaths, edit: str) -> None:
    change, shows = EDITS[edit]
    _build(project)
    assert _build(project).up_to_date
    change(project)
    again = _build(project)
    assert not again.up_to_date and again.site is not None
    assert (project.output / "catalogue" / "index.html").is_file()
    if shows:
        url, text = shows
        assert text in _page(project, url)
    if edit == "removed dataset":
        assert not (project.output / "jeux-de-donnees" / "budget-primitif").exists()


def test_options_and_environment_count(project: BuildPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(project)
    assert not _build(project, strict=True).up_to_date
    assert _build(project, strict=True).up_to_date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert not _build(project, strict=True).up_to_date
    state = _state(project, True)
    assert _state(project, True).same_as(state)
    monkeypatch.setenv("PAGEFIND_SITE", "ailleurs")  # Pagefind reads its own variables
    assert not _state(project, True).same_as(state)


def test_another_pelican_configuration_is_not_served_templates_compiled_for_the_first(
        project: BuildPaths, tmp_path: Path) -> None:
    """Compiled templates are named by the options they were compiled with (trim_blocks
    changes the HTML): the same configuration on a fresh cache gives the same bytes."""
    conf = project.root / "pelicanconf.py"
    (project.root / "loose.py").write_text(
        conf.read_text(encoding="utf-8").replace('"trim_blocks": True', '"trim_blocks": False'),
        encoding="utf-8")
    _build(project)
    tight = _page(project, "catalogue")
    _build(project, conf="loose.py")
    fresh = BuildPaths.for_project(project.root, output=tmp_path / "fresh", cache=tmp_path / "fresh-cache")
    _build(fresh, conf="loose.py")
    assert _page(project, "catalogue") == _page(fresh, "catalogue") != tight


def test_a_commit_in_the_datasets_repository_counts(project: BuildPaths) -> None:
    """Dates and versions come from the history of the repository holding datasets/,
    which may not be the project's: a commit there changes the site, not one file."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(project.datasets), "-c", "user.name=t", "-c", "user.email=t@t",
                        *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "first")
    before = _state(project, False)
    assert _state(project, False).same_as(before)
    git("commit", "-q", "--allow-empty", "-m", "second")
    assert not _state(project, False).same_as(before)


def test_a_schema_cache_outside_the_project_counts(project: BuildPaths, tmp_path: Path) -> None:
    elsewhere = tmp_path / "schemas-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "schema.json").write_text('{"fields": []}', encoding="utf-8")
    with project.settings_file.open("a", encoding="utf-8") as settings:
        settings.write(f"\nschema_cache: {elsewhere}\n")
    assert SchemaCache.for_project(project.root, load_settings(project.settings_file)).folder == elsewhere
    before = _state(project, False)
    (elsewhere / "schema.json").write_text('{"fields": [{"name": "a"}]}', encoding="utf-8")
    assert not _state(project, False).same_as(before)


def test_a_dataset_folder_reached_by_a_symbolic_link_is_looked_into(
        project: BuildPaths, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.move(project.datasets / "effectifs-colleges", outside / "effectifs-colleges")
    (project.datasets / "effectifs-colleges").symlink_to(outside / "effectifs-colleges")
    _build(project)
    assert _build(project).up_to_date
    _replace(outside / "effectifs-colleges" / "effectifs-colleges.csv", "Rosa Parks", "Rosa Parkz")
    _replace(outside / "effectifs-colleges" / "datapackage.yaml", "title: ", "title: Lien suivi ")
    again = _build(project)
    assert not again.up_to_date
    page = _page(project, "jeux-de-donnees/effectifs-colleges")
    assert "Rosa Parkz" in page and "Lien suivi" in page


def test_a_file_changed_within_the_clock_tick_of_the_last_build_is_seen(project: BuildPaths) -> None:
    """Same size, same modification time (as if saved twice in one tick of the file
    system's clock): the file was recent when the build looked at it, so it is compared
    by content too."""
    csv = project.datasets / "effectifs-colleges" / "effectifs-colleges.csv"
    csv.write_bytes(csv.read_bytes())  # saved just before the build
    _build(project)
    before = csv.stat()
    csv.write_bytes(csv.read_bytes().replace(b"Rosa Parks", b"Rosa Parkz"))
    os.utime(csv, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert csv.stat().st_size == before.st_size and csv.stat().st_mtime_ns == before.st_mtime_ns
    assert not _build(project).up_to_date
    assert "Rosa Parkz" in _page(project, "jeux-de-donnees/effectifs-colleges")


def test_a_refused_build_is_never_up_to_date(project: BuildPaths) -> None:
    _build(project)
    csv = project.datasets / "budget-primitif" / "budget-primitif.csv"
    csv.write_bytes(csv.read_bytes().replace(b"\n", b"\nnot,a,row\n", 1))
    for _ in range(2):
        with pytest.raises(BuildRefused):
            _build(project)


# Discover's memo


def _discover(paths: BuildPaths, memo: PickleMemo, settings_file: Path | None = None):
    settings = load_settings(settings_file or paths.settings_file)
    return discover(paths.datasets, settings, SchemaCache.for_project(paths.root, settings), memo=memo)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The dataset folders discover actually reads."""
    seen: list[str] = []
    load = catalog._load_dataset

    def counting(folder: Path, *args):
        seen.append(folder.name)
        return load(folder, *args)

    monkeypatch.setattr(catalog, "_load_dataset", counting)
    return seen


def test_discover_reads_again_only_what_changed(project: BuildPaths, reads: list[str]) -> None:
    memo = PickleMemo(project.cache / "discover")
    first = _discover(project, memo)
    assert sorted(reads) == ["budget-primitif", "effectifs-colleges"]
    reads.clear()
    assert _discover(project, memo) == first and reads == []
    _replace(project.datasets / "budget-primitif" / "datapackage.yaml", "title: ", "title: Autre ")
    datasets, _ = _discover(project, memo)
    assert reads == ["budget-primitif"]
    assert next(d for d in datasets if d.slug == "budget-primitif").title.startswith("Autre ")


@pytest.mark.parametrize("change", ["settings", "site schema", "corrupt memo"])
def test_discover_reads_everything_again_when_what_all_depend_on_changes(
        project: BuildPaths, reads: list[str], change: str) -> None:
    memo = PickleMemo(project.cache / "discover")
    _discover(project, memo)
    reads.clear()
    if change == "settings":
        _replace(project.settings_file, "name: ", "name: Autre nom ")
    elif change == "site schema":
        _replace(next((project.root / "schemas" / "site").rglob("*.json")), "{", "{ ")
    else:
        for stored in (project.cache / "discover").glob("*.pickle"):
            stored.write_bytes(b"not a pickle")
    _discover(project, memo)
    assert sorted(reads) == ["budget-primitif", "effectifs-colleges"]


def test_discover_forgets_removed_datasets(project: BuildPaths) -> None:
    memo = PickleMemo(project.cache / "discover")
    _discover(project, memo)
    assert (project.cache / "discover" / "budget-primitif.pickle").is_file()
    shutil.rmtree(project.datasets / "budget-primitif")
    _discover(project, memo)
    assert sorted(p.name for p in (project.cache / "discover").glob("*.pickle")) == [
        "effectifs-colleges.pickle"]
