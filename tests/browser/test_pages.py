"""Every gate on every kind of page of the sample site, in Chromium.

For each kind of page (tests/browser/pages.py): axe finds no WCAG 2.1 A/AA violation, at
1280 and at 390 px; no request goes to another host; no console or page error; no cookie;
the keyboard reaches everything with a visible focus; the content is there without
JavaScript; the page reflows at 390 and 320 px. Full-page screenshots at 1280 and 390 px
go to test-artifacts/screenshots/.

All gates of one kind run in one test on one page load (plus one without JavaScript):
opening pages is most of the cost of a browser test, and the suite must stay fast on two
cores. Every gate runs even when another fails; the message groups findings by gate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, MOBILE, SCREENSHOTS
from tests.browser.pages import PAGE_KINDS, PageKind
from tests.support.gates import (
    axe_violations,
    keyboard_findings,
    nojs_findings,
    reflow_findings,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SMALLEST = {"width": 320, "height": 640}  # WCAG 1.4.10: 1280 px at 400 % zoom


def _message(kind: PageKind, url: str, findings: dict[str, list[str]]) -> str:
    lines = [f"{kind} ({url}) fails {sum(bool(f) for f in findings.values())} gate(s):"]
    for gate, found in findings.items():
        if found:
            lines.append(f"  [{gate}]")
            lines += [f"    - {f}" for f in found]
    return "\n".join(lines)


@pytest.mark.parametrize("kind", PAGE_KINDS, ids=str)
def test_page_passes_every_gate(
    kind: PageKind,
    new_context: Callable,
    site_url: str,
    sample_output: Path,
    record_property: Callable,
) -> None:
    url = site_url + kind.resolve(sample_output)
    findings: dict[str, list[str]] = {}

    context, guard = new_context(viewport=DESKTOP)
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"

    axe = axe_violations(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    record_property("artifact:screenshots", str(SCREENSHOTS))
    page.screenshot(path=SCREENSHOTS / f"{kind.id}-desktop.png", full_page=True)
    page.set_viewport_size(MOBILE)
    page.screenshot(path=SCREENSHOTS / f"{kind.id}-mobile.png", full_page=True)
    # Some faults only exist on a small screen (a region that scrolls, text that overlaps).
    axe += [f"at {MOBILE['width']} px: {f}" for f in axe_violations(page) if f not in axe]
    findings["axe (WCAG 2.1 A/AA, RGAA best practices)"] = axe
    reflow = reflow_findings(page)
    page.set_viewport_size(SMALLEST)
    findings["reflow (WCAG 1.4.10)"] = reflow + reflow_findings(page)

    page.set_viewport_size(DESKTOP)
    page.reload()
    findings["keyboard"] = keyboard_findings(page)

    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    findings["other hosts, console, cookies"] = guard.findings(context)

    nojs_context, nojs_guard = new_context(java_script_enabled=False)
    nojs_page = nojs_context.new_page()
    nojs_page.goto(url)
    findings["without JavaScript"] = (
        nojs_findings(nojs_page, dataset_page=kind.dataset) + nojs_guard.findings(nojs_context)
    )

    assert not any(findings.values()), _message(kind, url, findings)
