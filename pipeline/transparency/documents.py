"""Documents committed beside a dataset's tables (reports, declarations), published as-is.

A table names them by their path inside the dataset folder; the build checks that the
path stays inside the folder, that the file exists and is what it claims to be, and copies
it into the site at an address of the extension's choosing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.extensions.base import GeneratedFile
from pipeline.report import Problem
from pipeline.transparency.tables import Row, Table

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class Document:
    """A committed file and where the site publishes it."""

    source: Path
    url: str  # relative to the site root, e.g. "mie/routes-hiver/rapport.pdf"
    size: int

    @property
    def filename(self) -> str:
        return PurePosixPath(self.url).name

    def generated(self) -> GeneratedFile:
        return GeneratedFile(self.url, self.source.read_bytes())


def locate(folder: Path, relpath: str) -> tuple[Path | None, str]:
    """The file a cell names inside `folder`, or None and the reason it is refused."""
    declared = PurePosixPath(relpath)
    if declared.is_absolute() or "\\" in relpath or ".." in declared.parts:
        return None, "it must be a path inside the dataset folder, without '..'"
    path = folder.joinpath(*declared.parts)
    if not path.resolve().is_relative_to(folder.resolve()):
        return None, "it leads out of the dataset folder (symbolic link)"
    if not path.is_file():
        return None, "no such file in the dataset folder (names are case-sensitive)"
    return path, ""


def attached_pdf(folder: Path, table: Table, row: Row, field: str, url_dir: str,
                 problems: list[Problem]) -> Document | None:
    """The PDF named by row[field], to be published in url_dir; None if empty or refused."""
    relpath = row.text(field)
    if not relpath:
        return None
    path, reason = locate(folder, relpath)
    if path is not None and not path.read_bytes()[:1024].lstrip().startswith(PDF_MAGIC):
        path, reason = None, "the file is not a PDF (it does not start with %PDF-)"
    if path is None:
        problems.append(table.problem(
            "error", "bad-document", f"Document {relpath!r} cannot be published: {reason}.",
            row, field, hint=f"Commit the PDF in datasets/{table.dataset}/ and write its path "
                             "relative to that folder, e.g. rapports/rapport.pdf."))
        return None
    return Document(path, f"{url_dir.strip('/')}/{path.name}", path.stat().st_size)


def attached_text(folder: Path, table: Table, row: Row, field: str,
                  problems: list[Problem]) -> str | None:
    """The UTF-8 text (Markdown) named by row[field]; None if empty or refused."""
    relpath = row.text(field)
    if not relpath:
        return None
    path, reason = locate(folder, relpath)
    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            reason = "the file is not UTF-8 text"
    problems.append(table.problem(
        "error", "bad-document", f"Document {relpath!r} cannot be read: {reason}.", row, field,
        hint=f"Commit the Markdown file (UTF-8) in datasets/{table.dataset}/ and write its path "
             "relative to that folder, e.g. rapports/rapport.md."))
    return None
