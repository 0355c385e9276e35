"""A Python-Markdown extension for pages written by people: raw HTML is shown as text,
and links may only lead to the web, mail, phone or the site itself.

A pasted <script>, an onerror= or a [link](javascript:…) must appear as text or as a
plain word on the page, never run. Removing the two raw-HTML handlers makes
Python-Markdown escape such input like any other text; a tree processor drops the
href/src of any other scheme.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def is_safe_url(url: str) -> bool:
    # Browsers ignore control characters and spaces inside a scheme: "java\tscript:" runs.
    compact = "".join(ch for ch in url if ch > " ").lower()
    scheme, colon, _ = compact.partition(":")
    if not colon or any(ch in scheme for ch in "/?#"):
        return True  # a relative URL, or one whose first colon comes after a path
    return compact.startswith(SAFE_SCHEMES)


class _DropUnsafeLinks(Treeprocessor):
    def run(self, root: Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not is_safe_url(value):
                    del element.attrib[attribute]


class EscapeHtmlExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After "inline" (priority 20), which creates the links.
        md.treeprocessors.register(_DropUnsafeLinks(md), "drop_unsafe_links", 0)


def makeExtension(**kwargs: Any) -> EscapeHtmlExtension:
    return EscapeHtmlExtension(**kwargs)
