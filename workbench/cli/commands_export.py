"""`workbench export runs|metrics|catalog`, and the `import csv` / `import catalog` commands."""

from __future__ import annotations

import json

import rich_click as click

from workbench.cli.output import emit, json_ready
from workbench.formatting import printable


def _root_obj(ctx: click.Context) -> dict:
    return ctx.find_root().obj or {}


def _cat(ctx: click.Context):
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    return Catalog(resolve_db_path(_root_obj(ctx).get("db")))


def _echo_json(data) -> None:
    click.echo(json.dumps(json_ready(data), indent=2, ensure_ascii=False))


_FILTER = click.option(
    "--filter", "-f", "filter_", metavar="EXPR",
    help="Only runs matching this filter, e.g. \"metrics.acc > 0.9\".",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")


@click.group("export", cls=click.RichGroup)
def export() -> None:
    """Write runs, metric histories or the whole catalog to files (Parquet, CSV, JSON)."""


@export.command("runs")
@_FILTER
@click.argument("out", type=click.Path(dir_okay=False))
@_JSON
@click.pass_context
def export_runs(ctx, filter_, out, as_json):
    """Write the runs table (params, latest metrics, tags) to OUT: .parquet, .csv or .json."""
    from workbench.interop.export import export_runs as run_export

    written = run_export(_cat(ctx), out, filter=filter_)
    _report_written(written, "run", as_json)


@export.command("metrics")
@_FILTER
@click.argument("out", type=click.Path(dir_okay=False))
@_JSON
@click.pass_context
def export_metrics(ctx, filter_, out, as_json):
    """Write every metric point of the runs to OUT (.parquet or .csv), one row per point."""
    from workbench.interop.export import export_metrics as run_export

    written = run_export(_cat(ctx), out, filter=filter_)
    _report_written(written, "metric point", as_json)


def _report_written(written, noun: str, as_json: bool) -> None:
    if as_json:
        _echo_json(written.to_dict())
        return
    plural = "" if written.rows == 1 else "s"
    click.echo(printable(f"wrote {written.rows:,} {noun}{plural} to {written.path} ({written.format})"))


@export.command("catalog")
@click.argument("folder", type=click.Path(file_okay=False))
@_JSON
@click.pass_context
def export_catalog(ctx, folder, as_json):
    """Write every table of the catalog as Parquet into FOLDER (new or empty), with a manifest
    and the registry's event log: `workbench import catalog FOLDER` restores it."""
    from workbench.interop.catalog_dump import export_catalog as run_export

    dump = run_export(_cat(ctx), folder)
    if as_json:
        _echo_json(dump.to_dict())
        return
    rows = sum(dump.tables.values())
    click.echo(printable(
        f"exported {len(dump.tables)} tables ({rows:,} rows, schema version {dump.schema_version})"
        f" and {dump.registry_events} registry events to {dump.folder}"))


@click.command("csv")
@click.argument("path", type=click.Path())
@click.option("--project", "-p", help="Put the runs in this project (default: the log's folder name).")
@_JSON
@click.pass_context
def import_csv(ctx, path, project, as_json):
    """Import CSV logs: a PyTorch Lightning CSVLogger folder (version_N/metrics.csv +
    hparams.yaml, or a folder of them), a Keras CSVLogger file, or a CSV with a step column.

    Each log becomes a run; importing again adds only what is new.
    """
    from workbench.interop.csv_loggers import import_csv as run_import

    result = run_import(_cat(ctx), path, project=project)
    if as_json:
        _echo_json(result.to_dict())
        return
    emit([{"id": r.run_id, "kind": r.kind, "project": r.project, "name": r.name,
           "points": r.points} for r in result.runs], None, empty="no runs")
    new = result.ingest.runs_new if result.ingest else 0
    runs = f"{len(result.runs)} run{'' if len(result.runs) == 1 else 's'}"
    click.echo(printable(f"imported {runs} ({new} new) as run folders in {result.import_root}"))
    for where, line, message in result.problems[:20]:
        click.echo(printable(f"  {where}:{line}: {message}" if line else f"  {where}: {message}"),
                   err=True)
    if len(result.problems) > 20:
        click.echo(f"  ... and {len(result.problems) - 20} more", err=True)


@click.command("catalog")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--replace", is_flag=True,
              help="Restore over a catalog that holds data (it is renamed to *.bak-<time>, not deleted).")
@_JSON
@click.pass_context
def import_catalog(ctx, folder, replace, as_json):
    """Restore a catalog written by `workbench export catalog` into the catalog file (which
    must be new or empty), with its registry log."""
    from workbench.interop.catalog_dump import import_catalog as run_import

    dump = run_import(_cat(ctx), folder, replace=replace)
    if as_json:
        _echo_json(dump.to_dict())
        return
    rows = sum(dump.tables.values())
    migrated = f", migrated from schema {dump.migrated_from}" if dump.migrated_from else ""
    click.echo(printable(
        f"restored {len(dump.tables)} tables ({rows:,} rows{migrated}) and "
        f"{dump.registry_events} registry events into {dump.catalog}"))


COMMANDS = [export]  # import_csv and import_catalog join the `import` group (commands_import.py)
