"""What Pagefind reads of a site, as one digest: equal digests, equal search bundles.

Pagefind (1.x, pagefind/src/fossick/parser.rs) builds each page's record from: the page's
URL; the text, element ids (anchors), data-pagefind-weight and data-pagefind-index-attrs
inside its data-pagefind-body elements (or its <body> when no page of the site has one),
less data-pagefind-ignore subtrees, --exclude-selectors and the elements it always skips
(REMOVED_BY_PAGEFIND); the data-pagefind-meta, -filter, -sort and -default-meta
attributes anywhere on the page, even in ignored parts; the first <h1>, the <title> and
the first <img> as default title and image; <html lang>. The bundle is a function of
those records, of the Pagefind binary and of its options (two runs on one site write the
same bytes: tests/test_search.py checks it).

PageReader.page_input() keeps a superset of that, serialised as HTML (tags, every attribute,
untrimmed text): anything Pagefind could read changes the digest; a change it would not
read (a data value in a data-pagefind-ignore table) does not. Where this model is unsure
(a body inside an ignored part, a page lxml cannot parse) the page's digest is the hash of
its bytes, so any change to it runs Pagefind: a needless run costs time, a stale index is
a bug.

Parsing is the expensive part: page digests are memoised on the sha256 of the file's
bytes (DigestMemo), so a rebuild parses only the pages whose bytes changed.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from html import unescape
from pathlib import Path

from cssselect import HTMLTranslator
from lxml import etree

from pipeline.fileio import atomic_write, sha256_bytes, sha256_file

# Bump when page_input() changes what it keeps: memoised page digests are then void.
FORMAT = "search-digest/1"
# Elements Pagefind never indexes the text of (parser.rs, REMOVE_SELECTORS).
REMOVED_BY_PAGEFIND = ("head", "style", "script", "noscript", "label", "form", "svg", "footer",
                       "nav", "iframe", "template")
# Attributes Pagefind reads wherever they are, even inside ignored parts.
READ_ANYWHERE = ("data-pagefind-meta", "data-pagefind-filter", "data-pagefind-sort",
                 "data-pagefind-default-meta", "data-pagefind-index-attrs")
# Files Pagefind reads its options from, besides its command line and PAGEFIND_* variables.
CONFIG_FILES = ("pagefind.json", "pagefind.yml", "pagefind.yaml", "pagefind.toml")
GZIP_MAGIC = b"\x1f\x8b\x08"


def _needs_content(value: str) -> bool:
    """Whether a data-pagefind-meta (or -filter…) value takes the element's text.

    "theme:Finances" and "image[src]" do not; "title", or "title, date:2024" do.
    Pagefind splits at the first colon, then at commas: every chunk before the last one
    holding the literal is a key of its own.
    """
    keys, colon, _ = value.partition(":")
    chunks = keys.split(",")
    if colon:
        chunks = chunks[:-1]
    return any(not (c.strip().endswith("]") and "[" in c) for c in chunks)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text(element: etree._Element) -> str:
    return "".join(element.itertext())


def _inside(element: etree._Element, others: Iterable[etree._Element]) -> bool:
    ancestors = set(element.iterancestors())
    return any(other in ancestors for other in others)


def _drop(element: etree._Element) -> None:
    """Remove element and what it holds, but not the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


class PageReader:
    """Reads what Pagefind could read of a page. Holds a parser and compiled XPaths,
    which lxml does not share between threads: one reader per thread."""

    def __init__(self, exclude_selectors: str) -> None:
        self.parser = etree.HTMLParser(encoding="utf-8")
        # The parts Pagefind leaves out: data-pagefind-ignore, its own list, the options'.
        css = ", ".join((*REMOVED_BY_PAGEFIND, exclude_selectors, "[data-pagefind-ignore]"))
        self.removed = etree.XPath(HTMLTranslator().css_to_xpath(css))
        self.anywhere = etree.XPath("//*[" + " or ".join(f"@{n}" for n in READ_ANYWHERE) + "]")
        self.defaults = etree.XPath("//h1 | //title | //img")
        self.bodies = etree.XPath("//*[@data-pagefind-body]")

    def _read_anywhere(self, root: etree._Element) -> list[object]:
        """Every element carrying an attribute Pagefind reads wherever it is, with its
        attributes, and its text when a key takes it."""
        found: list[object] = []
        for element in self.anywhere(root):
            values = [element.get(name) for name in READ_ANYWHERE if element.get(name) is not None]
            takes_text = any(_needs_content(v) or _needs_content(unescape(v)) for v in values)
            text = _text(element) if takes_text else None
            found.append([element.tag, sorted(element.attrib.items()), text])
        return found

    def _defaults(self, root: etree._Element) -> list[object]:
        """What Pagefind falls back on for a title and an image: every <h1>, <title>, <img>."""
        return [[e.tag, [e.get("src"), e.get("alt")] if e.tag == "img" else _text(e)]
                for e in self.defaults(root)]

    def page_input(self, html: bytes) -> bytes | None:
        """What Pagefind could read of one page, as bytes to hash; None where unsure."""
        if html.startswith(GZIP_MAGIC) or not _is_utf8(html):
            return None  # Pagefind reads gzipped pages; libxml2 may drop bytes it cannot decode
        try:
            # Every & escaped: the tree holds the text as written, entities included.
            # Pagefind reads "th&eacute;" and "thé" as one word but not as one sentence end.
            root = etree.fromstring(html.replace(b"&", b"&amp;"), self.parser)
            removed = self.removed(root) if root is not None else []
        except (etree.LxmlError, ValueError):
            return None
        if root is None:
            return None
        bodies = self.bodies(root)
        # A body inside a removed part, or inside another body: Pagefind's rules get subtle.
        if any(_inside(b, removed) or _inside(b, bodies) for b in bodies):
            return None
        record: dict[str, object] = {
            "lang": root.get("lang"),
            "anywhere": self._read_anywhere(root),
            "defaults": self._defaults(root),
            "custom_body": bool(bodies),
        }
        if not bodies:  # indexed from <body> when no page has data-pagefind-body
            bodies = root.findall("body")
        for element in removed:
            if element not in bodies:
                _drop(element)
        record["bodies"] = [etree.tostring(b, method="html", encoding="unicode", with_tail=False)
                            for b in bodies]
        return json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def digest(self, html: bytes) -> str:
        kept = self.page_input(html)
        return "input:" + sha256_bytes(kept) if kept is not None else "bytes:" + sha256_bytes(html)


def page_digest(html: bytes, exclude_selectors: str) -> str:
    return PageReader(exclude_selectors).digest(html)


class DigestMemo:
    """Page digests by the sha256 of the page's bytes, kept in a JSON file between builds.

    Valid only for the FORMAT and the exclude selectors it was made with; a missing or
    unreadable file is an empty memo. Only the pages of the last build are written back.
    """

    def __init__(self, path: Path, exclude_selectors: str) -> None:
        self.path = path
        self.key = [FORMAT, exclude_selectors]
        self.exclude_selectors = exclude_selectors
        self.readers: dict[int, PageReader] = {}  # by thread
        self.known: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.parsed = 0  # pages parsed by this memo (not found in it)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored["key"] == self.key and isinstance(stored["pages"], dict):
                self.known = {str(k): str(v) for k, v in stored["pages"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            pass

    def digest(self, html: bytes) -> str:
        content = sha256_bytes(html)
        found = self.known.get(content)
        if found is None:
            thread = threading.get_ident()
            if thread not in self.readers:
                self.readers[thread] = PageReader(self.exclude_selectors)
            found = self.readers[thread].digest(html)
            self.parsed += 1
        self.used[content] = found
        return found

    def save(self) -> None:
        atomic_write(self.path, json.dumps({"key": self.key, "pages": self.used}).encode("utf-8"))


def html_pages(site: Path, skip: str) -> list[Path]:
    """The files Pagefind indexes (its default glob, **/*.html), less its own bundle."""
    return sorted(p for p in site.rglob("*.html")
                  if p.is_file() and p.relative_to(site).parts[0] != skip)


def engine_fingerprint() -> dict[str, object] | None:
    """Which Pagefind runs, and what configures it besides its options; None if unknown."""
    try:
        from pagefind.service import get_executable

        binary = get_executable()
        if binary is None:
            return None
        stat = binary.resolve().stat()
        configs = {name: sha256_file(Path(name)) for name in CONFIG_FILES if Path(name).is_file()}
        return {
            "pagefind": importlib.metadata.version("pagefind"),
            "binary": [str(binary.resolve()), stat.st_size, stat.st_mtime_ns],
            "environment": sorted((k, v) for k, v in os.environ.items() if k.startswith("PAGEFIND_")),
            "config_files": configs,
        }
    except (ImportError, OSError, importlib.metadata.PackageNotFoundError):
        return None


def site_digest(site: Path, options: Sequence[str], engine: Mapping[str, object],
                memo: DigestMemo, skip: str) -> str:
    """The digest of everything Pagefind would read to index site/ with these options."""
    pages = [[p.relative_to(site).as_posix(), memo.digest(p.read_bytes())] for p in html_pages(site, skip)]
    whole = {"format": FORMAT, "engine": engine, "options": list(options), "pages": pages}
    return sha256_bytes(json.dumps(whole, ensure_ascii=False, sort_keys=True).encode("utf-8"))
