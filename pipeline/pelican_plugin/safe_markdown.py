"""A Python-Markdown extension that shows raw HTML as text instead of rendering it.

Pages in content/ are Markdown written by people; a pasted <script> or onerror= must
appear as text on the page, never run. Removing the two raw-HTML handlers makes
Python-Markdown escape such input like any other text.
"""

from __future__ import annotations

from typing import Any

from markdown import Extension, Markdown


class EscapeHtmlExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def makeExtension(**kwargs: Any) -> EscapeHtmlExtension:
    return EscapeHtmlExtension(**kwargs)
