"""Write the built site atomically: into a staging folder, swapped in only on success."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.extensions.base import Contribution
from pipeline.process import Outcome
from pipeline.site import DOWNLOADS_DIR, SiteData, dataset_url, download_url


@contextmanager
def staging_output(output: Path) -> Iterator[Path]:
    """Yield a fresh folder beside output; replace output with it only if no exception."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, output)


def _swap(staging: Path, output: Path) -> None:
    previous = output.with_name(f".{output.name}.previous-{os.getpid()}")
    if output.exists():
        output.rename(previous)
    staging.rename(output)
    shutil.rmtree(previous, ignore_errors=True)


def copy_downloads(site: SiteData, outcomes: dict[str, Outcome], target: Path) -> None:
    for published in site.datasets:
        folder = target / DOWNLOADS_DIR / published.slug
        folder.mkdir(parents=True, exist_ok=True)
        source = outcomes[published.slug].files_dir
        for _, converted in published.resources:
            for data_file in converted.files:
                _link_or_copy(source / data_file.filename, folder / data_file.filename)


def _link_or_copy(source: Path, destination: Path) -> None:
    """Hard links cost nothing for large files; fall back to a copy across file systems."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)


def write_data_index(site: SiteData, target: Path) -> Path:
    """/donnees/index.json: every dataset with its downloads, sizes and checksums."""
    base = site.settings.base_url.rstrip("/")
    index = {
        "site": site.settings.name,
        "publisher": site.settings.owner,
        "generated": site.build_date.isoformat(),
        "commit": site.commit,
        "datasets": [
            {
                "slug": p.slug,
                "title": p.dataset.title,
                "theme": p.dataset.theme_id,
                "keywords": list(p.dataset.keywords),
                "license": [lic.id for lic in p.dataset.licenses],
                "publisher": p.dataset.publisher,
                "frequency": p.dataset.frequency_id,
                "modified": p.dates.modified.isoformat(),
                "created": p.dates.created.isoformat(),
                "page": f"{base}/{dataset_url(p.slug)}",
                "sample": p.dataset.sample,
                "resources": [
                    {
                        "name": resource.name,
                        "title": resource.title,
                        "rows": converted.rows,
                        "schema_source": resource.schema_source,
                        "files": [
                            {
                                "format": f.format,
                                "media_type": f.media_type,
                                "url": f"{base}/{download_url(p.slug, f)}",
                                "path": "/" + download_url(p.slug, f),
                                "size": f.size,
                                "sha256": f.sha256,
                            }
                            for f in converted.files
                        ],
                    }
                    for resource, converted in p.resources
                ],
            }
            for p in site.datasets
        ],
    }
    path = target / DOWNLOADS_DIR / "index.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_maps(site: SiteData, target: Path) -> None:
    """Each map's script as a file (no inline script under the CSP), and Leaflet itself."""
    for rendered in site.maps:
        path = target / rendered.script_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered.script, encoding="utf-8")
    # Always: extensions draw maps of their own (project locations) with the same Leaflet.
    _vendor_leaflet(target / "theme" / "vendor" / "leaflet")


def _vendor_leaflet(folder: Path) -> None:
    """Leaflet from the xstatic-leaflet package: served by the site, never from a CDN."""
    import xstatic.pkg.leaflet as leaflet

    source = Path(leaflet.BASE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("leaflet.js", "leaflet.css"):
        shutil.copyfile(source / name, folder / name)
    shutil.copytree(source / "images", folder / "images", dirs_exist_ok=True)


def write_generated_files(contributions: list[Contribution], target: Path) -> None:
    """Feeds, calendars and catalogues the extensions produced."""
    for contribution in contributions:
        for generated in contribution.files:
            path = (target / generated.path).resolve()
            if not path.is_relative_to(target.resolve()):
                raise ValueError(f"{contribution.name} tried to write outside the site: {generated.path}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(generated.content)
