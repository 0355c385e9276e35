"""The official SCDL subventions examples give the error counts listed in shared/SOURCES.md."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline.build import validate
from tests.conftest import SHARED_DATA, make_paths, requires_shared_data

EXAMPLES = SHARED_DATA / "examples" / "subventions-2.1.0"
EXPECTED = {
    "exemple_valide.csv": ("utf-8", {}),
    "exemple_invalide_erreurs_cellules.csv": (
        "utf-8", {"missing-label": 1, "constraint-error": 10, "type-error": 5}),
    "exemple_invalide_erreurs_colonnes.csv": (
        "utf-8", {"missing-label": 1, "incorrect-label": 3, "constraint-error": 38, "type-error": 5}),
    "exemple-duplicate-column.csv": (
        "cp1252", {"missing-label": 1, "incorrect-label": 7, "duplicate-label": 1,
                   "constraint-error": 116, "type-error": 29}),
}


@requires_shared_data()
@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_subventions_example_counts(example: str, tmp_path: Path) -> None:
    encoding, counts = EXPECTED[example]
    paths = make_paths(tmp_path)
    folder = paths.datasets / "subventions-exemple"
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLES / example, folder / "data.csv")
    shutil.copy(EXAMPLES / "schema.json", folder / "schema.json")
    (folder / "datapackage.yaml").write_text(
        "name: subventions-exemple\ntitle: Exemple officiel\ndescription: Exemple.\n"
        "theme: finances\nkeywords: [subventions]\ncontact: {email: test@example.org}\n"
        f"resources:\n  - path: data.csv\n    encoding: {encoding}\n    schema: schema.json\n",
        encoding="utf-8",
    )
    result, _, _ = validate(paths, jobs=1)
    found = Counter(p.code for p in result.report.errors)
    assert dict(found) == counts
    for problem in result.report.errors:
        assert problem.file == "datasets/subventions-exemple/data.csv"
        if problem.code in {"type-error", "constraint-error"}:
            assert problem.row and problem.field and problem.hint
