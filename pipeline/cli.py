"""The command line: thin commands over the pipeline's library functions."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pipeline.build import BuildResult, build, validate
from pipeline.config import BuildPaths, describe_settings, load_settings
from pipeline.errors import BuildRefused, PipelineError
from pipeline.scaffold import new_dataset
from pipeline.serve import make_server

ROOT = Path(__file__).resolve().parent.parent


def _paths(ctx: click.Context) -> BuildPaths:
    return ctx.obj["paths"]


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn pipeline errors into a message and an exit code; tracebacks only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            return command(*args, **kwargs)
        except BuildRefused as refused:
            _print_report(ctx, refused.report.to_dict(), refused.report.render_text())
            click.echo(str(refused), err=True)
            ctx.exit(refused.exit_code)
        except click.exceptions.Exit:
            raise
        except PipelineError as error:
            if ctx.obj.get("debug"):
                raise
            if ctx.obj.get("json"):
                click.echo(json.dumps({"valid": False, "fatal": str(error)}, ensure_ascii=False))
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)
        except Exception as error:
            if ctx.obj.get("debug"):
                raise
            click.echo(f"Unexpected error: {type(error).__name__}: {error}\n"
                       "Run again with --debug for the traceback, and report it.", err=True)
            ctx.exit(70)

    return wrapper


def _print_report(ctx: click.Context, data: dict, text: str) -> None:
    if ctx.obj.get("json"):
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(text, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--settings", "settings_file", type=click.Path(path_type=Path),
              help="Site settings file (default: site.yaml at the project root).")
@click.option("--output", type=click.Path(path_type=Path), help="Output folder (default: output/).")
@click.option("--datasets", "datasets_dir", type=click.Path(path_type=Path),
              help="Datasets folder (default: datasets/).")
@click.option("--cache", type=click.Path(path_type=Path), help="Cache folder (default: .cache/).")
@click.option("-q", "--quiet", is_flag=True, help="Do not show progress.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks of unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, settings_file: Path | None, output: Path | None,
        datasets_dir: Path | None, cache: Path | None, quiet: bool, debug: bool) -> None:
    """Build the open-data site from the datasets committed in datasets/."""
    ctx.ensure_object(dict)
    ctx.obj["paths"] = BuildPaths.for_project(ROOT, settings_file=settings_file, output=output,
                                              cache=cache, datasets=datasets_dir)
    ctx.obj["quiet"] = quiet
    ctx.obj["debug"] = debug


def _progress(ctx: click.Context) -> Callable[[str], None]:
    if ctx.obj["quiet"] or ctx.obj.get("json"):
        return lambda message: None
    return lambda message: click.echo(message, err=True)


@cli.command("build")
@click.option("--strict", is_flag=True, help="Fail on warnings too (used to publish).")
@click.option("--publish", "publish", is_flag=True,
              help="Use publishconf.py (absolute URLs from site.yaml's base_url); implies --strict.")
@click.option("--json", "as_json", is_flag=True, help="Print the report and figures as JSON.")
@click.option("--jobs", type=int, default=None, help="Processes for validation (default: cores).")
@click.option("--force", is_flag=True,
              help="Build even if nothing the build reads has changed since the last one.")
@click.pass_context
@handle_errors
def build_command(ctx: click.Context, strict: bool, publish: bool, as_json: bool,
                  jobs: int | None, force: bool) -> None:
    """Validate every dataset and build the site into output/ (atomically)."""
    ctx.obj["json"] = as_json
    conf = ROOT / ("publishconf.py" if publish else "pelicanconf.py")
    result = build(_paths(ctx), conf, strict=strict or publish, progress=_progress(ctx), jobs=jobs,
                   force=force)
    _print_result(ctx, result)


def _print_result(ctx: click.Context, result: BuildResult) -> None:
    if ctx.obj.get("json"):
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    if result.report.problems or result.report.notes:
        click.echo(result.report.render_text(), err=True)
    if not ctx.obj["quiet"] and result.up_to_date:
        click.echo(
            f"{_paths(ctx).output} is up to date: nothing the build reads has changed since it was "
            f"built ({result.datasets} datasets); kept as it is. `build --force` builds anyway.",
            err=True,
        )
    if not ctx.obj["quiet"] and result.site is not None:
        total = sum(result.timings.values())
        click.echo(
            f"Built {len(result.site.datasets)} datasets ({result.cached} from cache) into "
            f"{_paths(ctx).output} in {total:.1f} s, peak memory {result.peak_memory_mb:.0f} MB.",
            err=True,
        )


@cli.command("validate")
@click.argument("datasets", nargs=-1)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@handle_errors
def validate_command(ctx: click.Context, datasets: tuple[str, ...], strict: bool,
                     as_json: bool) -> None:
    """Check datasets (all, or those named) without building the site."""
    ctx.obj["json"] = as_json
    result, _, _ = validate(_paths(ctx), only=datasets, progress=_progress(ctx))
    report = result.report
    _print_report(ctx, report.to_dict(), report.render_text())
    ctx.exit(1 if report.failed(strict) else 0)


@cli.command("serve")
@click.option("--port", default=8000, show_default=True, help="Port on localhost.")
@click.option("--build/--no-build", "rebuild", default=True, show_default=True,
              help="Build the site first.")
@click.pass_context
@handle_errors
def serve_command(ctx: click.Context, port: int, rebuild: bool) -> None:
    """Build the site, then serve output/ on http://localhost:PORT (Ctrl+C to stop)."""
    paths = _paths(ctx)
    if rebuild:
        result = build(paths, ROOT / "pelicanconf.py", progress=_progress(ctx))
        _print_result(ctx, result)
    server = make_server(paths.output, port=port)
    click.echo(f"Serving {paths.output} on http://localhost:{port}/ (Ctrl+C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.server_close()


@cli.command("new-dataset")
@click.argument("slug")
@click.pass_context
@handle_errors
def new_dataset_command(ctx: click.Context, slug: str) -> None:
    """Create datasets/SLUG/ with a commented datapackage.yaml and an example CSV."""
    folder = new_dataset(_paths(ctx).datasets, slug)
    click.echo(f"Created {folder}/datapackage.yaml and {folder}/{slug}.csv.")
    click.echo(f"Edit them, then check with: python build.py validate {slug}")


@cli.command("settings")
@click.pass_context
@handle_errors
def settings_command(ctx: click.Context) -> None:
    """List the site settings (site.yaml) with their help, and check the file."""
    load_settings(_paths(ctx).settings_file)
    for name, help_text in describe_settings():
        click.echo(f"{name:18} {help_text}")


@cli.command("schemas")
@click.pass_context
@handle_errors
def schemas_command(ctx: click.Context) -> None:
    """Download the Table Schemas that datasets reference by URL into the schema cache
    (site.yaml's schema_cache, default schemas/): the only command that uses the network."""
    import yaml

    from pipeline.schemas import SchemaCache

    paths = _paths(ctx)
    cache = SchemaCache.for_project(paths.root, load_settings(paths.settings_file))
    urls: dict[str, None] = {}
    for descriptor in sorted(paths.datasets.glob("*/datapackage.yaml")):
        raw = yaml.safe_load(descriptor.read_text(encoding="utf-8")) or {}
        for resource in raw.get("resources") or []:
            schema = resource.get("schema") if isinstance(resource, dict) else None
            if isinstance(schema, str) and schema.startswith(("http://", "https://")):
                urls.setdefault(schema)
    for url in urls:
        try:
            click.echo(f"{url} -> {cache.fetch(url)}")
        except (OSError, ValueError) as error:  # no network, HTTP error, not JSON
            raise PipelineError(f"Could not download {url}: {error}. The cache was left as it "
                                "was; check the URL and the network, then run again.") from error
    if not urls:
        click.echo("No dataset references a schema by URL.")


def main() -> None:
    cli(obj={}, prog_name="build.py")


if __name__ == "__main__":
    sys.exit(main())
