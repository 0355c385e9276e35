"""Search engines: sitemap.xml, robots.txt and schema.org Dataset markup on dataset pages.

- `/sitemap.xml` lists every HTML page of the built site (found in the staging folder
  after every other extension wrote its pages), with `lastmod` from git: a dataset page
  has its dataset's last change, every other page the build date (the last commit's
  date, or SOURCE_DATE_EPOCH), never the clock. More than 50,000 pages (the protocol's
  limit) are split into `sitemap-1.xml`, `sitemap-2.xml`… under a sitemap index.
- `/robots.txt` allows everything and gives the sitemap's absolute URL. Crawlers read it
  only at the root of a host: a site published under a path (base_url
  `https://example.fr/opendata`) must have it copied to the host's root.
- Each dataset page carries its schema.org `Dataset` as a `<script type="application/ld+json">`
  data block (pipeline/catalogue_rdf/schemaorg.py): data, never run, so the page's
  Content-Security-Policy allows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from pipeline.catalogue_rdf.schemaorg import dataset_jsonld
from pipeline.catalogue_rdf.terms import SiteIRIs
from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, GeneratedFile
from pipeline.extensions.dcat import no_base_url
from pipeline.report import Problem
from pipeline.site import dataset_url

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Folders of assets, never pages, even if a tool left an HTML file there.
NOT_PAGES = ("theme/", "pagefind/", "donnees/")


@dataclass(frozen=True)
class DiscoveryData:
    """opendata.extras["discovery"]: the schema.org markup of each dataset page, by slug."""

    jsonld: Mapping[str, dict[str, Any]]


def page_url(relative: str) -> str:
    """URL path of an HTML file of the site: a/b/index.html → a/b/, a/x.html → a/x.html."""
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        relative = relative[: -len("index.html")]
    return quote(relative)


def html_pages(output: Path) -> list[str]:
    """Every page of the built site, as URL paths relative to the root, sorted."""
    pages = []
    for path in output.rglob("*.html"):
        relative = path.relative_to(output).as_posix()
        if path.is_file() and not relative.startswith(NOT_PAGES):
            pages.append(page_url(relative))
    return sorted(pages)


def _w3c(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def urlset(entries: list[tuple[str, str]]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for loc, lastmod in entries:
        lines.append(f"  <url><loc>{escape(loc)}</loc><lastmod>{lastmod}</lastmod></url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap_index(entries: list[tuple[str, str]]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for loc, lastmod in entries:
        lines.append(f"  <sitemap><loc>{escape(loc)}</loc><lastmod>{lastmod}</lastmod></sitemap>")
    lines.append("</sitemapindex>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap_files(context: BuildContext, pages: list[str]) -> dict[str, bytes]:
    """Path → content: sitemap.xml alone, or an index and its parts beyond 50,000 pages."""
    iris = SiteIRIs(context.settings)
    modified = {dataset_url(p.slug): p.dates.modified for p in context.datasets}
    build = _w3c(context.build_date)
    entries = [(iris.url(page), _w3c(modified[page]) if page in modified else build) for page in pages]
    if len(entries) <= SITEMAP_LIMIT:
        return {SITEMAP: urlset(entries)}
    files: dict[str, bytes] = {}
    index = []
    for number, start in enumerate(range(0, len(entries), SITEMAP_LIMIT), start=1):
        chunk = entries[start:start + SITEMAP_LIMIT]
        name = f"sitemap-{number}.xml"
        files[name] = urlset(chunk)
        index.append((iris.url(name), max(lastmod for _, lastmod in chunk)))
    files[SITEMAP] = sitemap_index(index)
    return files


def robots_txt(context: BuildContext) -> bytes:
    sitemap = SiteIRIs(context.settings).url(SITEMAP)
    return (f"# {context.settings.name}\n"
            "User-agent: *\n"
            "Allow: /\n"
            "\n"
            f"Sitemap: {sitemap}\n").encode()


class DiscoveryExtension(BaseExtension):
    name = "discovery"
    order = 99  # after_render last: the sitemap lists the pages every other extension wrote

    def prepare(self, context: BuildContext) -> Contribution:
        if not context.settings.base_url:
            return Contribution(self.name, problems=(no_base_url("sitemap.xml, robots.txt and "
                                                                 "schema.org markup"),))
        iris = SiteIRIs(context.settings)
        data = DiscoveryData({p.slug: dataset_jsonld(iris, p) for p in context.datasets})
        return Contribution(self.name, data=data, files=(GeneratedFile(ROBOTS, robots_txt(context)),),
                            dataset_sections=("dcat/_dataset_jsonld.html",))

    def after_render(self, context: BuildContext, output: Path) -> list[Problem]:
        if not context.settings.base_url:
            return []
        for name, content in sitemap_files(context, html_pages(output)).items():
            (output / name).write_bytes(content)
        return []


EXTENSION = DiscoveryExtension()
