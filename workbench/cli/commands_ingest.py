"""Write-side commands: `ingest` run folders, `watch` roots, and `doctor` (catalog health)."""

from __future__ import annotations

import json
from dataclasses import asdict

import rich_click as click

from workbench.catalog.health import REPORTED_PACKAGES, doctor_info
from workbench.cli.output import json_ready, printable
from workbench.formatting import format_size, without_path


def _catalog(ctx: click.Context):
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    return Catalog(resolve_db_path((ctx.obj or {}).get("db")))


def _summary(report) -> str:
    return (
        f"{report.runs_seen} runs seen ({report.runs_new} new, {report.runs_updated} updated), "
        f"{report.points:,} points, {report.errors} errors"
        + (f", {report.missing} missing" if report.missing else "")
        + f" in {report.seconds:.2f} s"
    )


def _print_errors(report, limit: int = 20) -> None:
    for path, line, message in report.error_list[:limit]:
        where = f"{path}:{line}" if line else path
        click.echo(printable(f"  {where}: {without_path(message, path)}"), err=True)
    if len(report.error_list) > limit:
        click.echo(
            f"  ... and {len(report.error_list) - limit} more (see `workbench doctor`)", err=True
        )


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], as_json: bool) -> None:
    """Add folders of runs to the catalog (remembered as roots) and read what is new.

    Bad lines are reported with file and line and skipped; the exit code stays 0.
    """
    from workbench.ingest import ingest_paths

    report = ingest_paths(_catalog(ctx), list(paths))
    if as_json:
        click.echo(json.dumps(json_ready(report.to_dict()), indent=2))
        return
    click.echo(printable(_summary(report)))
    _print_errors(report)


@click.command("watch")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--poll", is_flag=True, help="Check by polling (network and FUSE mounts).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds between polls with --poll.",
)
@click.pass_context
def watch(ctx: click.Context, paths: tuple[str, ...], poll: bool, interval: float) -> None:
    """Keep the catalog up to date while runs are written (Ctrl-C to stop).

    With PATHs, adds them as roots first; without, watches every known root.
    """
    import time

    from workbench.errors import NotFoundError
    from workbench.ingest import ingest_paths
    from workbench.ingest.roots import list_roots, resolve_roots
    from workbench.ingest.watch import RootWatcher

    cat = _catalog(ctx)
    if paths:
        report = ingest_paths(cat, list(paths))
        click.echo(printable(_summary(report)))
        _print_errors(report)
        roots = resolve_roots(paths)
    else:
        roots = list_roots(cat)
        if not roots:
            raise NotFoundError(
                "no roots to watch yet; run `workbench watch PATH` with a runs folder"
            )

    def on_ingest(report) -> None:
        stamp = time.strftime("%H:%M:%S")
        click.echo(printable(f"{stamp} {_summary(report)}"))
        _print_errors(report)

    def on_error(exc: Exception) -> None:
        click.echo(printable(f"warning: {exc}"), err=True)

    watcher = RootWatcher(
        cat, roots, on_ingest=on_ingest, on_error=on_error, poll=poll, interval=interval
    )
    watcher.start()
    click.echo(printable(f"watching {', '.join(roots)} ({watcher.mode}); Ctrl-C to stop"))
    try:
        while True:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
    click.echo("stopped watching")


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check the catalog: where it is, its size and schema, roots, who holds it, recent errors.

    Also prints the Python, DuckDB, polars, pyarrow and Textual versions in use.
    """
    from workbench.cli.main import REBUILD_HINT

    cat = _catalog(ctx)
    cat.busy_timeout = min(cat.busy_timeout, 2.0)
    info = asdict(doctor_info(cat))
    if as_json:
        click.echo(json.dumps(json_ready(info), indent=2, default=str))
        if info["damaged"]:
            ctx.exit(1)
        return
    lines = [f"catalog         {info['catalog']}"]
    if not info["exists"]:
        lines.append("                (not created yet: run `workbench ingest PATH`)")
    else:
        lines.append(f"size            {format_size(info['size_bytes'])}")
        if info["busy"]:
            lines.append(f"busy            {info['busy']}")
        elif info["damaged"]:
            lines.append(f"damaged         {info['damaged']} ({REBUILD_HINT})")
        else:
            lines.append(
                f"schema version  {info['schema_version']} (this workbench: {info['code_schema_version']})"
            )
            counts = info["counts"]
            lines.append(
                f"contents        {counts['runs']} runs ({counts['missing_runs']} missing), "
                f"{counts['metric_points']:,} points, {counts['ingest_errors']} ingest errors"
            )
            if not info["roots"]:
                lines.append("roots           none (run `workbench ingest PATH`)")
            for i, root in enumerate(info["roots"]):
                label = "roots" if i == 0 else ""
                note = "" if root["exists"] else "  (folder not found)"
                lines.append(f"{label:<16}{root['path']}{note}")
            if info["recent_errors"]:
                lines.append("recent ingest errors:")
                for err in info["recent_errors"]:
                    where = f"{err['path']}:{err['line']}" if err["line"] else err["path"]
                    lines.append(f"  {where}: {without_path(err['message'], err['path'])}")
    lines.append(f"versions        {versions_line(info['versions'])}")
    for line in lines:
        click.echo(printable(line))
    if info["damaged"]:
        ctx.exit(1)


def versions_line(versions: dict) -> str:
    """'Python 3.11.7, DuckDB 2.0.1, polars ..., Textual ...' ('not installed' where missing)."""
    names = {"python": "Python", **REPORTED_PACKAGES}
    return ", ".join(f"{names[key]} {value or 'not installed'}" for key, value in versions.items())


COMMANDS = [ingest, watch, doctor]
