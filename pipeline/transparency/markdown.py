"""Markdown cells rendered under the headings of the page that shows them."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

# As pipeline.text: raw HTML is shown as text, unsafe links are dropped.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown_html(text: str | None, top_level: int = 2) -> Markup:
    """Render Markdown with `#` as <h{top_level}>, `##` one level below, and so on (at most h6).

    A cell or a report is shown inside a page that has its own <h1> (and often <h2>): its
    headings must continue that outline, not restart it.
    """
    tokens = _MARKDOWN.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + top_level - 1)}"
    return Markup(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))
