"""The kinds of page every browser gate runs on: adding a page kind is one line here.

A path may hold one `*`: the kind then stands for the first matching page of the build
(sorted), so the list does not depend on which theme or article exists. The hand-written
pages are discovered from content/pages (their Slug, or their file name as Pelican's
SLUGIFY_SOURCE = "basename" does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT


@dataclass(frozen=True)
class PageKind:
    id: str
    path: str
    dataset: bool = False  # a dataset page: its download links are checked

    def __str__(self) -> str:
        return self.id

    def resolve(self, output: Path) -> str:
        """The URL path of this kind in a built site; fails if the build lacks it."""
        if "*" not in self.path:
            page = output / self.path.strip("/") / "index.html"
            assert page.is_file(), f"{self.id}: {self.path} is missing from the build"
            return self.path
        matches = sorted(output.glob(self.path.strip("/") + "/index.html"))
        assert matches, f"{self.id}: no page matches {self.path} in the build"
        return "/" + matches[0].parent.relative_to(output).as_posix() + "/"


def content_pages(folder: Path = ROOT / "content" / "pages") -> list[PageKind]:
    kinds = []
    for source in sorted(folder.glob("*.md")):
        meta = {}
        for line in source.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                break  # metadata ends at the first blank line
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip()
        if meta.get("status", "").lower() == "draft":
            continue
        slug = meta.get("slug") or source.stem
        kinds.append(PageKind(f"page-{slug}", f"/{slug}/"))
    return kinds


PAGE_KINDS: list[PageKind] = [
    PageKind("accueil", "/"),
    PageKind("catalogue", "/catalogue/"),
    PageKind("theme", "/themes/*/"),
    PageKind("jeu-de-donnees", "/jeux-de-donnees/rsa-foyers-cantons/", dataset=True),
    PageKind("actualites", "/actualites/"),
    PageKind("categorie-actualites", "/actualites/categorie/*/"),
    PageKind("article", "/actualites/*/"),
    *content_pages(),
    PageKind("accessibilite", "/accessibilite/"),
    PageKind("cartes", "/cartes/"),
    PageKind("mie", "/mie/"),
    PageKind("mission-mie", "/mie/*/"),
    PageKind("rapport-mie", "/mie/*/rapport/"),
    PageKind("deontologie", "/deontologie/"),
    PageKind("deontologie-elu", "/deontologie/elus/*/"),
    PageKind("projets", "/projets/"),
    PageKind("projets-facette", "/projets/statut/*/"),
    PageKind("projet", "/projets/berges-scarpe-marchiennes/"),
    PageKind("cantons", "/cantons/"),
    PageKind("canton", "/cantons/*/"),
    PageKind("agenda", "/agenda/"),
    PageKind("agenda-passes", "/agenda/passes/"),
    PageKind("agenda-evenement", "/agenda/atelier-bien-vieillir-cambrai-2026-10-03/"),
    PageKind("agenda-instance", "/agenda/instances/*/"),
    PageKind("agenda-canton", "/agenda/cantons/*/"),
    PageKind("instances", "/instances/"),
    PageKind("instance", "/instances/*/"),
    PageKind("budgets", "/budgets/"),
    PageKind("budget-edition", "/budgets/*/"),
    PageKind("interpellations", "/interpellations/"),
    PageKind("interpellation", "/interpellations/*/"),
    PageKind("contributions", "/contributions/"),
    PageKind("recherche", "/recherche/"),
    PageKind("mots-cles", "/mots-cles/"),
    PageKind("mot-cle", "/mots-cles/*/"),
    PageKind("jeu-geo", "/jeux-de-donnees/cantons-nord-schematique/", dataset=True),
    PageKind("jeu-points", "/jeux-de-donnees/lieux-mediation-numerique/", dataset=True),
]
