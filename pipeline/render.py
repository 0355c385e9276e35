"""Render the site with Pelican into a folder, failing on any Pelican error."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import FileSystemBytecodeCache
from pelican import Pelican
from pelican.settings import get_settings_from_file, read_settings

from pipeline.config import BuildPaths
from pipeline.errors import RenderError
from pipeline.fileio import sha256_bytes
from pipeline.site import SiteData


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _bytecode_cache(folder: Path, environment: dict[str, Any]) -> FileSystemBytecodeCache:
    """Jinja checks a compiled template against its source only: the options it was
    compiled with (autoescape, trim_blocks…) and Jinja's version name the files."""
    folder.mkdir(parents=True, exist_ok=True)
    options = sha256_bytes(f"{jinja2.__version__} {sorted(environment.items())!r}".encode())[:16]
    return FileSystemBytecodeCache(str(folder), pattern=f"__jinja2_{options}_%s.cache")


def render_site(paths: BuildPaths, site: SiteData, target: Path, pelican_conf: Path) -> list[str]:
    """Run Pelican into target; return its warnings, raise RenderError on its errors."""
    override: dict[str, Any] = {
        "PATH": str(paths.content),
        "THEME": str(paths.theme),
        "OUTPUT_PATH": str(target),
        "OPENDATA": site,
        "SITENAME": site.settings.name,
        "SITE": site.settings,
        "BUILD_DATE": site.build_date,
        "BUILD_COMMIT": site.commit,
    }
    base_url = site.settings.base_url.rstrip("/")
    # Feeds always need absolute URLs; pages use root-relative ones except when publishing.
    override["FEED_DOMAIN"] = base_url
    from_file = get_settings_from_file(str(pelican_conf))
    if from_file.get("PUBLISH"):
        override["SITEURL"] = base_url
    # Compiled templates are kept between builds (Jinja checks each one against its source):
    # compiling the theme's templates again costs a rebuild more than rendering them.
    environment = from_file.get("JINJA_ENVIRONMENT", {})
    override["JINJA_ENVIRONMENT"] = {
        **environment, "bytecode_cache": _bytecode_cache(paths.cache / "templates", environment),
    }
    settings = read_settings(str(pelican_conf), override=override)
    handler = _Collect()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(handler)
    level = pelican_logger.level
    pelican_logger.setLevel(logging.WARNING)  # Pelican's INFO lines are noise in our CLI
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Pelican's "Done: …" summary line
            Pelican(settings).run()
    except Exception as exc:  # Pelican raises bare exceptions from templates and readers
        raise RenderError(f"Pelican failed: {type(exc).__name__}: {exc}") from exc
    finally:
        pelican_logger.removeHandler(handler)
        pelican_logger.setLevel(level)
    errors = [r.getMessage() for r in handler.records if r.levelno >= logging.ERROR]
    if errors:
        raise RenderError("Pelican reported errors:\n  " + "\n  ".join(errors))
    return [r.getMessage() for r in handler.records if r.levelno == logging.WARNING]
