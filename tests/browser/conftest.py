"""Browser fixtures: the built sample site on a local port, and Debian's Chromium.

One HTTP server per test session (per xdist worker); Chromium is the session's, from
tests/support/browser.py. Every test gets a fresh browser context with a RequestGuard
attached, closed after the test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipeline.serve import make_server
from tests.conftest import ROOT
from tests.support.gates import RequestGuard

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
# ---- the local server ----------------------------------------------------------------

@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve directory on 127.0.0.1 on a free port; yield the base URL (no trailing /)."""
    server = make_server(directory, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def serve_folder() -> Callable[[Path], Any]:
    """serve(directory) as a fixture, for tests that serve a site of their own."""
    return serve


@pytest.fixture(scope="session")
def site_url(sample_output: Path) -> Iterator[str]:
    """The built sample site, served over HTTP."""
    with serve(sample_output) as url:
        yield url


@pytest.fixture(autouse=True)
def _browser_first(chromium_executable: str) -> None:
    """Autouse and session-scoped underneath: the check runs before any site is built."""


@pytest.fixture
def new_context(
    browser: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., tuple[Any, RequestGuard]]]:
    """Factory: a fresh browser context with a RequestGuard for the given origin.

    new_context(origin=None, **context_options) -> (context, guard), closed after the test.
    Without an origin, the guard allows the sample site's server only (built on demand).
    """
    contexts = []

    def make(origin: str | None = None, **options: Any) -> tuple[Any, RequestGuard]:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "fr-FR")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        guard = RequestGuard(origin or request.getfixturevalue("site_url")).attach(context)
        return context, guard

    yield make
    for context in contexts:
        context.close()


# ---- reporting -----------------------------------------------------------------------

def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the artifacts are (screenshots, reports), whatever -s or -n."""
    artifacts: dict[str, str] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", ()):
                if key.startswith("artifact:"):
                    artifacts[key.removeprefix("artifact:")] = value
    if artifacts:
        terminalreporter.write_sep("-", "test artifacts")
        for name, value in sorted(artifacts.items()):
            terminalreporter.write_line(f"{name}: {value}")
