"""Small text helpers shared by the stages: slugs, safe Markdown, French formatting."""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in Markdown is shown as text, never rendered: descriptions come from data files.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def slugify(text: str) -> str:
    """ASCII slug; ligatures spelled out (Annœullin → annoeullin), accents dropped."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(LIGATURES)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def markdown_to_html(text: str) -> Markup:
    """Render untrusted Markdown: raw HTML is escaped, javascript: links are dropped, and
    tables get what RGAA asks of data tables (a caption, header scopes)."""
    return Markup(_accessible_tables(_MARKDOWN.render(text or "")))


def _accessible_tables(html: str) -> str:
    """Markdown has no table captions: name each table after its column headers."""

    def caption(match: re.Match[str]) -> str:
        headers = re.findall(r"<th[^>]*>(.*?)</th>", match.group(0), flags=re.S)
        names = ", ".join(re.sub(r"<[^>]+>", "", h).strip() for h in headers)
        table = match.group(0).replace("<th>", '<th scope="col">').replace(
            "<th style=", '<th scope="col" style=')
        # The CSP forbids style attributes: column alignment becomes a class of the theme.
        table = re.sub(r'style="text-align:(left|center|right)"', r'class="align-\1"', table)
        return table.replace("<table>", f"<table>\n<caption>Tableau : {names}</caption>", 1)

    return re.sub(r"<table>.*?</table>", caption, html, flags=re.S)


def first_sentence(text: str, limit: int = 200) -> str:
    plain = re.sub(r"[*_`#>\[\]]", "", text or "").strip()
    plain = re.sub(r"\s+", " ", plain)
    if len(plain) <= limit:
        return plain
    cut = plain[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def format_int(value: int) -> str:
    """12345 → '12 345' with a narrow no-break space, as French typography wants."""
    return f"{value:,}".replace(",", "\u202f")


def format_bytes(size: int) -> str:
    units = ["octets", "ko", "Mo", "Go"]
    value = float(size)
    for unit in units:
        if value < 1000 or unit == units[-1]:
            if unit == "octets":
                return f"{int(value)} octets"
            return f"{value:.1f} {unit}".replace(".", ",")
        value /= 1000
    raise AssertionError("unreachable")
