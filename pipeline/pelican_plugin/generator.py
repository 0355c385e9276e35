"""The Pelican generator of the open-data pages.

It renders what the pipeline prepared (settings["OPENDATA"], a SiteData); it reads no
data file itself, so Pelican stays a renderer and the pipeline stays testable alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pelican.generators import Generator

from pipeline.site import SiteData, dataset_url, theme_url


class OpenDataGenerator(Generator):
    def generate_context(self) -> None:
        site: SiteData | None = self.settings.get("OPENDATA")
        if site is None:
            return
        self.context["opendata"] = site
        self.context["opendata_themes"] = site.themes_with_datasets()

    def generate_output(self, writer: Any) -> None:
        site: SiteData | None = self.settings.get("OPENDATA")
        if site is None:
            return
        self._write_colors(site)
        write = writer.write_file
        relative = self.settings.get("RELATIVE_URLS", False)
        write("index.html", self.get_template("home"), self.context, relative_urls=relative,
              url="", page_kind="home")
        write("catalogue/index.html", self.get_template("catalogue"), self.context,
              relative_urls=relative, url="catalogue/", page_kind="catalogue")
        for theme, datasets in site.themes_with_datasets():
            url = theme_url(theme.slug)
            write(f"{url}index.html", self.get_template("theme"), self.context,
                  relative_urls=relative, url=url, theme=theme, theme_datasets=datasets,
                  page_kind="theme")
        write("accessibilite/index.html", self.get_template("accessibility"), self.context,
              relative_urls=relative, url="accessibilite/", audit=site.accessibility,
              page_kind="accessibility")
        write("cartes/index.html", self.get_template("maps"), self.context, relative_urls=relative,
              url="cartes/", page_kind="maps")
        for page in site.pages:
            write(f"{page.url}index.html", self.get_template(page.template), self.context,
                  relative_urls=relative, url=page.url, page_kind=page.kind, **page.context)
        for published in site.datasets:
            url = dataset_url(published.slug)
            write(f"{url}index.html", self.get_template("dataset"), self.context,
                  relative_urls=relative, url=url, published=published, page_kind="dataset",
                  dataset_maps=site.maps_for(published.slug))

    def _write_colors(self, site: SiteData) -> None:
        """The settings' colours as CSS custom properties: the theme's CSS uses only these."""
        colors = site.settings.colors
        css = (
            ":root {\n"
            f"  --color-primary: {colors.primary};\n"
            f"  --color-accent: {colors.accent};\n"
            f"  --color-background: {colors.background};\n"
            f"  --color-text: {colors.text};\n"
            "}\n"
        )
        target = Path(self.output_path) / "theme" / "css" / "colors.css"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
