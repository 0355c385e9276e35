"""Make sure Debian's Chromium is there for the browser tests; install it if we can.

Playwright cannot download its own browsers here, so the tests drive the system's
Chromium. Run as `python -m tests.support.ensure_chromium` (make test does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit and os.path.exists(explicit):
        return explicit
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def main() -> int:
    if find_chromium():
        return 0
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    sudo = [] if is_root else (["sudo", "-n"] if shutil.which("sudo") else None)
    if apt and sudo is not None:
        print("Chromium is missing: installing Debian's chromium package for the browser tests…",
              file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        update = subprocess.run([*sudo, apt, "update", "-qq"], env=env)
        install = subprocess.run([*sudo, apt, "install", "-y", "-qq", "chromium"], env=env)
        if update.returncode == 0 and install.returncode == 0 and find_chromium():
            return 0
    print(
        "The browser tests need Chromium and it could not be installed automatically.\n"
        "  Debian/Ubuntu: sudo apt-get install chromium\n"
        "  Fedora: sudo dnf install chromium    macOS: brew install --cask chromium\n"
        "  Or set CHROMIUM_PATH=/path/to/chrome. Then run `make test` again.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
