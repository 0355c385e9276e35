"""Debian's Chromium driven by Playwright, one per test session (per xdist worker),
shared by every test that opens pages: Playwright's sync API cannot be started twice in
one thread, so a test must never start its own.

Chromium is required: without it the browser tests fail with the install instructions,
unless SKIP_BROWSER_TESTS=1 is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.ensure_chromium import find_chromium

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
INSTALL_HELP = """The browser tests need Chromium, driven by Playwright for Python.
  Install it with `make browser` (runs python -m tests.support.ensure_chromium), or:
    Debian/Ubuntu: sudo apt-get install chromium
    Fedora: sudo dnf install chromium    macOS: brew install --cask chromium
  or point CHROMIUM_PATH at a Chrome/Chromium binary. Playwright itself comes with the test
  extras (pip install -e '.[test]'); `playwright install` is not needed.
  To run the other tests without a browser, set SKIP_BROWSER_TESTS=1."""


def _browsers_skipped() -> bool:
    return os.environ.get("SKIP_BROWSER_TESTS") == "1"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium (or CHROMIUM_PATH); a missing browser fails the tests, never skips."""
    if _browsers_skipped():
        pytest.skip("SKIP_BROWSER_TESTS=1: browser tests skipped")
    executable = find_chromium()
    if executable is None:
        pytest.fail("Chromium was not found.\n" + INSTALL_HELP, pytrace=False)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright for Python is not installed.\n" + INSTALL_HELP, pytrace=False)
    return executable


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_executable
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken or incompatible binary
            pytest.fail(f"Chromium at {executable} did not start: {exc}\n{INSTALL_HELP}",
                        pytrace=False)
        yield chromium
        chromium.close()
