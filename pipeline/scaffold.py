"""new-dataset: a folder with a commented datapackage.yaml and an example CSV."""

from __future__ import annotations

from pathlib import Path

from pipeline.catalog import SLUG
from pipeline.errors import ScaffoldError
from pipeline.vocab import FREQUENCIES, THEMES

DESCRIPTOR = """\
# Metadata of the dataset "{slug}". Edit every line marked TODO, then run:
#   python build.py validate {slug}
# The folder name is the dataset's address: /jeux-de-donnees/{slug}/

name: {slug}
title: "TODO Titre du jeu de données"
description: |
  TODO Ce que contient le jeu de données, comment il est produit, comment le lire
  (unités, définitions, limites). Markdown accepté.
# One of: {themes}
theme: statistiques
keywords: [TODO, mot-clé]
# Licence Ouverte 2.0 unless the data requires another (odbl-1.0…).
licenses:
  - name: etalab-2.0
# One of: {frequencies}
frequency: annual
temporal: {{start: 2025-01-01, end: 2025-12-31}}
# departement:59, canton:5901 or commune:59350 (INSEE codes); a list is allowed.
spatial: departement:59
contact: {{name: "TODO Service producteur", email: "TODO@lenord.fr"}}
resources:
  - name: {slug}
    path: {slug}.csv
    format: csv
    encoding: utf-8          # save files as UTF-8 (CSV UTF-8 in spreadsheets)
    # The Table Schema: one entry per column, in the file's order.
    schema:
      primaryKey: [code_commune, annee]
      missingValues: [""]
      fields:
        - name: code_commune
          title: Code INSEE de la commune
          description: Code officiel géographique à 5 caractères.
          type: string
          constraints: {{required: true, pattern: "^59[0-9]{{3}}$"}}
        - name: nom_commune
          title: Nom de la commune
          description: Nom usuel de la commune.
          type: string
        - name: annee
          title: Année
          description: Année de l'observation.
          type: year
          constraints: {{required: true}}
        - name: valeur
          title: Valeur
          description: TODO Ce que mesure la valeur, avec son unité.
          type: integer
          constraints: {{minimum: 0}}
"""

EXAMPLE_CSV = """\
code_commune,nom_commune,annee,valeur
59350,Lille,2025,120
59512,Roubaix,2025,87
59183,Dunkerque,2025,64
"""


def new_dataset(datasets_dir: Path, slug: str) -> Path:
    if not SLUG.match(slug):
        raise ScaffoldError(
            f"{slug!r} is not a valid dataset name: use lowercase letters, digits and hyphens "
            "(e.g. rsa-foyers-cantons)."
        )
    folder = datasets_dir / slug
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists: choose another name or edit that dataset.")
    folder.mkdir(parents=True)
    (folder / "datapackage.yaml").write_text(
        DESCRIPTOR.format(slug=slug, themes=", ".join(THEMES), frequencies=", ".join(FREQUENCIES)),
        encoding="utf-8",
    )
    (folder / f"{slug}.csv").write_text(EXAMPLE_CSV, encoding="utf-8")
    return folder
