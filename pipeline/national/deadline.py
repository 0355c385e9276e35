"""The legal deadline of the "données essentielles" of grants, computed from the data.

A collectivité publishes the essential data of every grant above 23,000 € within three
months of the signature of its convention (loi 2000-321 art. 10, décret 2017-779), in the
national SCDL format `subventions`. For each row of such a resource:

- subject to the deadline: the beneficiary's amount is above 23,000 €, that is `montant`
  times `pourcentageSubvention` when that share is between 0 and 1 (several beneficiaries
  share the grant, as the schema defines it), else `montant`;
- due: `dateConvention` + 3 calendar months, clamped to the end of the month
  (30 November → 28 or 29 February); published on the due day is in time;
- published: the day (in France) of the first commit of the published branch whose version
  of the file holds the row — the site is rebuilt and published from each commit. A row is
  recognised from version to version by the resource's primary key if it declares one, else
  by its convention date and its beneficiary's name (case, accents and punctuation aside), so
  that correcting an amount or an object does not make a row new; the n-th row with the same
  key is published when a version first holds n of them.
- Rows that no commit holds (changes not committed yet), and every row when the dataset is
  not in a git repository, take the dataset's modified date (pipeline.gitinfo: its last
  commit, else SOURCE_DATE_EPOCH or the files' time), and the page says so. When the history
  is cut (a shallow clone), the oldest version's rows were published on or before its date:
  they are in time if that date is, and of unknown date otherwise — never called late.

Reading old versions costs one `git log` and one read per version of the file; the keys of
each version are cached by blob in the build cache.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.history.git import GitUnavailable, Repository
from pipeline.model import PublishedDataset, Resource
from pipeline.national.checks import text
from pipeline.national.conformity import declared_national
from pipeline.text import format_int
from pipeline.transparency.dates import add_months, days_fr, local_date

THRESHOLD = 23_000  # euros (décret 2001-495, art. 1, for loi 2000-321 art. 10)
DELAY_MONTHS = 3  # décret 2017-779
MAX_LATE_NOTES = 100  # lines of the build report per resource; the page lists them all
REQUIRED = ("dateConvention", "montant", "nomBeneficiaire")


@dataclass(frozen=True)
class Publication:
    """When a row was first published."""

    day: date
    exact: bool = True  # False: on or before `day` (the history is cut there)
    from_git: bool = True  # False: the dataset's modified date stands in


@dataclass(frozen=True)
class LateRow:
    row: int  # as validation numbers rows (header = 1)
    beneficiary: str
    purpose: str
    amount: float  # the beneficiary's amount, in euros
    convention: date
    due: date
    published: date
    from_git: bool

    @property
    def days_late(self) -> int:
        return (self.published - self.due).days

    @property
    def amount_text(self) -> str:
        return euros(self.amount)

    @property
    def delay_text(self) -> str:
        return days_fr(self.days_late)


@dataclass(frozen=True)
class DeadlineReport:
    """The deadline of one subventions resource."""

    resource: str
    title: str
    file: str
    subject: int  # rows above the threshold
    on_time: int
    late: tuple[LateRow, ...]
    unknown: int  # published on or before a date after their deadline (history cut)
    fallback: int  # subject rows dated by the dataset's modified date, not by git
    fallback_day: date | None

    @property
    def threshold_text(self) -> str:
        return f"{format_int(THRESHOLD)}\u202f€"

    def notes(self) -> list[str]:
        """The build report's lines (English): a summary and the late rows."""
        where = f"NOTE {self.file}"
        summary = (f"{where}: {self.subject} grant(s) above {THRESHOLD:,} €: {self.on_time} published "
                   f"within {DELAY_MONTHS} months of their convention, {len(self.late)} late"
                   + (f", {self.unknown} of unknown date (history cut)" if self.unknown else "")
                   + (f"; {self.fallback} dated by the dataset's modified date (not in git history)"
                      if self.fallback else "") + " (décret 2017-779).")
        lines = [summary]
        for late in self.late[:MAX_LATE_NOTES]:
            lines.append(
                f"{where}, row {late.row}: grant of {late.amount:,.2f} € to {late.beneficiary!r}, "
                f"convention of {late.convention.isoformat()}, due by {late.due.isoformat()}, "
                f"published on {late.published.isoformat()} ({late.days_late} days late).")
        if len(self.late) > MAX_LATE_NOTES:
            lines.append(f"{where}: … and {len(self.late) - MAX_LATE_NOTES} more late rows, listed "
                         "on the dataset's page.")
        return lines


def euros(amount: float) -> str:
    """47800.2 → "47 800,20 €" (narrow no-break spaces)."""
    whole, cents = divmod(round(amount * 100), 100)
    return f"{format_int(int(whole))},{int(cents):02d}\u202f€"


def is_subventions(resource: Resource) -> bool:
    """A resource in the national subventions format (declared by URL), with its columns."""
    national = declared_national(resource)
    names = {f.get("name") for f in resource.schema.get("fields") or ()}
    return (national is not None and national.publisher == "scdl" and national.name == "subventions"
            and set(REQUIRED) <= names)


def beneficiary_amount(amount: Any, share: Any) -> float | None:
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return None
    if isinstance(share, int | float) and not isinstance(share, bool) and 0 < share < 1:
        return float(amount) * float(share)
    return float(amount)


def deadline(convention: date) -> date:
    return add_months(convention, DELAY_MONTHS)


def check_deadline(published: PublishedDataset, resource: Resource, table: pa.Table,
                   root: Path, cache: Path | None) -> DeadlineReport:
    """The deadline report of a subventions resource, from its typed table and git."""
    fallback_day = local_date(published.dates.modified)
    publications = first_publications(resource, published.dataset.folder, table.num_rows,
                                      fallback_day, cache)
    rows = table.select([c for c in ("dateConvention", "montant", "pourcentageSubvention",
                                     "nomBeneficiaire", "objet") if c in table.column_names]
                        ).to_pylist()
    subject = on_time = unknown = fallback = 0
    late: list[LateRow] = []
    for index, (row, publication) in enumerate(zip(rows, publications, strict=True)):
        amount = beneficiary_amount(row.get("montant"), row.get("pourcentageSubvention"))
        convention = row.get("dateConvention")
        if amount is None or amount <= THRESHOLD or not isinstance(convention, date):
            continue
        subject += 1
        fallback += not publication.from_git
        due = deadline(convention)
        if publication.day <= due:
            on_time += 1
        elif not publication.exact:
            unknown += 1
        else:
            late.append(LateRow(index + 2, text(row.get("nomBeneficiaire")) or "",
                                text(row.get("objet")) or "", amount, convention, due,
                                publication.day, publication.from_git))
    return DeadlineReport(resource.name, resource.title, _relative(resource.path, root), subject,
                          on_time, tuple(late), unknown, fallback,
                          fallback_day if fallback else None)


# --- first publication of each row, from git ------------------------------------------------------


def first_publications(resource: Resource, folder: Path, rows: int, fallback_day: date,
                       cache: Path | None) -> list[Publication]:
    """When each of the resource's current rows was first published (see the module's doc)."""
    fallback = Publication(fallback_day, exact=True, from_git=False)
    reader = _KeyReader(resource)
    current = reader.keys(resource.path.read_bytes())
    if current is None or len(current) != rows:
        return [fallback] * rows
    try:
        versions = _versions(resource.path, folder)
    except (GitUnavailable, ValueError):  # no git, or the folder is outside the repository
        return [fallback] * rows
    first: dict[tuple[tuple[str, ...], int], Publication] = {}
    with versions.repo.blobs() as blobs:
        for commit, blob, shallow in versions.items:
            counts = reader.counts(blob, blobs, cache)
            if counts is None:
                continue
            day = local_date(commit.date)
            for key, count in counts.items():
                for n in range(1, count + 1):
                    first.setdefault((key, n), Publication(day, exact=not shallow))
    seen: Counter[tuple[str, ...]] = Counter()
    publications = []
    for key in current:
        seen[key] += 1
        publications.append(first.get((key, seen[key]), fallback))
    return publications


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(kept.split())


class _KeyReader:
    """Reads the keys of the rows of a version of the file, as raw text (so that every
    version is read the same way, whatever its typing)."""

    def __init__(self, resource: Resource) -> None:
        key = resource.primary_key or ("dateConvention", "nomBeneficiaire")
        self.fields: tuple[str, ...] = tuple(key)
        self.folded = not resource.primary_key
        self.encoding = resource.encoding
        self.delimiter = str(resource.dialect.get("delimiter", "\t" if resource.format == "tsv" else ","))
        self.quote = str(resource.dialect.get("quoteChar", '"'))
        spec = json.dumps([self.fields, self.folded, self.encoding, self.delimiter, self.quote])
        self.spec = hashlib.sha256(spec.encode()).hexdigest()[:16]

    def keys(self, data: bytes) -> list[tuple[str, ...]] | None:
        """The key of every data row, in order; None if the version lacks a key column."""
        content = data.decode("utf-8-sig" if self.encoding.lower().replace("_", "-") in
                              {"utf-8", "utf8"} else self.encoding, errors="replace")
        records = csv.reader(io.StringIO(content, newline=""), delimiter=self.delimiter,
                             quotechar=self.quote)
        header = next(records, None)
        if header is None:
            return None
        names = [h.strip() for h in header]
        if not set(self.fields) <= set(names):
            return None
        at = [names.index(f) for f in self.fields]
        keys = []
        for record in records:
            if not record:
                continue
            cells = [record[i].strip() if i < len(record) else "" for i in at]
            keys.append(tuple(_fold(c) for c in cells) if self.folded else tuple(cells))
        return keys

    def counts(self, blob: str, blobs: Any, cache: Path | None) -> Counter[tuple[str, ...]] | None:
        path = cache / f"{blob}-{self.spec}.json" if cache is not None else None
        if path is not None and path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                return None if stored is None else Counter({tuple(k): n for k, n in stored})
            except (ValueError, TypeError):
                pass
        data = blobs.read(blob)
        keys = None if data is None else self.keys(data)
        counts = None if keys is None else Counter(keys)
        if path is not None and data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            stored = None if counts is None else [[list(k), n] for k, n in counts.items()]
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
            temporary.replace(path)
        return counts


@dataclass(frozen=True)
class _Versions:
    repo: Repository
    items: Sequence[tuple[Any, str, bool]]  # (Commit, blob, at a shallow boundary), oldest first


def _versions(path: Path, folder: Path) -> _Versions:
    """The committed versions of a file, oldest first, following its renames inside the
    dataset's folder (whose log sees both names)."""
    repo = Repository.find(folder)
    dataset_folder = repo.relative(folder)
    current = path.resolve().relative_to(repo.top).as_posix()
    items: list[tuple[Any, str, bool]] = []
    for logged in reversed(repo.log(dataset_folder)):
        change = next((c for c in logged.changes if c.path == current), None)
        if change is None:
            continue
        if change.status == "D":
            break  # deleted here, so what came before is another life of the file
        items.append((logged.commit, change.blob, logged.commit.sha in repo.shallow_commits))
        if change.status == "R":
            current = change.old_path
        elif change.status in {"A", "C"}:
            break
    items.reverse()
    return _Versions(repo, items)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
