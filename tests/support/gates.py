"""The site's quality gates, as plain functions that return findings.

Every gate returns a list of human-readable findings; an empty list means the gate passes.
Keeping them as functions (not assertions) lets a test run them on a page that was broken
on purpose and check that each one fires.

Browser gates take a Playwright page (sync API); static gates take HTML text or files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # Playwright is only needed by the browser gates
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route, WebError

# --------------------------------------------------------------------------------------
# axe-core
# --------------------------------------------------------------------------------------

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# axe files these under "best-practice", but RGAA 4.1 asks for them: a structured heading
# hierarchy (criteria 9.1) and landmarks for the main regions (criterion 12.6).
RGAA_BEST_PRACTICE_RULES = (
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "region",
    "duplicate-id",
)


def axe_violations(
    page: Page,
    tags: Iterable[str] = AXE_TAGS,
    extra_rules: Iterable[str] = RGAA_BEST_PRACTICE_RULES,
    max_targets: int = 3,
) -> list[str]:
    """axe-core (bundled by axe-playwright-python) on the page as it is now.

    Runs every rule tagged with one of `tags`, plus `extra_rules`. One finding per
    violated rule: rule id, impact, help text and the first target selectors.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.evaluate(axe.axe_script)  # CDP evaluation: allowed by the pages' CSP
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "rules": {rule: {"enabled": True} for rule in extra_rules},
        "resultTypes": ["violations"],
    }
    results = page.evaluate("options => axe.run(document, options)", options)
    findings = []
    for violation in results["violations"]:
        nodes = violation["nodes"]
        targets = [
            " ".join(" >> ".join(t) if isinstance(t, list) else str(t) for t in node["target"])
            for node in nodes[:max_targets]
        ]
        more = f" (+{len(nodes) - max_targets} more)" if len(nodes) > max_targets else ""
        findings.append(
            f"axe {violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']}"
            f" – {', '.join(targets)}{more}"
        )
    return findings


# --------------------------------------------------------------------------------------
# Requests to other hosts, console errors, page errors, cookies
# --------------------------------------------------------------------------------------

_LOCAL_SCHEMES = {"data", "blob", "about"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class RequestGuard:
    """Aborts and records every request to another origin than the local server's.

    `attach(context)` before opening pages: it installs a route handler on the context and
    listens to its console messages, uncaught page errors and same-origin HTTP errors.
    `findings(context)` lists what happened, plus any cookie the context holds.
    """

    origin: str
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.origin = _origin(self.origin)

    def attach(self, context: BrowserContext) -> RequestGuard:
        # Only URLs outside the origin are intercepted: routing every local request through
        # Python would slow every page down for nothing.
        elsewhere = re.compile(r"^(?!" + re.escape(self.origin) + r"(?:[/?#]|$))")
        context.route(elsewhere, self._route)
        context.on("console", self._console)
        context.on("weberror", self._weberror)
        context.on("response", self._response)
        return self

    def _route(self, route: Route) -> None:
        request = route.request
        scheme = urlsplit(request.url).scheme
        if scheme in _LOCAL_SCHEMES or _origin(request.url) == self.origin:
            route.continue_()
            return
        self.blocked.append(f"{request.method} {request.url} ({request.resource_type})")
        route.abort("blockedbyclient")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") if message.location else ""
            self.console_errors.append(f"{message.text}" + (f" [{where}]" if where else ""))

    def _weberror(self, error: WebError) -> None:
        self.page_errors.append(str(error.error))

    def _response(self, response: Any) -> None:
        if response.status >= 400 and _origin(response.url) == self.origin:
            self.http_errors.append(f"HTTP {response.status} for {response.url}")

    def findings(self, context: BrowserContext | None = None) -> list[str]:
        found = [f"request to another host (aborted): {b}" for b in self.blocked]
        found += [f"console error: {e}" for e in self.console_errors]
        found += [f"page error: {e}" for e in self.page_errors]
        found += [f"broken local resource: {e}" for e in self.http_errors]
        if context is not None:
            found += cookie_findings(context)
        return found


def cookie_findings(context: BrowserContext) -> list[str]:
    return [
        f"cookie set: {c['name']} (domain {c['domain']}, path {c['path']})"
        for c in context.cookies()
    ]


# --------------------------------------------------------------------------------------
# Keyboard
# --------------------------------------------------------------------------------------

SKIP_TARGET = "contenu"

_FOCUSABLE_JS = r"""
() => {
  const selector = 'a[href], button, input, select, textarea, [tabindex="0"]';
  const shown = el => {
    if (el.closest('[hidden], [inert]')) return false;
    if (el.disabled || el.tabIndex < 0) return false;
    if (el.matches('input[type="hidden"]')) return false;
    if (!el.checkVisibility({checkVisibilityCSS: true})) return false;
    return el.getClientRects().length > 0;
  };
  const describe = el => {
    let text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    text = text.replace(/\s+/g, ' ').slice(0, 50);
    const href = el.getAttribute('href');
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (href !== null ? `[href="${href}"]` : '')
      + (typeof el.className === 'string' && el.className.trim()
         ? '.' + el.className.trim().split(/\s+/).join('.') : '')
      + (text ? ` «${text}»` : '');
  };
  const indicator = el => {
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow && cs.boxShadow !== 'none';
    return outline || shadow;
  };
  const onScreen = el => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth
      && r.width > 0 && r.height > 0;
  };
  const list = [...document.querySelectorAll(selector)].filter(shown);
  window.__gate = {list, focused: [], describe};
  document.addEventListener('focusin', event => {
    const el = event.target;
    window.__gate.focused.push({
      index: list.indexOf(el), what: describe(el), indicator: indicator(el),
      onScreen: onScreen(el), href: el.getAttribute('href'),
    });
  }, true);
  return list.map(describe);
}
"""

_ACTIVE_JS = r"""
target => {
  const el = document.activeElement;
  const main = document.getElementById(target);
  return {
    tag: el ? el.tagName.toLowerCase() : null,
    inMain: !!(main && el && main.contains(el)),
    what: el ? window.__gate.describe(el) : null,
  };
}
"""


def keyboard_findings(page: Page, extra_tabs: int = 10) -> list[str]:
    """Keyboard use of a freshly loaded page.

    - the first Tab focuses a skip link to #contenu, and #contenu is the <main>;
    - every element focused by Tab has a visible focus indicator (outline or box-shadow)
      and is on screen;
    - Tab reaches every visible focusable element (a[href], button, input, select,
      textarea, [tabindex="0"]);
    - activating the skip link with Enter moves focus into <main>.
    The page is reloaded once for the last check.
    """
    findings: list[str] = []
    target_tag = page.evaluate(
        f"() => (document.getElementById('{SKIP_TARGET}') || {{}}).tagName || null")
    if target_tag != "MAIN":
        findings.append(f"#{SKIP_TARGET} should be the <main> element, found {target_tag}")
    expected: list[str] = page.evaluate(_FOCUSABLE_JS)
    presses = len(expected) + extra_tabs
    for _ in range(3):  # more rounds if other tab stops (scrollable boxes…) came in between
        for _ in range(presses):
            page.keyboard.press("Tab")
        focused: list[dict] = page.evaluate("() => window.__gate.focused")
        if {item["index"] for item in focused} >= set(range(len(expected))):
            break
    if not focused:
        return [*findings, "Tab focuses nothing"]
    first = focused[0]
    if first["href"] != f"#{SKIP_TARGET}":
        findings.append(f"the first Tab should focus a skip link to #{SKIP_TARGET}, "
                        f"it focused {first['what']}")
    seen: set[str] = set()
    for item in focused:
        if item["what"] in seen:
            continue
        seen.add(item["what"])
        if not item["indicator"]:
            findings.append(f"no visible focus indicator on {item['what']}")
        if not item["onScreen"]:
            findings.append(f"focused element is off screen: {item['what']}")
    reached = {item["index"] for item in focused}
    missed = [what for i, what in enumerate(expected) if i not in reached]
    findings += [f"not reachable with Tab: {what}" for what in missed]

    if first["href"] == f"#{SKIP_TARGET}":
        page.reload()
        page.evaluate(_FOCUSABLE_JS)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        active = page.evaluate(_ACTIVE_JS, SKIP_TARGET)
        if not active["inMain"] and active["tag"] != "main":
            findings.append(f"activating the skip link left focus on {active['what']}, "
                            "not in <main>")
        has_focusable_in_main = page.evaluate(
            f"() => window.__gate.list.some(el => document.getElementById('{SKIP_TARGET}')"
            ".contains(el))")
        if has_focusable_in_main:
            page.keyboard.press("Tab")
            after = page.evaluate(_ACTIVE_JS, SKIP_TARGET)
            if not after["inMain"]:
                findings.append("after the skip link, the next Tab should stay in <main>, "
                                f"it went to {after['what']}")
    return findings


# --------------------------------------------------------------------------------------
# Without JavaScript
# --------------------------------------------------------------------------------------

DOWNLOAD_FORMATS = ("csv", "parquet", "json")


def nojs_findings(page: Page, dataset_page: bool = False, min_text: int = 40) -> list[str]:
    """Content of a page loaded in a context with JavaScript disabled.

    main has text, navigation links are present and visible, every table is displayed
    with rows; on a dataset page, a visible download link for every format.
    """
    findings: list[str] = []
    main = page.locator("main")
    if main.count() != 1:
        return [f"expected one <main>, found {main.count()}"]
    text = main.inner_text().strip()
    if len(text) < min_text:
        findings.append(f"<main> has almost no text without JavaScript ({len(text)} characters)")
    nav_links = page.locator("nav a[href]")
    visible_nav = sum(nav_links.nth(i).is_visible() for i in range(nav_links.count()))
    if not visible_nav:
        findings.append("no visible navigation link without JavaScript")
    tables = page.locator("table")
    for i in range(tables.count()):
        table = tables.nth(i)
        box = table.bounding_box()
        rows = table.locator("tr").count()
        if not table.is_visible() or not box or box["height"] < 1 or rows == 0:
            caption = table.locator("caption")
            name = caption.first.inner_text() if caption.count() else f"table {i + 1}"
            findings.append(f"table not rendered without JavaScript: {name}")
    if dataset_page:
        for fmt in DOWNLOAD_FORMATS:
            links = page.locator(f'a[href$=".{fmt}"][download]')
            if not any(links.nth(i).is_visible() for i in range(links.count())):
                findings.append(f"no visible {fmt.upper()} download link without JavaScript")
    return findings


# --------------------------------------------------------------------------------------
# Reflow (WCAG 1.4.10): no horizontal scrolling of the page at small widths
# --------------------------------------------------------------------------------------

def reflow_findings(page: Page) -> list[str]:
    """The page itself must not scroll horizontally (wide tables scroll inside their box)."""
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    scroll, client = sizes
    if scroll > client + 1:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(el => el.getBoundingClientRect().right
                               > document.documentElement.clientWidth + 1)
                 .filter(el => !el.closest('.table-wrap, pre'))
                 .slice(0, 3)
                 .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))""")
        return [f"page scrolls horizontally at {client}px: {scroll}px wide "
                f"(widest: {', '.join(culprits)})"]
    return []


# --------------------------------------------------------------------------------------
# Static gates (no browser)
# --------------------------------------------------------------------------------------

_TH_SCOPES = {"row", "col", "rowgroup", "colgroup"}
# Elements that always have an end tag: their ids say where a table is ("in #description").
_SECTIONING = {"section", "div", "article", "main", "aside", "nav", "header", "footer"}


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, Any]] = []
        self.ancestors: list[tuple[str, str | None]] = []
        self.count = 0
        self.findings: list[str] = []
        self._th: dict[str, Any] | None = None
        self._caption: dict[str, Any] | None = None

    def _where(self) -> str:
        ids = [i for _, i in self.ancestors if i]
        return f", in #{ids[-1]}" if ids else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in _SECTIONING:
            self.ancestors.append((tag, dict(attrs).get("id")))
        if tag == "table":
            self.count += 1
            self.stack.append({"n": self.count, "where": f"line {line}{self._where()}",
                               "caption": None})
        elif tag == "caption" and self.stack:
            self._caption = self.stack[-1]
            self.stack[-1]["caption"] = ""
        elif tag == "th":
            scope = dict(attrs).get("scope")
            if (scope or "").strip().lower() not in _TH_SCOPES:
                self._th = {"where": f"line {line}{self._where()}", "text": "", "scope": scope}

    def handle_endtag(self, tag: str) -> None:
        if tag in _SECTIONING:
            while self.ancestors and self.ancestors.pop()[0] != tag:
                pass
        if tag == "table" and self.stack:
            table = self.stack.pop()
            if table["caption"] is None:
                self.findings.append(f"table {table['n']} ({table['where']}) has no <caption>")
            elif not table["caption"].strip():
                self.findings.append(
                    f"table {table['n']} ({table['where']}) has an empty <caption>")
        elif tag == "caption":
            self._caption = None
        elif tag == "th" and self._th is not None:
            th = self._th
            what = "no scope" if th["scope"] is None else f"an invalid scope {th['scope']!r}"
            self.findings.append(f"<th> «{th['text'].strip()[:40]}» ({th['where']}) has {what}")
            self._th = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption["caption"] += data
        if self._th is not None:
            self._th["text"] += data


def table_findings(html: str, name: str = "") -> list[str]:
    """Every <table> has a non-empty <caption> and every <th> a valid scope.

    Findings name the table by its number and line, and by the id of the nearest
    enclosing section or div when there is one ("table 1 (line 66, in #description)").
    """
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    prefix = f"{name}: " if name else ""
    return [prefix + f for f in parser.findings]


def lang_findings(html: str, name: str = "", lang: str = "fr") -> list[str]:
    """The document is declared in French: <html lang="fr">."""
    match = re.search(r"<html\b([^>]*)>", html, re.IGNORECASE)
    prefix = f"{name}: " if name else ""
    if not match:
        return [prefix + "no <html> element"]
    found = re.search(r"""\blang\s*=\s*["']?([^"'\s>]*)""", match.group(1), re.IGNORECASE)
    if not found:
        return [prefix + "<html> has no lang attribute"]
    if found.group(1) != lang:
        return [prefix + f'<html lang="{found.group(1)}">, expected lang="{lang}"']
    return []


_URL = re.compile(r"""(?:https?:)?//[^\s"'<>()\\,]+""", re.IGNORECASE)
_ABSOLUTE_URL = re.compile(r"""https?://[^\s"'<>()\\]+""", re.IGNORECASE)
_URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "cite",
                   "background", "manifest", "ping", "xlink:href", "longdesc", "imagesrcset"}
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


# XML namespace names look like URLs but are identifiers, never fetched (SVG built by scripts).
XML_NAMESPACES = {
    "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2000/xmlns",
    "http://www.w3.org/1998/Math/MathML",
}


def _urls(pattern: re.Pattern[str], text: str) -> list[str]:
    urls = (url.rstrip(".,;:!?") for url in pattern.findall(text))
    return [url for url in urls if url.rstrip("/") not in XML_NAMESPACES]


def _host(url: str) -> str:
    return (urlsplit(url if "://" in url else "http:" + url).hostname or "").lower()


# Text in these is content, not a reference: data values in tables, code and its output.
# (All have a required end tag, so counting them is reliable.)
_CONTENT_TAGS = {"table", "code", "pre", "samp", "kbd"}
_JS_TYPES = {"", "module", "text/javascript", "application/javascript", "text/ecmascript",
             "application/ecmascript"}


class _ReferenceParser(HTMLParser):
    def __init__(self, foreign: Any) -> None:
        super().__init__(convert_charrefs=True)
        self.foreign = foreign
        self.findings: list[tuple[int, str, str]] = []
        self.outbound: list[str] = []
        self.in_link = 0
        self.in_content = 0  # inside a table or code: URLs there are data values or examples
        self.raw: str | None = None  # inside <script>, <style> or a data block

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for attr, value in attrs:
            if not value or attr == "xmlns" or attr.startswith("xmlns:"):
                continue
            if tag == "a" and attr == "href":
                if value.strip().lower().startswith(("http:", "https:", "//")) \
                        and self.foreign(value.strip()):
                    self.outbound.append(value.strip())
                continue
            candidates = _urls(_URL if attr in _URL_ATTRIBUTES else _ABSOLUTE_URL, value)
            for url in candidates:
                if self.foreign(url):
                    self.findings.append((line, f"<{tag} {attr}> refers to {url}", url))
        if tag in _CONTENT_TAGS:
            self.in_content += 1
        if tag == "a":
            self.in_link += 1
        elif tag == "script" and (dict(attrs).get("type") or "").strip().lower() not in _JS_TYPES:
            self.raw = "data"  # JSON-LD and other data blocks: never run, nothing fetched
        elif tag in ("script", "style"):
            self.raw = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.in_link -= 1
        elif tag in ("script", "style"):
            self.raw = None

    def handle_endtag(self, tag: str) -> None:
        if tag in _CONTENT_TAGS and self.in_content:
            self.in_content -= 1
        if tag == "a" and self.in_link:
            self.in_link -= 1
        elif tag in ("script", "style"):
            self.raw = None

    def handle_data(self, data: str) -> None:
        if (self.in_link or self.in_content) and not self.raw:
            return  # the visible label of a link, a value in a table, code
        line = self.getpos()[0]
        text = _CSS_COMMENT.sub("", data) if self.raw == "style" else data
        for url in _urls(_ABSOLUTE_URL, text):
            if self.raw == "data":  # identifiers (schema.org) and links in structured data
                if self.foreign(url):
                    self.outbound.append(url)
            elif self.foreign(url):
                where = f"inline <{self.raw}>" if self.raw else "text"
                self.findings.append((line, f"{where} refers to {url}", url))


def external_reference_findings(
    files: Iterable[Path],
    root: Path | None = None,
    own_hosts: Iterable[str] = (),
    outbound: dict[str, set[str]] | None = None,
    allowed: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """No http(s) URL to another host in any HTML, CSS or JS file, except in <a href>.

    In HTML, the text of links, tables (data values) and code is content, not a reference.

    `own_hosts` are the site's own host names (its published base URL): not "another host".
    Outbound links (<a href> to other hosts) are not findings; when `outbound` is given it
    is filled with {url: {file, …}} for the report of outbound links, with the URLs of
    data blocks (<script type="application/ld+json">: never run, nothing fetched). `allowed`
    lists justified exceptions as (file relative to root, URL) pairs. Comments and XML
    namespace names are not references.
    """
    own = {h.lower() for h in own_hosts}
    exceptions = set(allowed)

    def foreign(url: str) -> bool:
        host = _host(url)
        return bool(host) and host not in own

    findings = []
    for path in sorted(files):
        name = path.relative_to(root).as_posix() if root else str(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            parser = _ReferenceParser(foreign)
            parser.feed(text)
            parser.close()
            findings += [f"{name}, line {line}: {what}" for line, what, url in parser.findings
                         if (name, url) not in exceptions]
            if outbound is not None:
                for url in parser.outbound:
                    outbound.setdefault(url, set()).add(name)
        elif suffix in (".css", ".js", ".mjs"):
            # Comments are not references: block comments, and in JS whole-line // comments
            # (a // inside a line may be the start of a URL in a string).
            code = _CSS_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
            for number, line in enumerate(code.splitlines(), start=1):
                if suffix != ".css" and line.lstrip().startswith("//"):
                    continue
                for url in _urls(_URL if suffix == ".css" else _ABSOLUTE_URL, line):
                    if foreign(url) and (name, url) not in exceptions:
                        findings.append(f"{name}, line {number}: refers to {url}")
    return findings


def write_outbound_report(outbound: dict[str, set[str]], target: Path) -> Path:
    """The outbound links, one per line with the pages that carry them."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {len(outbound)} outbound links (<a href> to other hosts, and URLs in JSON-LD"
             " data blocks), with their pages", ""]
    for url in sorted(outbound):
        pages = sorted(outbound[url])
        lines.append(f"{url}  ({len(pages)} page{'s' if len(pages) > 1 else ''})")
        lines += [f"    {p}" for p in pages[:5]]
        if len(pages) > 5:
            lines.append(f"    … and {len(pages) - 5} more")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
