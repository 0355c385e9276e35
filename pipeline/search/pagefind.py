"""Pagefind's index of the built site, written anew or reused from the build cache.

What is indexed: every page's <main data-pagefind-body>, less its data-pagefind-ignore
parts and the dataset cards (EXCLUDE_SELECTORS). A dataset page is found by what
describes the data, as on data.gouv.fr: title, description, keywords, theme, publisher,
licence, coverage, resource titles and file names, fields with their titles, descriptions,
types and constraints, and the prose of the extensions' sections. What is derived from
the data is marked data-pagefind-ignore in the templates (dataset.html, versions/*, the
extensions' dataset sections): preview, column profile, example values, row counts, file
sizes and checksums, dates of update, validation badge, versions, map legend and table,
counts and statuses computed from the rows. Numbers and cells are poor search words, and
keeping them out means that correcting a value leaves the index as it was.

Keeping the data out also lets a rebuild reuse the last bundle. Pagefind has no
incremental mode and takes time with every page; so the build hashes what Pagefind
would read of every page (digest.py: URL, indexed text and markup, meta
and filter attributes, title, lang), with the Pagefind binary and its options. When
that digest is the one kept with the last bundle in the build cache (CACHE_DIR), the
bundle is copied from there, each file checked against its sha256, instead of running
Pagefind; otherwise Pagefind runs and its bundle and digest replace the cached ones. Its
output is a function of what it reads (two runs on one site write the same bytes), so
the copy is the bundle it would write. A missing, stale or damaged cache, or any doubt,
means Pagefind runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.fileio import sha256_bytes
from pipeline.report import Problem
from pipeline.search.digest import DigestMemo, engine_fingerprint, site_digest

BUNDLE_DIR = "pagefind"
LANGUAGE = "fr"
# Parts of pages left out of the index: dataset cards repeat the dataset pages, and would
# make the catalogue, the home page and every theme page match nearly every query.
EXCLUDE_SELECTORS = ".card-list"
TIMEOUT_S = 600
# Under the build cache: the last bundle with the digest of what it indexed, and page digests.
CACHE_DIR = "search"
# Parts of the bundle the site never loads (it has its own UI in theme/static/js/search.js,
# and one language): Pagefind's ready-made UIs, its highlighter, its language-less engine.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js",
          "wasm.unknown.pagefind")


@dataclass(frozen=True)
class IndexStats:
    pages: int
    files: int
    bytes: int
    seconds: float  # running Pagefind, or copying the cached bundle
    reused: bool = False  # the cached bundle was copied: Pagefind did not run
    digest_seconds: float = 0.0  # hashing what Pagefind reads (parallel to a cold run)
    parsed: int = 0  # pages parsed for the digest (the others were memoised)


def pagefind_command(site: Path) -> list[str]:
    return [
        sys.executable, "-m", "pagefind",
        "--site", str(site),
        "--output-subdir", BUNDLE_DIR,
        "--force-language", LANGUAGE,
        "--exclude-selectors", EXCLUDE_SELECTORS,
        "--quiet",
    ]


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_pagefind(site: Path, command: list[str] | None = None) -> tuple[IndexStats | None, list[Problem]]:
    """Index site/ into site/pagefind/; (stats, []) or (None, [an error saying why])."""
    hint = ("Check that Pagefind is installed in the build's environment "
            "(pip install 'pagefind[bin]'), then run the build again; "
            f"`{sys.executable} -m pagefind --site output --force-language fr` shows its own message.")
    bundle = site / BUNDLE_DIR
    if bundle.exists():  # Pagefind adds to an existing bundle: start from nothing
        shutil.rmtree(bundle)
    start = time.perf_counter()
    try:
        done = subprocess.run(command or pagefind_command(site), capture_output=True, text=True,
                              timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, [Problem("error", "search-index", f"Pagefind could not index the site: {exc}",
                              hint=hint)]
    seconds = time.perf_counter() - start
    output = "\n".join(part for part in (done.stdout, done.stderr) if part.strip())
    if done.returncode != 0:
        return None, [Problem(
            "error", "search-index",
            f"Pagefind failed (exit code {done.returncode}) while indexing the site:\n"
            f"{_tail(output) or '(no output)'}", hint=hint)]
    if not (bundle / "pagefind.js").is_file() or not any(bundle.glob("index/*")):
        return None, [Problem(
            "error", "search-index",
            f"Pagefind wrote no search index into {BUNDLE_DIR}/ (no page indexed?):\n"
            f"{_tail(output) or '(no output)'}",
            hint="Pages are indexed from their <main data-pagefind-body> (theme/templates/base.html): "
                 "check that it is still there.")]
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    return bundle_stats(bundle, seconds), []


def bundle_stats(bundle: Path, seconds: float, reused: bool = False) -> IndexStats:
    files = [p for p in bundle.rglob("*") if p.is_file()]
    pages = len(list((bundle / "fragment").glob("*")))
    return IndexStats(pages=pages, files=len(files), bytes=sum(p.stat().st_size for p in files),
                      seconds=seconds, reused=reused)


class BundleCache:
    """The last bundle Pagefind wrote, under folder/bundle/: files/ and manifest.json
    (the digest of what it indexed, and the sha256 of every file).

    Replaced whole by a rename, so a concurrent build sees the old bundle or the new one;
    read with every file checked against the manifest, so a damaged copy is never served.
    """

    MANIFEST = "manifest.json"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.current = folder / "bundle"

    def digest(self) -> str | None:
        """The digest of the cached bundle; None when there is none, or no readable one."""
        try:
            manifest = json.loads((self.current / self.MANIFEST).read_text(encoding="utf-8"))
            return str(manifest["digest"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def restore(self, digest: str, bundle: Path) -> bool:
        """Copy the cached bundle to bundle/ if it was made from `digest` and is intact."""
        try:
            manifest = json.loads((self.current / self.MANIFEST).read_text(encoding="utf-8"))
            files = manifest["files"]
            if manifest["digest"] != digest or "pagefind.js" not in files:
                return False
            if bundle.exists():
                shutil.rmtree(bundle)
            for name, expected in sorted(files.items()):
                self._copy_checked(name, expected, bundle)
            return True
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            shutil.rmtree(bundle, ignore_errors=True)  # half a bundle is no bundle
            return False

    def _copy_checked(self, name: str, expected: str, bundle: Path) -> None:
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"{name}: not a path inside the bundle")
        data = (self.current / "files" / relative).read_bytes()
        if sha256_bytes(data) != expected:
            raise ValueError(f"{name}: its bytes are not those of the manifest")
        target = bundle / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def store(self, digest: str, bundle: Path) -> None:
        """Keep a copy of bundle/ as made from `digest`; a cache that cannot be written is
        left as it was (the next build runs Pagefind, that is all)."""
        unique = f"{os.getpid()}-{time.time_ns()}"
        fresh, old = self.folder / f"new-{unique}", self.folder / f"old-{unique}"
        try:
            files = {}
            for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
                name = path.relative_to(bundle).as_posix()
                data = path.read_bytes()
                (fresh / "files" / name).parent.mkdir(parents=True, exist_ok=True)
                (fresh / "files" / name).write_bytes(data)
                files[name] = sha256_bytes(data)
            manifest = {"digest": digest, "files": files}
            (fresh / self.MANIFEST).write_text(json.dumps(manifest, indent=0), encoding="utf-8")
            if self.current.exists():
                self.current.rename(old)
            fresh.rename(self.current)
        except OSError:
            pass
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)


def indexing_digest(site: Path, memo: DigestMemo) -> tuple[str | None, float]:
    """The digest of what Pagefind would read to index site/, and the seconds it took;
    None when it cannot be known (Pagefind's binary not found, a page unreadable)."""
    start = time.perf_counter()
    engine = engine_fingerprint()
    options = pagefind_command(Path("SITE"))  # the options, whatever the staging folder
    try:
        digest = site_digest(site, options, engine, memo, skip=BUNDLE_DIR) if engine else None
    except OSError:
        digest = None
    return digest, time.perf_counter() - start


def _reuse_or_run(saved: BundleCache, digest: str | None,
                  site: Path) -> tuple[IndexStats | None, list[Problem]]:
    start = time.perf_counter()
    if digest is not None and saved.restore(digest, site / BUNDLE_DIR):
        return bundle_stats(site / BUNDLE_DIR, time.perf_counter() - start, reused=True), []
    return run_pagefind(site)


def index_site(site: Path, cache: Path) -> tuple[IndexStats | None, list[Problem]]:
    """Write site/pagefind/: the cached bundle when what Pagefind reads has not changed,
    else a new one from Pagefind, then kept in the cache."""
    saved = BundleCache(cache)
    memo = DigestMemo(cache / "pages.json", EXCLUDE_SELECTORS)
    if saved.digest() is None:
        # Nothing to reuse: Pagefind runs anyway, and the digest is computed meanwhile.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(indexing_digest, site, memo)
            stats, problems = run_pagefind(site)
            digest, digest_seconds = pending.result()
    else:
        digest, digest_seconds = indexing_digest(site, memo)
        stats, problems = _reuse_or_run(saved, digest, site)
    if stats is None:
        return None, problems
    if digest is not None and not stats.reused:
        saved.store(digest, site / BUNDLE_DIR)
    with contextlib.suppress(OSError):  # unsaved, the next build parses every page again
        memo.save()
    return dataclasses.replace(stats, digest_seconds=digest_seconds, parsed=memo.parsed), []


FRAGMENT_HEADER = b"pagefind_dcd"


def page_ids(bundle: Path) -> dict[str, str]:
    """Pagefind's id of every indexed page, by URL ("/jeux-de-donnees/x/" → "fr_1a2b3c4").

    A page's id is the name of its fragment: gzipped, a header, then JSON with its url.
    Raises ValueError when a fragment is not in that shape (another Pagefind version).
    """
    ids = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = path.read_bytes()
        if not data.startswith(FRAGMENT_HEADER):
            data = gzip.decompress(data)
        if not data.startswith(FRAGMENT_HEADER):
            raise ValueError(f"{path.name} does not start with {FRAGMENT_HEADER.decode()}")
        ids[json.loads(data[len(FRAGMENT_HEADER):])["url"]] = path.name.removesuffix(".pf_fragment")
    return ids
