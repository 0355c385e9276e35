"""Writes data.csv with a 10 MB cell at test time (too big to commit)."""

import pathlib


def setup(folder: pathlib.Path) -> None:
    cell = "x" * (10 * 1024 * 1024)
    (folder / "data.csv").write_text(f"id,texte\n1,{cell}\n2,court\n", encoding="utf-8")
