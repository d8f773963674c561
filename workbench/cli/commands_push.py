"""`workbench push`: the catalog's runs to a team server (`push mlflow --tracking-uri URI`)."""

from __future__ import annotations

import json
import sys

import rich_click as click

from workbench.cli.output import json_ready
from workbench.formatting import printable


def _catalog(ctx: click.Context):
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    return Catalog(resolve_db_path((ctx.obj or {}).get("db")))


@click.group("push")
def push_group() -> None:
    """Copy runs to a team tracking server."""


@push_group.command("mlflow")
@click.option(
    "--tracking-uri",
    required=True,
    envvar="MLFLOW_TRACKING_URI",
    metavar="URI",
    help="The MLflow tracking server (default: $MLFLOW_TRACKING_URI).",
)
@click.option("--filter", "-f", "filter_", metavar="EXPR", help="Only runs matching this filter, e.g. \"metrics.acc > 0.9\".")
@click.option("--artifacts", is_flag=True, help="Also upload the runs' artifact files.")
@click.option("--models", is_flag=True, help="Also registered versions and aliases of pushed runs.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def push_mlflow_command(ctx, tracking_uri, filter_, artifacts, models, as_json):
    """Push runs (params, tags, metric histories) to an MLflow tracking server.

    Needs the `mlflow` extra. Each pushed run is tagged with its workbench run id, so pushing
    again sends only what is new. Deleted runs are not pushed.
    """
    from workbench.interop.mlflow_push import push_mlflow

    def progress(done: int, total: int) -> None:
        if not as_json and sys.stderr.isatty():
            click.echo(f"\rpushing: {done:,}/{total:,} runs", err=True, nl=done == total)

    report = push_mlflow(
        _catalog(ctx), tracking_uri, filter=filter_, artifacts=artifacts, models=models,
        progress=progress,
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(json_ready(report.to_dict()), indent=2))
        return
    text = (
        f"{report.runs:,} runs to {report.tracking_uri} ({report.runs_created:,} new, "
        f"{report.runs_updated:,} updated): {report.points:,} metric points, {report.params:,} "
        f"params, {report.tags:,} tags, {report.artifacts:,} artifact files"
    )
    if models:
        text += f"; {report.versions_created} model versions, {report.aliases_set} aliases"
    click.echo(printable(text))
    for problem in report.problems[:20]:
        click.echo(printable(f"  not pushed: run {problem['run']}: {problem['message']}"), err=True)


COMMANDS = [push_group]
