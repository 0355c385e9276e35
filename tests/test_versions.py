"""Full builds of a site whose datasets live in a git repository made in the test: the
"Versions" section, the diff CSVs, the validation report and the Atom feeds."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.config import BuildPaths
from tests.conftest import PELICAN_CONF, ROOT, make_paths
from tests.test_history import Repo

pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
SLUG = "budget-primitif"
CSV = f"datasets/{SLUG}/{SLUG}.csv"


@pytest.fixture(scope="module")
def budget_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, list[str]]:
    """budget-primitif in three commits: published, a small change, a large one."""
    repo = Repo(tmp_path_factory.mktemp("versions") / "repo")
    shutil.copytree(ROOT / "datasets" / SLUG, repo.datasets / SLUG)
    shas = [repo.commit("Budget primitif 2024 et 2025")]
    lines = (repo.path / CSV).read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    first = rows[0].rsplit(",", 1)[0] + ",206056001.00\n"  # one amount changed
    small = [header, first, *rows[2:], "2025,investissement,recette,01,Opérations non ventilables,"
             "929,Test,1.00\n"]  # the second row removed, one row added
    shas.append(repo.commit("Correction d'un montant", {CSV: "".join(small)}))
    large = [header] + [_bump(row) if row.startswith("2025") else row for row in small[1:]]
    shas.append(repo.commit("Budget 2025 révisé", {CSV: "".join(large)}))
    return repo, shas


def _bump(row: str) -> str:
    head, amount = row.rstrip("\n").rsplit(",", 1)
    return f"{head},{float(amount) + 1:.2f}\n"


def _build(repo_datasets: Path, tmp: Path) -> BuildPaths:
    paths = make_paths(tmp, datasets=repo_datasets)
    build(paths, PELICAN_CONF)
    return paths


@pytest.fixture(scope="module")
def built(budget_repo, tmp_path_factory) -> tuple[Path, list[str]]:
    repo, shas = budget_repo
    return _build(repo.datasets, tmp_path_factory.mktemp("site")).output, shas


def _entries(feed: Path) -> list[ET.Element]:
    root = ET.parse(feed).getroot()
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_dataset_page_shows_the_versions_section(built):
    output, shas = built
    html = (output / "jeux-de-donnees" / SLUG / "index.html").read_text(encoding="utf-8")
    assert '<section id="versions"' in html and ">Versions</h2>" in html
    for sha in shas:
        assert f'id="version-{sha[:12]}"' in html
    assert html.index("Budget 2025 révisé") < html.index("Correction d&#39;un montant")
    assert "Version actuelle" in html and f"<code>{shas[-1][:12]}</code>" in html
    assert "conforme à son schéma" in html and "Validé le" in html
    # The small change: counts, and the changed cell in a table with caption and scopes.
    assert "1 ligne ajoutée, 1 ligne retirée, 1 ligne modifiée (1 cellule)" in html
    assert "Cellules modifiées dans" in html
    assert "<td>206056000</td><td>206056001</td>" in html
    assert '<th scope="row">2024 · fonctionnement · dépense · 930</th>' in html
    # The large change: a diff CSV instead of cells.
    diff = f"/donnees/{SLUG}/diffs/{shas[-1][:12]}-{SLUG}.csv"
    assert f'href="{diff}"' in html
    assert "Cellules modifiées par champ : <code>montant</code> (57)." in html
    # Earlier versions' files on the forge, at their commit; not the current one's.
    assert f"/raw/{shas[0]}/datasets/{SLUG}/{SLUG}.csv" in html
    assert f"/raw/{shas[-1]}/" not in html
    assert "Suivre les mises à jour de ce jeu (Atom)" in html
    assert f'href="/feeds/jeux-de-donnees/{SLUG}.atom.xml"' in html
    assert '<link rel="stylesheet" href="/theme/css/versions.css">' in html
    assert ('<link rel="alternate" type="application/atom+xml" href="/feeds/jeux-de-donnees.atom.xml"'
            in html)


def test_large_change_diff_csv_is_published(built):
    output, shas = built
    diff = output / "donnees" / SLUG / "diffs" / f"{shas[-1][:12]}-{SLUG}.csv"
    lines = diff.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("operation,champs_modifies,exercice,section")
    assert sum(line.startswith("avant,montant,2025") for line in lines) == 57
    assert len(list((output / "donnees" / SLUG / "diffs").iterdir())) == 1


def test_validation_report_is_published_beside_the_downloads(built):
    output, shas = built
    report = json.loads((output / "donnees" / SLUG / "rapport-validation.json").read_text())
    assert report["valid"] is True
    assert report["dataset"] == SLUG
    assert report["commit"] == shas[-1]
    assert report["pipeline_version"]
    assert report["resources"] == [{"name": SLUG, "rows": 112, "schema": "inline"}]
    assert isinstance(report["warnings"], list)


def test_feeds_parse_with_one_entry_per_version(built):
    output, shas = built
    dataset_feed = output / "feeds" / "jeux-de-donnees" / f"{SLUG}.atom.xml"
    entries = _entries(dataset_feed)
    assert len(entries) == 3
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "publication" in titles[-1] and "mise à jour" in titles[0]
    summary = entries[1].findtext(f"{ATOM}summary")
    assert "1 ligne ajoutée, 1 ligne retirée, 1 ligne modifiée (1 cellule)" in summary
    assert "57 lignes modifiées" in entries[0].findtext(f"{ATOM}summary")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links[0] == f"https://donnees.lenord.fr/jeux-de-donnees/{SLUG}/#version-{shas[-1][:12]}"
    dates = [e.findtext(f"{ATOM}updated") for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == "2025-03-15T09:00:00+00:00"
    assert len(_entries(output / "feeds" / "jeux-de-donnees.atom.xml")) == 3
    assert len(_entries(output / "feeds" / "themes" / "finances.atom.xml")) == 3


def test_feed_ids_are_stable_across_builds(built, budget_repo, tmp_path):
    output, shas = built
    repo, _ = budget_repo
    again = _build(repo.datasets, tmp_path).output
    for feed in ("feeds/jeux-de-donnees.atom.xml", f"feeds/jeux-de-donnees/{SLUG}.atom.xml"):
        first = [e.findtext(f"{ATOM}id") for e in _entries(output / feed)]
        second = [e.findtext(f"{ATOM}id") for e in _entries(again / feed)]
        assert first == second
        assert (output / feed).read_bytes() == (again / feed).read_bytes()
    ids = [e.findtext(f"{ATOM}id") for e in _entries(output / "feeds" / "jeux-de-donnees.atom.xml")]
    assert ids[0] == f"tag:donnees.lenord.fr,2025-03-15:/jeux-de-donnees/{SLUG}/{shas[-1]}"
    assert len(set(ids)) == len(ids)


def test_shallow_clone_builds_and_says_its_history_is_partial(budget_repo, tmp_path):
    repo, shas = budget_repo
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True, capture_output=True)
    output = _build(clone / "datasets", tmp_path / "site").output
    html = (output / "jeux-de-donnees" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "Historique partiel : dépôt cloné sans son historique complet" in html
    assert f'id="version-{shas[-1][:12]}"' in html and f'id="version-{shas[0][:12]}"' not in html
    (entry,) = _entries(output / "feeds" / "jeux-de-donnees" / f"{SLUG}.atom.xml")
    assert "version disponible la plus ancienne" in entry.findtext(f"{ATOM}title")


def test_without_git_the_page_shows_the_current_version_and_its_warnings(tmp_path):
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets" / SLUG, datasets / SLUG)
    descriptor = datasets / SLUG / "datapackage.yaml"
    text = descriptor.read_text(encoding="utf-8")
    descriptor.write_text(text.replace(
        "          description: \"Année budgétaire à laquelle s'appliquent les crédits.\"\n", ""),
        encoding="utf-8")
    output = _build(datasets, tmp_path).output
    html = (output / "jeux-de-donnees" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "Historique indisponible" in html
    assert "conforme à son schéma, 1 avertissement" in html
    assert "Avertissement : Field &#39;exercice&#39; of budget-primitif.csv has no description." in html
    report = json.loads((output / "donnees" / SLUG / "rapport-validation.json").read_text())
    assert report["commit"] == ""
    assert [w["code"] for w in report["warnings"]] == ["undocumented-field"]
    (entry,) = _entries(output / "feeds" / "jeux-de-donnees" / f"{SLUG}.atom.xml")
    assert entry.findtext(f"{ATOM}title").endswith("version actuelle")
