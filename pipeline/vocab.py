"""Controlled vocabularies: themes, licences and update frequencies.

Each entry carries what the pages show (French labels) and what machine-readable
catalogues need (EU vocabularies' URIs), so there is one place to extend them.
"""

from __future__ import annotations

from dataclasses import dataclass

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQ = "http://publications.europa.eu/resource/authority/frequency/"


@dataclass(frozen=True)
class Theme:
    slug: str
    label: str
    description: str
    eu_theme: str  # code of the EU data-theme vocabulary (DCAT-AP)


THEMES: dict[str, Theme] = {
    t.slug: t
    for t in (
        Theme("statistiques", "Statistiques", "Chiffres clés du territoire et de ses habitants.", "SOCI"),
        Theme("action-sociale", "Action sociale", "RSA, enfance, personnes âgées et handicapées.", "SOCI"),
        Theme("insertion", "Insertion", "Retour à l'emploi, inclusion et médiation numérique.", "SOCI"),
        Theme("education", "Éducation", "Collèges, effectifs, restauration scolaire.", "EDUC"),
        Theme("mobilite", "Mobilité", "Routes départementales, trafic, déplacements.", "TRAN"),
        Theme("environnement", "Environnement", "Transition écologique, alimentation durable.", "ENVI"),
        Theme("espaces-naturels", "Espaces naturels", "Espaces naturels sensibles et leur fréquentation.", "ENVI"),
        Theme("amenagement", "Aménagement", "Travaux, voirie, bâtiments et aménagement du territoire.", "REGI"),
        Theme("participation", "Participation", "Démocratie participative, concertations, pétitions.", "GOVE"),
        Theme("finances", "Finances", "Budget, subventions et commande publique.", "ECON"),
        Theme("deontologie", "Déontologie", "Déclarations des élus et registre de déontologie.", "GOVE"),
        Theme("mie", "Missions d'information et d'évaluation", "Travaux et conclusions des MIE.", "GOVE"),
    )
}


@dataclass(frozen=True)
class License:
    id: str
    title: str
    url: str


LICENSES: dict[str, License] = {
    lic.id: lic
    for lic in (
        License(
            "etalab-2.0",
            "Licence Ouverte / Open Licence 2.0",
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        ),
        License("odbl-1.0", "Open Database License (ODbL) 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
        License("cc-by-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
        License("cc0-1.0", "Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    )
}

# Names data officers commonly write for the same licences.
LICENSE_ALIASES = {
    "lo-2.0": "etalab-2.0",
    "licence-ouverte-2.0": "etalab-2.0",
    "etalab": "etalab-2.0",
    "odbl": "odbl-1.0",
    "cc-by": "cc-by-4.0",
    "cc0": "cc0-1.0",
}


@dataclass(frozen=True)
class Frequency:
    id: str
    label: str
    eu_code: str


FREQUENCIES: dict[str, Frequency] = {
    f.id: f
    for f in (
        Frequency("continuous", "En continu", "CONT"),
        Frequency("daily", "Quotidienne", "DAILY"),
        Frequency("weekly", "Hebdomadaire", "WEEKLY"),
        Frequency("monthly", "Mensuelle", "MONTHLY"),
        Frequency("quarterly", "Trimestrielle", "QUARTERLY"),
        Frequency("semiannual", "Semestrielle", "ANNUAL_2"),
        Frequency("annual", "Annuelle", "ANNUAL"),
        Frequency("irregular", "Irrégulière", "IRREG"),
        Frequency("punctual", "Ponctuelle (pas de mise à jour prévue)", "NEVER"),
    )
}

DEFAULT_FREQUENCY = "irregular"
