"""`workbench import`: runs from other trackers into the catalog (`import mlflow PATH`,
`import csv PATH`) and a catalog exported on another machine (`import catalog DIR`)."""

from __future__ import annotations

import json
import sys
import time

import rich_click as click

from workbench.cli.output import json_ready
from workbench.formatting import printable


def _catalog(ctx: click.Context):
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    return Catalog(resolve_db_path((ctx.obj or {}).get("db")))


@click.group("import", cls=click.RichGroup)
def import_group() -> None:
    """Bring runs and catalogs in from other tools and machines."""


class _StderrProgress:
    """'writing runs 2,000/10,000' on stderr: redrawn in place on a terminal, else a line at
    most every few seconds."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        final = done >= total
        if not final and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        verb = "writing run folders" if stage == "runs" else "ingesting"
        text = f"{verb}: {done:,}/{total:,} runs"
        if self.tty:
            click.echo("\r" + text + ("\n" if final else ""), err=True, nl=False)
        else:
            click.echo(text, err=True)


def _summary(report) -> str:
    reg = report.registry
    text = (
        f"{report.runs:,} runs from {report.experiments} experiments of {report.source} "
        f"({report.runs_created:,} new, {report.runs_changed:,} updated, "
        f"{report.runs_deleted:,} deleted in MLflow and hidden), "
        f"{report.points_added:,} new metric points"
    )
    if report.artifacts_copied:
        text += f", {report.artifacts_copied:,} artifact files copied"
    if reg.models:
        text += (
            f"; registry: {reg.models} models, {reg.versions_added} versions added, "
            f"{reg.aliases_moved} aliases set"
        )
    return text + f" in {report.seconds:.2f} s"


@import_group.command("mlflow")
@click.argument("path")
@click.option(
    "--project-prefix", default="", metavar="P", help="Prefix for the project names (experiments)."
)
@click.option(
    "--copy-artifacts", is_flag=True, help="Copy the runs' artifacts (default: reference them)."
)
@click.option(
    "--into",
    type=click.Path(file_okay=False),
    help="Folder for the imported run folders. Default: imports/mlflow beside the catalog.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def import_mlflow_command(ctx, path, project_prefix, copy_artifacts, into, as_json):
    """Import an MLflow store: an mlruns/ folder, an mlflow.db file or a sqlite:/// URI.

    Experiments become projects; runs keep their params, tags, metric histories, parent
    links and artifact locations; deleted runs are kept but hidden; the model registry's
    versions, aliases and tags become registry events. Importing again adds only what is
    new. Parts that cannot be read are reported and skipped.
    """
    from workbench.interop.mlflow_import import import_mlflow

    report = import_mlflow(
        _catalog(ctx),
        path,
        project_prefix=project_prefix,
        copy_artifacts=copy_artifacts,
        root=into,
        progress=None if as_json else _StderrProgress(),
    )
    if as_json:
        click.echo(json.dumps(json_ready(report.to_dict()), indent=2))
        return
    click.echo(printable(_summary(report)))
    problems = [(p.where, p.message) for p in report.problems]
    problems += [
        (f"{e['path']}:{e['line']}" if e["line"] else e["path"], e["message"])
        for e in report.ingest.get("error_list", [])
    ]
    for where, message in problems[:20]:
        click.echo(printable(f"  skipped: {where} {message}"), err=True)
    if len(problems) > 20:
        click.echo(f"  ... and {len(problems) - 20} more", err=True)


def _add_file_imports() -> None:
    """`import csv` and `import catalog` live beside the exports they mirror."""
    from workbench.cli.commands_export import import_catalog, import_csv

    import_group.add_command(import_csv)
    import_group.add_command(import_catalog)


_add_file_imports()

COMMANDS = [import_group]
