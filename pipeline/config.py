"""Typed, frozen settings: the site's identity (site.yaml) and the build's paths."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigurationError

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

# PyYAML's safe loader in C (libyaml) when installed: ten times faster than the Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Canton:
    code: str
    name: str

    @property
    def slug(self) -> str:
        from pipeline.text import slugify

        return slugify(self.name)

    @property
    def label(self) -> str:
        """« canton d'Armentières », « canton du Cateau-Cambrésis », « canton de Lille-1 »."""
        name = self.name
        if name.startswith("Le "):
            return f"canton du {name[3:]}"
        if name.startswith("La "):
            return f"canton de la {name[3:]}"
        if name[:1] in set("AEIOUYÉÈÊÂÎÔŒ"):
            return f"canton d'{name}"
        return f"canton de {name}"


@dataclass(frozen=True)
class Territory:
    kind: str = field(default="departement", metadata={"help": "departement, region, commune…"})
    code: str = field(default="59", metadata={"help": "INSEE code of the territory"})
    name: str = field(default="Nord", metadata={"help": "Name of the territory"})
    cantons: tuple[Canton, ...] = field(default=(), metadata={"help": "Cantons: code and name"})

    def canton(self, code: str) -> Canton | None:
        return next((c for c in self.cantons if c.code == code), None)


@dataclass(frozen=True)
class Colors:
    primary: str = "#0b4f8a"
    accent: str = "#b4360f"
    background: str = "#ffffff"
    text: str = "#1b1b1b"


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class SiteSettings:
    """The identity of the site, read from site.yaml."""

    name: str = field(default="Données ouvertes", metadata={"help": "Name shown in the header"})
    tagline: str = field(default="", metadata={"help": "One line under the name"})
    owner: str = field(default="", metadata={"help": "The collectivité publishing the site"})
    owner_url: str = field(default="", metadata={"help": "The owner's main website"})
    owner_id: str = field(default="", metadata={"help": "SIRET of the owner"})
    territory: Territory = field(default_factory=Territory, metadata={"help": "Territory"})
    logo: str = field(default="", metadata={"help": "Path of the logo (SVG or PNG)"})
    logo_alt: str = field(default="", metadata={"help": "Text alternative of the logo"})
    colors: Colors = field(default_factory=Colors, metadata={"help": "Theme colours"})
    base_url: str = field(default="", metadata={"help": "Public URL of the published site"})
    forge_url: str = field(default="", metadata={"help": "URL of the repository on its forge"})
    forge_branch: str = field(default="main", metadata={"help": "Branch that is published"})
    forge_raw_url: str = field(default="{forge_url}/raw/{commit}/{path}", metadata={
        "help": "URL template of a file at a commit on the forge ({forge_url}, {commit}, {path})"})
    contact: Contact = field(default_factory=Contact, metadata={"help": "Contact of the site"})
    default_license: str = field(default="etalab-2.0", metadata={"help": "Licence by default"})
    map_tile_url: str = field(default="", metadata={
        "help": "Tile layer URL template of tiles you host yourself ({z}/{x}/{y}); empty: no tiles"})
    map_tile_attribution: str = field(default="", metadata={"help": "Attribution of the tiles"})
    map_background: str = field(default="", metadata={
        "help": "Dataset whose GeoJSON is drawn under point maps (e.g. the cantons)"})
    schema_cache: str = field(default="schemas", metadata={
        "help": "Folder of the cache of Table Schemas referenced by URL, filled by `build.py "
                "schemas` (relative to the project; site: schemas stay in schemas/site/)"})


@dataclass(frozen=True)
class BuildPaths:
    """Where the build reads and writes; all absolute."""

    root: Path
    settings_file: Path
    datasets: Path
    content: Path
    theme: Path
    output: Path
    cache: Path

    @classmethod
    def for_project(
        cls,
        root: Path,
        settings_file: Path | None = None,
        output: Path | None = None,
        cache: Path | None = None,
        datasets: Path | None = None,
        content: Path | None = None,
    ) -> BuildPaths:
        root = root.resolve()
        return cls(
            root=root,
            settings_file=(settings_file or root / "site.yaml").resolve(),
            datasets=(datasets or root / "datasets").resolve(),
            content=(content or root / "content").resolve(),
            theme=(root / "theme").resolve(),
            output=(output or root / "output").resolve(),
            cache=(cache or root / ".cache" / "pipeline").resolve(),
        )


def load_settings(path: Path) -> SiteSettings:
    """Read site.yaml into SiteSettings, refusing unknown keys and bad values."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except FileNotFoundError as exc:
        raise ConfigurationError(f"Settings file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path}: expected a mapping of settings")
    _refuse_unknown(raw, SiteSettings, str(path))
    territory = raw.get("territory") or {}
    _refuse_unknown(territory, Territory, f"{path}: territory")
    cantons = tuple(
        Canton(code=str(c["code"]), name=str(c["name"])) for c in territory.get("cantons") or ()
    )
    colors = Colors(**(raw.get("colors") or {}))
    for key, value in vars(colors).items():
        if not HEX_COLOR.match(value):
            raise ConfigurationError(f"{path}: colors.{key} must be #rrggbb, got {value!r}")
    settings = SiteSettings(
        **{k: str(v) for k, v in raw.items() if k not in {"territory", "colors", "contact"}},
        territory=Territory(**{**territory, "cantons": cantons}),
        colors=colors,
        contact=Contact(**(raw.get("contact") or {})),
    )
    return settings


def _refuse_unknown(raw: dict[str, Any], cls: type, where: str) -> None:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )


def describe_settings() -> list[tuple[str, str]]:
    """(name, help) of every site setting, for `build.py settings` and the docs test."""
    return [(f.name, f.metadata.get("help", "")) for f in fields(SiteSettings)]
