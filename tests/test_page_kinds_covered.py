"""Every kind of page the extensions produce is visited by the browser gates."""

from __future__ import annotations

from fnmatch import fnmatch

import pytest

from tests.browser.pages import PAGE_KINDS

pytestmark = pytest.mark.slow


def test_every_extension_page_kind_is_in_the_gates_list(sample_build) -> None:
    _, result = sample_build
    patterns = [kind.path for kind in PAGE_KINDS]
    missing = set()
    by_kind: dict[str, list[str]] = {}
    for page in result.site.pages:
        by_kind.setdefault(page.kind, []).append("/" + page.url)
    for kind, urls in sorted(by_kind.items()):
        if not any(fnmatch(url, pattern) for url in urls for pattern in patterns):
            missing.add(f"{kind} (e.g. {urls[0]})")
    assert not missing, "add these page kinds to tests/browser/pages.py: " + ", ".join(sorted(missing))
