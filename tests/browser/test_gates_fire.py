"""The gates catch what they are meant to catch: run them on pages broken on purpose.

A built dataset page is copied, with the theme's static files, into a temporary folder
served on its own port, then broken: an image from another host without alt, an inline
script, a table without caption, a cookie, a stylesheet that hides the focus and the skip
link and widens the header, content that only JavaScript would show. Each browser gate
must report its fault, and so must the static table and reference gates. (More faults
for the static gates, lychee and the Nu checker are in tests/test_site_static.py.)
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.gates import (
    axe_violations,
    external_reference_findings,
    keyboard_findings,
    nojs_findings,
    reflow_findings,
    table_findings,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DATASET_PAGE = "jeux-de-donnees/rsa-foyers-cantons/index.html"
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?')
FAULTS = (
    '<img src="https://example.org/x.png">\n'
    '<script>window.__inline = 1;</script>\n'
    "<table><tr><th>Colonne</th><td>1</td></tr></table>\n"
)
# Loaded by a <link> from the same origin, so the CSP lets it through.
BROKEN_CSS = """
:focus-visible, :focus { outline: none !important; box-shadow: none !important; }
.skip-link { display: none !important; }
.site-brand { min-width: 1000px; }
"""
# A page that only JavaScript would complete: without it, main, the navigation, the tables
# and the download links stay hidden.
JS_ONLY_CSS = "main > *, nav, table, a[download] { display: none; }"


def _broken_site(sample_output: Path, folder: Path) -> Path:
    shutil.copytree(sample_output / "theme", folder / "theme")
    page = (sample_output / DATASET_PAGE).read_text(encoding="utf-8")
    (folder / "theme" / "css" / "broken.css").write_text(BROKEN_CSS, encoding="utf-8")
    (folder / "theme" / "css" / "js-only.css").write_text(JS_ONLY_CSS, encoding="utf-8")

    def write(name: str, html: str) -> None:
        (folder / name).mkdir()
        (folder / name / "index.html").write_text(html, encoding="utf-8")

    with_faults = page.replace("</main>", FAULTS + "</main>", 1)
    write("avec-csp", with_faults)  # the CSP of the theme stays: it blocks the faults
    write("sans-csp", CSP_META.sub("", with_faults, count=1))  # the request goes out
    link = '<link rel="stylesheet" href="/theme/css/{}">\n</head>'
    write("focus-cache", page.replace("</head>", link.format("broken.css"), 1))
    write("js-seulement", page.replace("</head>", link.format("js-only.css"), 1))
    return folder


@pytest.fixture
def broken_site(sample_output: Path, tmp_path: Path) -> Path:
    return _broken_site(sample_output, tmp_path / "casse")


def test_gates_report_each_fault(
    broken_site: Path, serve_folder: Callable, new_context: Callable
) -> None:
    # The static gates, on the same page.
    faulty = broken_site / "avec-csp" / "index.html"
    tables = table_findings(faulty.read_text(encoding="utf-8"))
    assert any("has no <caption>" in f for f in tables), tables
    assert any("<th> «Colonne»" in f and "has no scope" in f for f in tables), tables
    references = external_reference_findings([faulty], root=broken_site)
    assert any("<img src> refers to https://example.org/x.png" in f for f in references)

    with serve_folder(broken_site) as url:
        _browser_gates_fire(url, new_context)


def _browser_gates_fire(url: str, new_context: Callable) -> None:

    # With the CSP in place: the image and the script are refused, and the console says so.
    context, guard = new_context(origin=url)
    page = context.new_page()
    page.goto(url + "/avec-csp/")
    page.wait_for_load_state("networkidle")
    axe = axe_violations(page)
    assert any(f.startswith("axe image-alt") for f in axe), axe
    errors = guard.findings(context)
    assert any("Content Security Policy" in f and "inline script" in f for f in errors), errors
    assert any("Content Security Policy" in f and "example.org" in f for f in errors), errors
    assert page.evaluate("() => window.__inline") is None, "the CSP should block inline scripts"
    page.close()

    # Without the CSP, the request to another host is made and the route handler aborts it.
    page = context.new_page()
    page.goto(url + "/sans-csp/")
    page.wait_for_load_state("networkidle")
    assert any("request to another host" in f and "https://example.org/x.png" in f
               for f in guard.findings()), guard.findings()
    assert page.evaluate("() => window.__inline") == 1  # proves the CSP was the only barrier

    # Cookies.
    page.evaluate("() => { document.cookie = 'suivi=1; path=/'; }")
    assert any("cookie set: suivi" in f for f in guard.findings(context))

    # Focus hidden, no skip link, a header wider than the phone.
    page.goto(url + "/focus-cache/")
    keyboard = keyboard_findings(page)
    assert any("skip link" in f for f in keyboard), keyboard
    assert any("no visible focus indicator" in f for f in keyboard), keyboard
    page.set_viewport_size({"width": 390, "height": 800})
    assert reflow_findings(page)

    # Without JavaScript: nothing in main, no table, no download link, no navigation.
    nojs_context, _ = new_context(origin=url, java_script_enabled=False)
    nojs_page = nojs_context.new_page()
    nojs_page.goto(url + "/js-seulement/")
    nojs = nojs_findings(nojs_page, dataset_page=True)
    for expected in ("<main> has almost no text", "no visible navigation link",
                     "table not rendered", "no visible CSV download link"):
        assert any(expected in f for f in nojs), (expected, nojs)
