"""`workbench rebuild`: a new catalog from the run folders and the registry's log, the old
one kept as a backup."""

from __future__ import annotations

import json
from dataclasses import asdict

import rich_click as click

from workbench.formatting import printable


@click.command(
    "rebuild",
    short_help="Rebuild a damaged catalog from its run folders and the registry's log (the old file is kept).",
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="A folder of runs to read, besides the ones the catalog recorded (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def rebuild(ctx: click.Context, roots: tuple[str, ...], as_json: bool) -> None:
    """Rebuild the catalog from its run folders, the model registry's event log and the data
    folders `datasets scan` registered, into a new file; the old file is kept as a backup.

    Works when the catalog cannot be read: its folders are also recorded beside it, in
    CATALOG.sources.json, and --root adds more. Drift reports are not kept (see docs/recovery.md).
    """
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path
    from workbench.rebuild import rebuild as rebuild_catalog

    cat = Catalog(resolve_db_path((ctx.obj or {}).get("db")))
    report = rebuild_catalog(cat, roots, progress=lambda text: click.echo(printable(text), err=True))
    if as_json:
        click.echo(json.dumps(asdict(report), indent=2))
        return
    lines = [
        f"rebuilt {report.catalog}: {report.runs:,} runs, {report.points:,} points"
        f" from {len(report.roots)} folder{'s' if len(report.roots) != 1 else ''}",
    ]
    if report.backup:
        lines.append(f"the old catalog is kept as {report.backup}")
    if report.registry_events:
        lines.append(f"model registry: {report.registry_events} events replayed")
    if report.registry_problem:
        lines.append(f"model registry not rebuilt: {report.registry_problem}")
    if report.scanned:
        lines.append(f"datasets: {report.datasets_files} files in {len(report.scanned)} folders")
    for root in report.missing_roots:
        lines.append(f"not found, skipped: {root}")
    if report.ingest_errors:
        lines.append(f"{report.ingest_errors} ingest errors (see `workbench doctor`)")
    for line in lines:
        click.echo(printable(line))


COMMANDS = [rebuild]
