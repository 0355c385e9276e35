"""Files committed in a dataset's folder and published beside the pages (minutes, PDFs).

A data row names a file by its path inside the dataset folder (`comptes-rendus/x.pdf`).
The path is checked like a resource path (no absolute path, no `..`, no link leading out),
the file must exist and be what its extension says, and it is published under a URL of
the page it belongs to, with its size shown next to the link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from pipeline.extensions.base import GeneratedFile
from pipeline.model import PublishedDataset
from pipeline.report import Problem

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".csv": "text/csv",
}
FORMAT_LABELS = {".pdf": "PDF", ".odt": "ODT", ".ods": "ODS", ".csv": "CSV"}


@dataclass(frozen=True)
class Document:
    """A link to a document: a file published by the site, or a page elsewhere."""

    label: str
    path: str = ""  # site-relative URL of a published file, e.g. "agenda/x/compte-rendu.pdf"
    url: str = ""  # absolute URL of a document elsewhere
    size: int = 0
    format: str = ""
    media_type: str = ""
    content: bytes = field(default=b"", repr=False, compare=False)

    @property
    def external(self) -> bool:
        return bool(self.url)

    def generated(self) -> GeneratedFile:
        return GeneratedFile(self.path, self.content)


def is_web_address(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in {"http", "https"} and bool(parsed.netloc)


def link_or_file(
    published: PublishedDataset, value: str, label: str, target_dir: str, where: dict[str, Any]
) -> tuple[Document | None, list[Problem]]:
    """A web address as it is, or a file of the dataset folder published under target_dir."""
    if is_web_address(value):
        return Document(label=label, url=value), []
    return attach(published, value, label, target_dir, where)


def attach(
    published: PublishedDataset, relpath: str, label: str, target_dir: str, where: dict[str, Any]
) -> tuple[Document | None, list[Problem]]:
    """Read the file relpath of the dataset folder, to be published as target_dir/<its name>."""
    folder = published.dataset.folder
    location = {"dataset": published.slug, **where}

    def refuse(code: str, message: str, hint: str) -> tuple[None, list[Problem]]:
        return None, [Problem("error", code, message, value=relpath, hint=hint, **location)]

    pure = PurePosixPath(relpath)
    if pure.is_absolute() or ".." in pure.parts or "\\" in relpath:
        return refuse("unsafe-path", f"File path {relpath!r} leaves the dataset folder.",
                      "Write a path inside the dataset folder, e.g. comptes-rendus/reunion.pdf.")
    suffix = pure.suffix.lower()
    if suffix not in MEDIA_TYPES:
        return refuse("attachment-format", f"File {relpath!r} is not a PDF, ODT, ODS or CSV file.",
                      "Publish documents as PDF (or ODT/ODS), or give a web address (https://…).")
    path = folder / relpath
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        return refuse("unsafe-path", f"File {relpath!r} is a link leading out of the dataset folder.",
                      "Commit the file itself in the dataset folder, not a link.")
    if not path.is_file():
        return refuse("missing-file", f"File {relpath!r} does not exist.",
                      f"Add the file to datasets/{published.slug}/ or fix the path "
                      "(names are case-sensitive).")
    content = path.read_bytes()
    if suffix == ".pdf" and not content.startswith(b"%PDF-"):
        return refuse("attachment-format", f"File {relpath!r} is not a PDF document.",
                      "Export the document as PDF again (the file must start with %PDF-).")
    return Document(
        label=label, path=f"{target_dir.strip('/')}/{pure.name}", size=len(content),
        format=FORMAT_LABELS[suffix], media_type=MEDIA_TYPES[suffix], content=content,
    ), []
