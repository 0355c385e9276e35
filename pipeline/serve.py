"""Serve the built site on localhost for previewing (not for production)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar


class _Handler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".parquet": "application/vnd.apache.parquet",
        ".geojson": "application/geo+json",
        ".atom.xml": "application/atom+xml",
        ".ics": "text/calendar",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(directory))
    return ThreadingHTTPServer((host, port), handler)
