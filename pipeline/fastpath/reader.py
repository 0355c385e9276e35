"""Read a CSV file as frictionless reads it, in Arrow batches of text cells.

Frictionless decodes the file (a UTF-8 BOM switches it to utf-8-sig), sniffs the
dialect from the first 100 lines with `csv.Sniffer`, parses with Python's csv module and
takes the first row as the header when the sample's widths allow it. This module makes
the same decisions with the same code on the same sample, then lets pyarrow parse the
file: the two parsers agree on every record of a file pyarrow can read with those
settings (quotes, doubled quotes, quoted newlines, CR/LF/CRLF, empty lines). Rows whose
width differs from the header's reach `invalid_row_handler`; they are re-parsed with
the csv module so their cells are exactly frictionless'. Anything else raises
`Unsupported`, and the caller falls back to frictionless.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from frictionless import helpers
from frictionless.formats.csv.control import CsvControl

# What frictionless reads before parsing: 100 lines to sniff, 100 rows to find the header.
SNIFF_LINES = 100
SAMPLE_ROWS = 100
BLOCK_SIZE = 0  # bytes pyarrow parses at a time; 0: from the file's size (auto_block_size)
# Encodings whose BOM handling or statefulness pyarrow's transcoder might not share.
UNSUPPORTED_ENCODINGS = ("utf-16", "utf-32", "utf-7")


class Unsupported(Exception):
    """The fast path cannot read this resource exactly as frictionless does."""


@dataclass(frozen=True)
class CsvLayout:
    """How frictionless will read the file, decided from the same sample."""

    path: Path
    encoding: str  # the Python codec frictionless decodes with
    delimiter: str
    quote_char: str
    universal_newlines: bool  # TSV: frictionless opens the text with newline=None
    labels: tuple[str, ...]  # the header row, each label stripped
    width: int  # cells in the header row: the width pyarrow expects of every row
    python_dialect: Any = field(compare=False)

    def parse_record(self, text: str) -> list[str]:
        """The cells Python's csv module reads from one record's text."""
        if self.universal_newlines:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        records = _records(text, self.python_dialect)
        if records != _records(text + "\n", self.python_dialect):
            # The record ends inside quotes: it runs to the end of the file, whose last
            # line break the csv module keeps in the cell and pyarrow's text lacks.
            raise Unsupported("a quote is never closed")
        if len(records) != 1:
            raise Unsupported("a record pyarrow rejected splits differently with the csv module")
        return records[0]


def has_empty_lines(path: Path) -> bool:
    """Whether two line breaks follow each other anywhere (other than CR LF): where
    they are not inside quotes, that is an empty line, which frictionless reads as a row
    without cells and pyarrow as a row of empty cells."""
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(1 << 24):
            data = tail + chunk
            if b"\n\n" in data or b"\r\r" in data or b"\n\r" in data:
                return True
            tail = data[-1:]
    return False


def _records(text: str, dialect: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def resolve_encoding(declared: str, path: Path) -> str:
    """The codec frictionless ends up with for a declared encoding (see Detector)."""
    encoding = codecs.lookup(declared).name
    if encoding == "utf-8":
        with path.open("rb") as file:
            if file.read(3) == codecs.BOM_UTF8:
                encoding = "utf-8-sig"
    return encoding


def inspect_csv(resource: Any, path: Path) -> CsvLayout:
    """Decide delimiter, quote, encoding and header as frictionless will for `resource`."""
    encoding = resolve_encoding(resource.encoding or "utf-8", path)
    if encoding.startswith(UNSUPPORTED_ENCODINGS):
        raise Unsupported(f"the encoding {encoding}")
    dialect = resource.dialect.to_copy()
    _check_dialect(dialect)
    universal = resource.format != "csv"
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding, newline=None if universal else "")
        sample = list(islice(text, SNIFF_LINES))
        python_dialect = _sniffed_dialect(resource.format, dialect, sample)
        rows = list(islice(csv.reader(chain(sample, text), python_dialect), SAMPLE_ROWS))
    if not rows or not rows[0]:
        raise Unsupported("the file does not start with a header row")
    if not dialect.has_defined("header") and not dialect.has_defined("header_rows"):
        widths = [len(cells) for cells in rows]
        width = round(sum(widths) / len(widths))
        drift = max(round(width * 0.1), 1)
        first = next((n for n, cells in enumerate(rows, start=1)
                      if width - drift <= len(cells) <= width + drift), 1)
        if first != 1:
            raise Unsupported(f"frictionless takes row {first} as the header (widths differ)")
    return CsvLayout(
        path=path,
        encoding=encoding,
        delimiter=python_dialect.delimiter,
        quote_char=python_dialect.quotechar,
        universal_newlines=universal,
        labels=tuple(helpers.stringify_label(rows[0])),
        width=len(rows[0]),
        python_dialect=python_dialect,
    )


def _check_dialect(dialect: Any) -> None:
    if not dialect.header or dialect.header_rows != [1]:
        raise Unsupported("a header other than the first row")
    if not dialect.header_case:
        raise Unsupported("headerCase: false")
    if dialect.comment_char or dialect.comment_rows or dialect.skip_blank_rows:
        raise Unsupported("comment or skipped rows")


def _sniffed_dialect(fmt: str, dialect: Any, sample: list[str]) -> Any:
    """Replicates frictionless' CsvParser.read_cell_stream_create on the same sample."""
    control = CsvControl.from_dialect(dialect)
    if fmt == "tsv":
        control.set_not_defined("delimiter", "\t")
    delimiter = control.get_defined("delimiter", default=",\t;|")
    try:
        config = csv.Sniffer().sniff("".join(sample), delimiter)
    except csv.Error:
        config = csv.excel()
    if config.quotechar == "'":
        config.quotechar = '"'
    control.set_not_defined("delimiter", config.delimiter, distinct=True)
    control.set_not_defined("line_terminator", config.lineterminator, distinct=True)
    control.set_not_defined("escape_char", config.escapechar, distinct=True)
    control.set_not_defined("quote_char", config.quotechar, distinct=True)
    control.set_not_defined("skip_initial_space", config.skipinitialspace, distinct=True)
    python = control.to_python()
    if python.quoting == csv.QUOTE_NONE or python.escapechar or not python.doublequote:
        raise Unsupported("a CSV dialect without quotes or with an escape character")
    if python.skipinitialspace:
        raise Unsupported("spaces after the delimiter are skipped (skipInitialSpace)")
    special = {python.delimiter, python.quotechar}
    if len(python.delimiter) != 1 or len(python.quotechar) != 1 or len(special) != 2 \
            or special & {"\r", "\n"}:
        raise Unsupported("an unusual delimiter or quote character")
    return python


@dataclass
class TextBatch:
    """Consecutive records of the file: the well-formed ones as Arrow text columns, the
    ragged ones (another width than the header) as lists of cells."""

    columns: list[pa.Array]
    numbers: np.ndarray  # row number of each well-formed record (the header is row 1)
    ragged: list[tuple[int, list[str]]]  # (row number, cells), ascending

    @property
    def last_number(self) -> int:
        last = int(self.numbers[-1]) if len(self.numbers) else 0
        return max(last, self.ragged[-1][0] if self.ragged else 0)


def auto_block_size(path: Path) -> int:
    """About eight batches for a small file, 8 MB for a large one: small batches let the
    reader thread and the checks overlap; larger ones cost less Python per row."""
    return min(8 << 20, max(1 << 20, path.stat().st_size // 8))


def read_batches(layout: CsvLayout, block_size: int = BLOCK_SIZE) -> Iterator[TextBatch]:
    """The records after the header, in order, numbered as frictionless numbers rows."""
    with BatchReader(layout, block_size) as reader:
        yield from reader


class BatchReader:
    """The records after the header, in batches, numbered as frictionless numbers rows.

    pyarrow starts parsing when the reader is made, in a thread: the caller's own setup
    (header, column checkers) overlaps the parsing of the first block. Iterate once;
    close() (or leaving a `with` block) stops the thread, iterated or not."""

    def __init__(self, layout: CsvLayout, block_size: int = BLOCK_SIZE) -> None:
        self.layout = layout
        self.invalid: list[tuple[int, str]] = []  # ragged records parsed so far, in order
        block_size = block_size or auto_block_size(layout.path)
        # The options and the file are made here: the thread then needs the GIL only once
        # pyarrow has parsed the first block, not while the caller's own setup holds it.
        options = _csv_options(layout, block_size, self.invalid)
        source = pa.input_stream(str(layout.path))
        self._batches = Prefetcher(lambda: pacsv.open_csv(source, **options), source.close)

    def __enter__(self) -> BatchReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._batches.close()

    def __iter__(self) -> Iterator[TextBatch]:
        return _numbered(self.layout, self._batches, self.invalid)


def _csv_options(layout: CsvLayout, block_size: int, invalid: list[tuple[int, str]]
                 ) -> dict[str, Any]:
    """pyarrow's options to read the file's records as text; ragged ones go to `invalid`."""

    def on_invalid(row: Any) -> str:
        if row.number is None or row.number < 1:
            raise Unsupported("pyarrow could not number a ragged row")
        invalid.append((row.number, row.text))
        return "skip"

    names = [f"f{i}" for i in range(layout.width)]
    lowered = layout.encoding.replace("_", "-")
    arrow_encoding = "utf8" if lowered in {"utf-8", "utf-8-sig", "ascii"} else layout.encoding
    return {
        "read_options": pacsv.ReadOptions(column_names=names, use_threads=False,
                                          block_size=block_size, encoding=arrow_encoding),
        "parse_options": pacsv.ParseOptions(delimiter=layout.delimiter, quote_char=layout.quote_char,
                                            double_quote=True, escape_char=False,
                                            newlines_in_values=True, ignore_empty_lines=False,
                                            invalid_row_handler=on_invalid),
        "convert_options": pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                strings_can_be_null=False,
                                                quoted_strings_can_be_null=False),
    }


def _numbered(layout: CsvLayout, batches: Iterator[pa.RecordBatch],
              invalid: list[tuple[int, str]]) -> Iterator[TextBatch]:
    """Row numbers for pyarrow's batches, with the ragged rows re-parsed in between.
    The ragged rows of a block are all in `invalid` before the block's batch is handed over."""
    valid_seen = 0  # well-formed records so far, the header included
    ragged_done = 0
    header_skipped = False
    for batch in batches:
        count = batch.num_rows
        dense = np.arange(valid_seen + 1, valid_seen + count + 1, dtype=np.int64)
        numbers = _numbers(dense, invalid)
        valid_seen += count
        columns = list(batch.columns)
        if not header_skipped and count:
            if numbers[0] != 1:
                raise Unsupported("pyarrow and the csv module read the header differently")
            columns = [c.slice(1) for c in columns]
            numbers = numbers[1:]
            header_skipped = True
        last = int(numbers[-1]) if len(numbers) else 0
        ragged = []
        while ragged_done < len(invalid) and invalid[ragged_done][0] < last:
            ragged.append(_ragged(layout, *invalid[ragged_done]))
            ragged_done += 1
        if len(numbers) or ragged:
            yield TextBatch(_translated(layout, columns), numbers, ragged)
    ragged = [_ragged(layout, *item) for item in invalid[ragged_done:]]
    if ragged:
        yield TextBatch([pa.array([], pa.string()) for _ in range(layout.width)],
                        np.zeros(0, np.int64), ragged)


PREFETCH = 2  # batches parsed ahead


class Prefetcher:
    """Iterates a reader in a thread (pyarrow releases the GIL while it parses), a few
    batches ahead. `opener` runs in the thread too: pyarrow parses the first block
    when the reader is opened."""

    _DONE = object()

    def __init__(self, opener: Callable[[], Any], cleanup: Callable[[], None] | None = None
                 ) -> None:
        """`cleanup`: run in the thread when it is done (closes the file)."""
        self._queue: queue.Queue = queue.Queue(PREFETCH)
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._produce, args=(opener, cleanup),
                                        name="csv-reader", daemon=True)
        self._worker.start()

    def _produce(self, opener: Callable[[], Any], cleanup: Callable[[], None] | None) -> None:
        reader = None
        try:
            reader = opener()
            for batch in reader:
                if not self._put(batch):
                    return
            self._put(self._DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)
        finally:
            if reader is not None:
                reader.close()
            if cleanup is not None:
                cleanup()

    def _put(self, item: Any) -> bool:
        """Wait for room in the queue, unless told to stop; whether the item was queued."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        while True:
            item = self._queue.get()
            if item is self._DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        while self._worker.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.1)


def _numbers(dense: np.ndarray, invalid: list[tuple[int, str]]) -> np.ndarray:
    """Row numbers of the well-formed records: their rank among them, plus the ragged
    records numbered before them (`invalid` holds every ragged record parsed so far)."""
    if not invalid:
        return dense
    skipped = np.fromiter((n for n, _ in invalid), np.int64, len(invalid))
    gaps = skipped - np.arange(len(skipped), dtype=np.int64)
    return dense + np.searchsorted(gaps, dense, side="right")


def _ragged(layout: CsvLayout, number: int, text: str) -> tuple[int, list[str]]:
    if number == 1:
        raise Unsupported("pyarrow and the csv module read the header differently")
    return number, layout.parse_record(text)


def _translated(layout: CsvLayout, columns: list[pa.Array]) -> list[pa.Array]:
    """TSV is read with universal newlines: CR and CRLF inside values become LF."""
    if not layout.universal_newlines:
        return columns
    import pyarrow.compute as pc

    out = []
    for column in columns:
        if pc.any(pc.match_substring(column, "\r")).as_py():
            column = pc.replace_substring(column, "\r\n", "\n")
            column = pc.replace_substring(column, "\r", "\n")
        out.append(column)
    return out
