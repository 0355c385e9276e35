"""Computed differences, cached under the pipeline's cache folder.

An entry is keyed by the blob hashes of the two versions and how each was read (format,
encoding, dialect, schema), so a diff is computed once in the life of a repository: a
rebuild only reads small JSON files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from pipeline.fileio import atomic_write
from pipeline.history.model import CellChange, DiffCounts

# Bump when the way diffs are computed changes: older entries are then ignored.
HISTORY_FORMAT = "2"
FOLDER = "_history"  # beside the datasets' folders; "_" is never the start of a slug


class DiffCache:
    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / FOLDER

    @property
    def scratch(self) -> Path:
        return self.folder / "tmp"

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256(HISTORY_FORMAT.encode())
        for part in parts:
            digest.update(b"\0" + part.encode())
        return digest.hexdigest()[:40]

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / key[:2] / f"{key}{suffix}"

    def load(self, key: str) -> DiffCounts | None:
        path = self._path(key, ".json")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return _counts(data, self._path(key, ".csv") if data.pop("csv") else None)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, counts: DiffCounts, csv: bytes | None) -> DiffCounts:
        data: dict[str, Any] = asdict(counts)
        data.pop("diff_file")
        data["csv"] = csv is not None
        csv_path = self._path(key, ".csv")
        if csv is not None:
            atomic_write(csv_path, csv)
        atomic_write(self._path(key, ".json"),
                      json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        return replace(counts, diff_file=csv_path if csv is not None else None)


def _counts(data: dict[str, Any], diff_file: Path | None) -> DiffCounts:
    if diff_file is not None and not diff_file.is_file():
        raise KeyError("diff CSV missing")
    return DiffCounts(
        rows_before=data["rows_before"],
        rows_after=data["rows_after"],
        rows_added=data["rows_added"],
        rows_removed=data["rows_removed"],
        rows_changed=data["rows_changed"],
        cells_changed=data["cells_changed"],
        cells=tuple(CellChange(tuple(c["key"]), c["field"], c["old"], c["new"]) for c in data["cells"]),
        added_keys=tuple(tuple(k) for k in data["added_keys"]),
        removed_keys=tuple(tuple(k) for k in data["removed_keys"]),
        fields_changed=tuple((name, count) for name, count in data["fields_changed"]),
        key_fields=tuple(data["key_fields"]),
        compared_by=data["compared_by"],
        notes=tuple(data["notes"]),
        diff_file=diff_file,
    )
