"""The history of datasets from real git repositories built in the test: versions, row-level
diffs keyed on the primary key, schema changes, renames, large diffs, cache, shallow clones."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.history import RepositoryHistory, read_history
from pipeline.history.cache import FOLDER
from pipeline.history.diff import NOTE_NO_KEY
from pipeline.schemas import SchemaCache
from tests.conftest import ROOT

SCHEMAS = SchemaCache(ROOT / "schemas")


class Repo:
    """A git repository in a temporary folder, committed with fixed dates and author."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Service des données")
        self.git("config", "user.email", "donnees@example.org")
        self.git("config", "commit.gpgsign", "false")

    @property
    def datasets(self) -> Path:
        return self.path / "datasets"

    def git(self, *args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": self._date(), "GIT_COMMITTER_DATE": self._date()}
        return subprocess.run(["git", "-C", str(self.path), *args], check=True, capture_output=True,
                              text=True, env=env).stdout

    def _date(self) -> str:
        return f"2025-0{1 + self.count}-15T10:00:00+01:00"

    def write(self, files: dict[str, str | bytes | None]) -> None:
        for name, content in files.items():
            path = self.path / name
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")

    def commit(self, message: str, files: dict[str, str | bytes | None] | None = None) -> str:
        self.write(files or {})
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        self.count += 1
        return self.git("rev-parse", "HEAD").strip()

    def history(self, cache: Path, slugs: tuple[str, ...] = ("mesures",)) -> RepositoryHistory:
        return read_history(self.datasets, list(slugs), cache, SCHEMAS)


def descriptor(fields: list[dict], path: str = "mesures.csv", key: list[str] | None = ("code",),
               name: str = "mesures", delimiter: str = ";") -> str:
    schema: dict = {"fields": fields}
    if key:
        schema["primaryKey"] = list(key)
    return yaml.safe_dump({
        "name": name, "title": "Mesures", "theme": "statistiques",
        "resources": [{"name": name, "title": "Relevés", "path": path, "format": "csv",
                       "dialect": {"delimiter": delimiter}, "schema": schema}],
    }, allow_unicode=True)


FIELDS_V1 = [
    {"name": "code", "type": "string"},
    {"name": "annee", "type": "integer"},
    {"name": "valeur", "type": "number", "decimalChar": ","},
]
FIELDS_V3 = [
    {"name": "code", "type": "string"},
    {"name": "annee", "type": "string"},
    {"name": "valeur", "type": "number", "decimalChar": ","},
    {"name": "categorie", "type": "string"},
]


@pytest.fixture
def three_versions(tmp_path: Path) -> tuple[Repo, list[str]]:
    """v1: four rows; v2: E added, B removed, C changed, A rewritten with the same value;
    v3: field added, a type changed, the file renamed, D changed."""
    repo = Repo(tmp_path / "repo")
    shas = [
        repo.commit("Première publication", {
            "datasets/mesures/datapackage.yaml": descriptor(FIELDS_V1),
            "datasets/mesures/mesures.csv": ("code;annee;valeur\nA;2024;1,50\nB;2024;2\nC;2024;3,5\n"
                                             "D;2024;4\n"),
        }),
        repo.commit("Relevés de février", {
            "datasets/mesures/mesures.csv": "code;annee;valeur\nA;2024;1,5\nC;2024;4\nD;2024;4\nE;2025;5\n",
        }),
        repo.commit("Catégories et nouveau nom de fichier", {
            "datasets/mesures/mesures.csv": None,
            "datasets/mesures/releves.csv": ("code;annee;valeur;categorie\nA;2024;1,5;x\nC;2024;4;x\n"
                                             "D;2024;4,25;y\nE;2025;5;y\n"),
            "datasets/mesures/datapackage.yaml": descriptor(FIELDS_V3, path="releves.csv"),
        }),
    ]
    return repo, shas


def test_versions_are_listed_newest_first_with_commit_date_and_author(three_versions, tmp_path):
    repo, shas = three_versions
    history = repo.history(tmp_path / "cache")
    assert history.source == "git"
    assert history.head == shas[-1]
    versions = history.of("mesures").versions
    assert [v.commit.sha for v in versions] == shas[::-1]
    assert [v.commit.subject for v in versions] == [
        "Catégories et nouveau nom de fichier", "Relevés de février", "Première publication"]
    assert versions[0].commit.author == "Service des données"
    assert versions[-1].commit.date.isoformat() == "2025-01-15T09:00:00+00:00"
    assert versions[-1].initial and not versions[0].initial
    assert not history.of("mesures").uncommitted


def test_first_version_counts_its_rows_as_added(three_versions, tmp_path):
    repo, _ = three_versions
    first = repo.history(tmp_path / "cache").of("mesures").versions[-1]
    (change,) = first.resources
    assert change.status == "created"
    assert (change.counts.rows_after, change.counts.rows_added) == (4, 4)


def test_rows_added_removed_and_changed_are_keyed_on_the_primary_key(three_versions, tmp_path):
    repo, _ = three_versions
    second = repo.history(tmp_path / "cache").of("mesures").versions[1]
    (change,) = second.resources
    counts = change.counts
    assert change.status == "modified"
    assert (counts.rows_before, counts.rows_after) == (4, 4)
    assert (counts.rows_added, counts.rows_removed, counts.rows_changed) == (1, 1, 1)
    assert counts.compared_by == "key" and counts.key_fields == ("code",)
    # "1,50" → "1,5" is the same number: only C's value changed.
    assert [(c.key, c.field, c.old, c.new) for c in counts.cells] == [(("C",), "valeur", "3.5", "4")]
    assert counts.added_keys == (("E",),) and counts.removed_keys == (("B",),)
    assert counts.diff_file is None
    assert second.rows_added == 1 and second.rows_removed == 1 and second.rows_changed == 1


def test_schema_changes_and_renamed_file_are_the_same_resource(three_versions, tmp_path):
    repo, _ = three_versions
    third = repo.history(tmp_path / "cache").of("mesures").versions[0]
    (change,) = third.resources
    assert change.name == "mesures"
    assert change.renamed
    assert (change.previous_path, change.path) == ("datasets/mesures/mesures.csv",
                                                   "datasets/mesures/releves.csv")
    kinds = {(c.kind, c.field, c.old, c.new) for c in change.schema_changes}
    assert kinds == {("field-added", "categorie", "", "string"),
                     ("type-changed", "annee", "integer", "string")}
    assert "champ « categorie » ajouté (texte)" in [c.label for c in change.schema_changes]
    # annee is now text, but "2024" is still "2024": only D's value changed.
    assert [(c.key, c.field, c.old, c.new) for c in change.counts.cells] == [
        (("D",), "valeur", "4", "4.25")]
    assert change.counts.rows_added == change.counts.rows_removed == 0
    assert third.metadata_changed
    assert [f.name for f in third.files] == ["datapackage.yaml", "releves.csv"]


def test_rename_without_explicit_name_follows_git(tmp_path):
    """Without `name:`, the resource's name follows the file's: git's rename detection matches."""
    repo = Repo(tmp_path / "repo")
    rows = "".join(f"K{i};2024;{i}\n" for i in range(20))
    raw = yaml.safe_load(descriptor(FIELDS_V1))
    del raw["resources"][0]["name"]
    repo.commit("v1", {"datasets/mesures/datapackage.yaml": yaml.safe_dump(raw),
                       "datasets/mesures/mesures.csv": "code;annee;valeur\n" + rows})
    raw["resources"][0]["path"] = "mesures-2024.csv"
    repo.commit("v2", {"datasets/mesures/datapackage.yaml": yaml.safe_dump(raw),
                       "datasets/mesures/mesures.csv": None,
                       "datasets/mesures/mesures-2024.csv": "code;annee;valeur\n" + rows + "K99;2024;9\n"})
    (change,) = repo.history(tmp_path / "cache").of("mesures").versions[0].resources
    assert change.name == "mesures-2024" and change.renamed
    assert change.counts.rows_added == 1 and change.counts.rows_removed == 0


def test_large_change_gives_a_diff_csv_instead_of_cells(tmp_path):
    repo = Repo(tmp_path / "repo")
    before = "".join(f"K{i:02};2024;{i}\n" for i in range(60))
    after = "".join(f"K{i:02};2024;{i + 1}\n" for i in range(1, 60)) + "K99;2025;1\n"
    repo.commit("v1", {"datasets/mesures/datapackage.yaml": descriptor(FIELDS_V1),
                       "datasets/mesures/mesures.csv": "code;annee;valeur\n" + before})
    repo.commit("v2", {"datasets/mesures/mesures.csv": "code;annee;valeur\n" + after})
    (change,) = repo.history(tmp_path / "cache").of("mesures").versions[0].resources
    counts = change.counts
    assert (counts.rows_added, counts.rows_removed, counts.rows_changed) == (1, 1, 59)
    assert counts.cells_changed == 59
    assert counts.cells == ()
    assert counts.fields_changed == (("valeur", 59),)
    assert counts.large and counts.diff_file.is_file()
    lines = list(csv.reader(io.StringIO(counts.diff_file.read_text(encoding="utf-8"))))
    assert lines[0] == ["operation", "champs_modifies", "code", "annee", "valeur"]
    assert lines[1] == ["suppression", "", "K00", "2024", "0"]
    assert lines[2:4] == [["avant", "valeur", "K01", "2024", "1"], ["après", "valeur", "K01", "2024", "2"]]
    assert lines[-1] == ["ajout", "", "K99", "2025", "1"]
    assert len(lines) == 1 + 1 + 2 * 59 + 1


def test_without_primary_key_rows_are_compared_whole_and_it_says_so(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("v1", {"datasets/mesures/datapackage.yaml": descriptor(FIELDS_V1, key=None),
                       "datasets/mesures/mesures.csv": "code;annee;valeur\nA;2024;1\nB;2024;2\nB;2024;2\n"})
    repo.commit("v2", {"datasets/mesures/mesures.csv": "code;annee;valeur\nA;2024;1,0\nB;2024;2\nB;2024;3\n"})
    (change,) = repo.history(tmp_path / "cache").of("mesures").versions[0].resources
    counts = change.counts
    assert counts.compared_by == "row" and counts.key_fields == ()
    assert NOTE_NO_KEY in counts.notes
    assert (counts.rows_added, counts.rows_removed, counts.rows_changed) == (1, 1, 0)


def test_metadata_only_commit_changes_no_row(three_versions, tmp_path):
    repo, _ = three_versions
    text = (repo.datasets / "mesures" / "datapackage.yaml").read_text().replace("Mesures", "Mesures v2")
    repo.commit("Titre", {"datasets/mesures/datapackage.yaml": text})
    latest = repo.history(tmp_path / "cache").of("mesures").versions[0]
    assert latest.metadata_changed and latest.changed_resources == ()
    assert latest.resources[0].status == "unchanged"
    assert latest.resources[0].counts.rows_after == 4


def test_unreadable_old_version_is_compared_as_text(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("v1 invalide", {"datasets/mesures/datapackage.yaml": descriptor(FIELDS_V1),
                                "datasets/mesures/mesures.csv": "code;annee;valeur\nA;2024;1\nB;deux;2\n"})
    repo.commit("v2", {"datasets/mesures/mesures.csv": "code;annee;valeur\nA;2024;1\nB;2024;2\n"})
    (change,) = repo.history(tmp_path / "cache").of("mesures").versions[0].resources
    assert any("comparées comme texte" in n for n in change.counts.notes)
    assert [(c.key, c.field, c.old, c.new) for c in change.counts.cells] == [
        (("B",), "annee", "deux", "2024")]


def test_diffs_are_cached_and_a_rebuild_reads_them(three_versions, tmp_path):
    """Warm, the cached answers are used as they are: a tampered entry shows through."""
    repo, _ = three_versions
    cache = tmp_path / "cache"
    cold = repo.history(cache)
    entries = sorted((cache / FOLDER).rglob("*.json"))
    assert len(entries) == 3  # the first version's count, then two diffs
    assert repo.history(cache) == cold
    assert sorted((cache / FOLDER).rglob("*.json")) == entries
    for entry in entries:
        data = json.loads(entry.read_text())
        data["rows_after"] += 1000
        entry.write_text(json.dumps(data))
    warm = repo.history(cache)
    assert [v.resources[0].counts.rows_after for v in warm.of("mesures").versions] == [1004] * 3


def test_shallow_clone_is_detected_and_shows_what_it_can(three_versions, tmp_path):
    repo, shas = three_versions
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True, capture_output=True)
    history = read_history(clone / "datasets", ["mesures"], tmp_path / "cache", SCHEMAS)
    assert history.source == "shallow"
    dataset = history.of("mesures")
    assert dataset.shallow
    (only,) = dataset.versions
    assert only.commit.sha == shas[-1]
    assert only.partial and not only.initial
    (change,) = only.resources
    assert change.status == "baseline" and change.counts.rows_after == 4
    assert change.counts.rows_added == 0


def test_without_git_only_the_current_version_is_known(three_versions, tmp_path):
    repo, _ = three_versions
    plain = tmp_path / "plain" / "datasets"
    shutil.copytree(repo.datasets, plain)
    history = read_history(plain, ["mesures"], tmp_path / "cache", SCHEMAS)
    assert history.source == "none" and history.head == ""
    assert history.of("mesures").versions == ()


def test_uncommitted_changes_are_flagged(three_versions, tmp_path):
    repo, _ = three_versions
    (repo.datasets / "mesures" / "releves.csv").write_text("code;annee;valeur;categorie\nA;2024;1;x\n")
    dataset = repo.history(tmp_path / "cache").of("mesures")
    assert dataset.uncommitted
    assert len(dataset.versions) == 3


def test_datasets_are_read_from_one_log(three_versions, tmp_path):
    """Two datasets, interleaved commits: each gets only its own versions."""
    repo, _ = three_versions
    other = descriptor(FIELDS_V1, name="autre").replace("mesures.csv", "autre.csv")
    repo.commit("Autre jeu", {"datasets/autre/datapackage.yaml": other,
                              "datasets/autre/autre.csv": "code;annee;valeur\nZ;2024;1\n"})
    history = repo.history(tmp_path / "cache", ("mesures", "autre"))
    assert len(history.of("mesures").versions) == 3
    assert [v.commit.subject for v in history.of("autre").versions] == ["Autre jeu"]
