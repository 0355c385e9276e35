"""Text from data files and from Markdown pages is shown as text, never run.

A small site is built with a dataset whose title, description, a column name and a cell
carry script payloads, and with a Markdown page carrying the same payloads. In Chromium
(with the CSP bypassed, so that only escaping stands between a payload and its
execution), no payload runs and each one reads as text on the page.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.config import BuildPaths
from tests.conftest import PELICAN_CONF, ROOT, make_paths

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '<svg onload="window.__xss=1">'
CELL = "<b onmouseover=window.__xss=1>cellule</b>"  # no quotes: a CSV cell as-is
SLUG = "jeu-xss"

DESCRIPTOR = f"""\
name: {SLUG}
title: '{IMG} Titre {SCRIPT}'
sample: true
description: |
  Description avec {SCRIPT} et {IMG} et {SVG}.

  [lien piégé](javascript:window.__xss=1)
theme: finances
keywords: [test]
licenses:
  - name: etalab-2.0
    title: Licence Ouverte / Open Licence 2.0
    path: https://www.etalab.gouv.fr/licence-ouverte-open-licence/
frequency: annual
publisher: Département du Nord
contact: {{name: "Service open data", email: "opendata@lenord.fr"}}
resources:
  - name: {SLUG}
    title: 'Ressource {SCRIPT}'
    path: {SLUG}.csv
    format: csv
    encoding: utf-8
    schema:
      fields:
        - name: code
          type: string
        - name: '{IMG}'
          title: 'Colonne {SCRIPT}'
          description: 'Description de colonne {IMG}'
          type: string
        - name: valeur
          type: integer
"""
CSV = (
    f'code,"{IMG.replace(chr(34), chr(34) * 2)}",valeur\n'
    f'A,"{SCRIPT}",1\n'
    f"B,{CELL},2\n"
    f'C,"{IMG.replace(chr(34), chr(34) * 2)}",3\n'
)
PAGE = f"""\
Title: Page piégée {SCRIPT}
Slug: page-xss
Summary: Résumé {IMG}

Un paragraphe avec {SCRIPT} au milieu.

{IMG}

<div onclick="window.__xss=1">bloc HTML brut</div>

{SVG}
"""
# javascript: links in a Markdown page must lose their target (safe_markdown.py).
LINK_PAGE = """\
Title: Lien piégé
Slug: page-xss-lien

[lien piégé](javascript:window.__xss=1) et [autre](JavaScript:window.__xss=1)
"""


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("xss")
    paths = make_paths(tmp)
    dataset = paths.datasets / SLUG
    dataset.mkdir(parents=True)
    (dataset / "datapackage.yaml").write_text(DESCRIPTOR, encoding="utf-8")
    (dataset / f"{SLUG}.csv").write_text(CSV, encoding="utf-8")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "pages" / "page-xss.md").write_text(PAGE, encoding="utf-8")
    (content / "pages" / "page-xss-lien.md").write_text(LINK_PAGE, encoding="utf-8")
    paths = BuildPaths.for_project(ROOT, datasets=paths.datasets, output=paths.output,
                                   cache=paths.cache, content=content)
    build(paths, PELICAN_CONF)
    return paths.output


PAGES = {
    "/": [SCRIPT, IMG],
    "/catalogue/": [SCRIPT, IMG],
    "/themes/finances/": [SCRIPT, IMG],
    f"/jeux-de-donnees/{SLUG}/": [SCRIPT, IMG, SVG, CELL],
    "/page-xss/": [SCRIPT, IMG, SVG, '<div onclick="window.__xss=1">bloc HTML brut</div>'],
}


def test_payloads_show_as_text_and_never_run(
    xss_site: Path, serve_folder: Callable, new_context: Callable
) -> None:
    problems = []
    with serve_folder(xss_site) as url:
        context, _ = new_context(origin=url, bypass_csp=True)
        page = context.new_page()
        for path, payloads in PAGES.items():
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            if page.evaluate("() => typeof window.__xss") != "undefined":
                problems.append(f"{path}: a payload ran")
            injected = page.evaluate(
                """() => [...document.querySelectorAll(
                     // JSON-LD blocks are data (never executed); the site's own scripts have a src.
                     'script:not([type="application/ld+json"]):not([src^="/"]), '
                   + 'img[src="x"], svg[onload], [onerror], [onload], [onclick], '
                   + '[onmouseover], a[href^="javascript:" i]')]
                   .map(el => el.outerHTML.slice(0, 100))""")
            problems += [f"{path}: live payload in the DOM: {html}" for html in injected]
            # A payload inside a JSON-LD block must stay a JSON string: the block parses.
            for block in page.locator('script[type="application/ld+json"]').all_text_contents():
                json.loads(block)
            text = page.locator("body").inner_text()
            problems += [f"{path}: {p!r} is not shown as text" for p in payloads if p not in text]
    assert not problems, "\n".join(problems)


def test_markdown_pages_drop_javascript_links(
    xss_site: Path, serve_folder: Callable, new_context: Callable
) -> None:
    with serve_folder(xss_site) as url:
        context, _ = new_context(origin=url, bypass_csp=True)
        page = context.new_page()
        page.goto(url + "/page-xss-lien/")
        links = page.evaluate(
            """() => [...document.querySelectorAll('a[href^="javascript:" i]')]
                 .map(a => a.outerHTML)""")
    assert not links, f"javascript: links on a Markdown page: {links}"
