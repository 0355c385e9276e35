"""The serialised fragments of the catalogue, kept between builds under the build cache.

One file per fragment, named by the digest of its triples (fragments.py), holding its
three formats (serialize.FragmentText): a header line (this format, the digest, the sha256
of the rest), a line of JSON (prefixes, and the length of each part), then the parts as
they go into the files, so that reading an entry is slicing bytes, not decoding 30 kB of
JSON strings. A build reads the fragments whose digest it
already has, writes the others, assembles the catalogue files, then removes the entries
it did not use: the folder holds one build's worth of fragments, never more.

A cache is only a shortcut: an entry that is missing, unreadable, written by another
version of this format, of rdflib or of the code of this package, or whose content does
not match its checksum is written again, and a cache that cannot be written does not stop
the build. Entries are written aside and renamed (fileio.atomic_write), and the clean-up
leaves files being written alone (fileio.is_partial): two builds may share the folder.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import rdflib

from pipeline.catalogue_rdf.fragments import Fragment
from pipeline.catalogue_rdf.graph import PREFIXES
from pipeline.catalogue_rdf.serialize import FragmentText, assemble, write_fragment
from pipeline.fileio import atomic_write, is_partial, sha256_bytes
from pipeline.memo import signature

# The modules whose code makes the cached text: any change to them may change the bytes.
CODE = Path(__file__).resolve().parent
SUFFIX = ".json"


@lru_cache(maxsize=1)
def cache_format() -> str:
    """What the cached text depends on besides the triples: this file's layout, Python and
    rdflib, our prefixes, the code of pipeline/catalogue_rdf. Any change makes every entry
    stale.

    Computed once per process, when this module is imported (about a millisecond): the
    code that runs is the code imported, so a process that outlives an edit of these files
    goes on labelling its entries with the signature of what it runs, not of what is on
    disk. memo.signature names files by absolute path: a project moved elsewhere
    serialises its fragments again, once.
    """
    prefixes = sha256_bytes(json.dumps(PREFIXES, sort_keys=True).encode("utf-8"))[:16]
    code = signature(sorted(CODE.glob("*.py")))[:16]
    return (f"dcat-fragment/3 python/{sys.version_info[0]}.{sys.version_info[1]} "
            f"rdflib/{rdflib.__version__} prefixes/{prefixes} code/{code}")


cache_format()  # now, as the code it signs has just been imported


@dataclass(frozen=True)
class CacheStats:
    """What one assembly took from the cache and what it serialised."""

    fragments: int
    serialised: tuple[str, ...]  # keys of the fragments written by rdflib (cache misses)
    removed: int = 0  # stale entries deleted

    @property
    def reused(self) -> int:
        return self.fragments - len(self.serialised)


class FragmentCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.format = cache_format()

    def path(self, digest: str) -> Path:
        return self.folder / f"{digest}{SUFFIX}"

    def get(self, digest: str) -> FragmentText | None:
        """The entry of a digest, or None if it is missing or cannot be trusted."""
        try:
            data = self.path(digest).read_bytes()
        except OSError:
            return None
        header, _, payload = data.partition(b"\n")
        if header != self._header(digest, payload):  # another format, or a damaged payload
            return None
        try:
            return decode(payload)
        except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            return None

    def put(self, digest: str, text: FragmentText) -> None:
        payload = encode(text)
        # Written aside then renamed: a concurrent build never reads half an entry. A cache
        # that cannot be written is only a cache miss next time.
        with contextlib.suppress(OSError):
            atomic_write(self.path(digest), self._header(digest, payload) + b"\n" + payload)

    def _header(self, digest: str, payload: bytes) -> bytes:
        return f"{self.format} {digest} {sha256_bytes(payload)}".encode()

    def prune(self, keep: set[str]) -> int:
        """Remove every entry but those of the digests in keep; how many were removed.

        Files being written (by this build's puts, done by now, or by a concurrent build's)
        are not entries: left alone, their writer renames or removes them.
        """
        removed = 0
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return 0
        for entry in entries:
            if is_partial(entry) or (entry.name.endswith(SUFFIX)
                                     and entry.name.removesuffix(SUFFIX) in keep):
                continue
            try:
                entry.unlink()
                removed += 1
            except OSError:
                pass  # gone already, or a folder nobody asked us to manage
        return removed


def encode(text: FragmentText) -> bytes:
    meta = {"turtle_prefixes": dict(text.turtle_prefixes), "xml_namespaces": dict(text.xml_namespaces),
            "sizes": [len(text.turtle), len(text.xml)],
            "jsonld": [[node_id, len(node)] for node_id, node in text.jsonld]}
    parts = [text.turtle, text.xml, *(node for _, node in text.jsonld)]
    return json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n" + b"".join(parts)


def decode(payload: bytes) -> FragmentText:
    """Back from encode; ValueError if the payload is not what encode writes."""
    line, _, body = payload.partition(b"\n")
    meta = json.loads(line)
    if not (isinstance(meta, dict) and _str_map(meta.get("turtle_prefixes"))
            and _str_map(meta.get("xml_namespaces")) and _sizes(meta.get("sizes"), 2)
            and isinstance(meta.get("jsonld"), list)
            and all(isinstance(n, list) and len(n) == 2 and isinstance(n[0], str) and _sizes(n[1:], 1)
                    for n in meta["jsonld"])):
        raise ValueError("not a serialised fragment")
    sizes = [*meta["sizes"], *(size for _, size in meta["jsonld"])]
    if sum(sizes) != len(body):
        raise ValueError("not a serialised fragment")
    parts, start = [], 0
    for size in sizes:
        parts.append(body[start:start + size])
        start += size
    nodes = tuple((node_id, part) for (node_id, _), part in zip(meta["jsonld"], parts[2:], strict=True))
    return FragmentText(meta["turtle_prefixes"], parts[0], meta["xml_namespaces"], parts[1], nodes)


def _str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _sizes(value: Any, count: int) -> bool:
    return (isinstance(value, list) and len(value) == count
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value))


def cached_catalogue_files(fragments: Sequence[Fragment],
                           folder: Path) -> tuple[dict[str, bytes], CacheStats]:
    """The three catalogue files, serialising only the fragments the cache lacks."""
    cache = FragmentCache(folder)  # the code signed once per process (cache_format)
    texts = []
    serialised = []
    for fragment in fragments:
        text = cache.get(fragment.digest)
        if text is None:
            text = write_fragment(fragment.triples)
            cache.put(fragment.digest, text)
            serialised.append(fragment.key)
        texts.append(text)
    removed = cache.prune({f.digest for f in fragments})
    return assemble(texts), CacheStats(len(fragments), tuple(serialised), removed)


def fragment_files(fragments: Sequence[Fragment]) -> dict[str, bytes]:
    """The three catalogue files from scratch, without a cache."""
    return assemble([write_fragment(f.triples) for f in fragments])
