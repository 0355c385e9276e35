"""Project pages list what changed in the project's rows between versions (from git)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from pipeline.build import build
from tests.conftest import PELICAN_CONF, ROOT, make_paths
from tests.test_history import Repo

pytestmark = pytest.mark.slow

SLUG = "projets-departementaux"
PHASES = f"datasets/{SLUG}/phases.csv"


def test_a_changed_phase_appears_on_its_project_page(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    for slug in (SLUG, "cantons-nord-schematique"):
        shutil.copytree(ROOT / "datasets" / slug, repo.datasets / slug)
    repo.commit("Projets publiés")
    rows = list(csv.reader(io.StringIO((repo.path / PHASES).read_text(encoding="utf-8"))))
    header = rows[0]
    project = rows[1][header.index("projet")]
    rows[1][header.index("commentaire")] = "Calendrier décalé d'un mois"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    repo.commit("Phase décalée", {PHASES: text.getvalue()})
    paths = make_paths(tmp_path / "site", datasets=repo.datasets)
    build(paths, PELICAN_CONF)
    page = (paths.output / "projets" / project / "index.html").read_text(encoding="utf-8")
    assert "Modifications des données" in page
    assert "Phase décalée" in page and "Calendrier décalé d&#39;un mois" in page
    other = next(p for p in (paths.output / "projets").iterdir()
                 if p.is_dir() and p.name not in {project, "statut", "type", "canton"})
    assert "Modifications des données" not in (other / "index.html").read_text(encoding="utf-8")
