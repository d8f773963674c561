"""The `workbench` command group: global options, one-line errors, and the subcommands."""

from __future__ import annotations

import sys

import rich_click as click

from workbench import __version__
from workbench.errors import (
    CatalogDamagedError,
    ReadOnlyError,
    RunNotFoundError,
    WorkbenchError,
)

click.rich_click.TEXT_MARKUP = "ansi"  # help text is plain: never parsed as Rich markup
click.rich_click.SHOW_ARGUMENTS = True

#: The way out of a damaged catalog.
REBUILD_HINT = "rebuild it with `workbench rebuild`; the damaged file is kept as a backup"

#: What the CLI adds to a service's error: the command or flag that helps.
HINTS: dict[type[WorkbenchError], str] = {
    RunNotFoundError: "see `workbench runs`",
    ReadOnlyError: "change the catalog with `workbench ingest`",
    CatalogDamagedError: REBUILD_HINT,
}


def error_line(exc: WorkbenchError) -> str:
    """The one line the CLI prints for a user error: the message, then the CLI's hint."""
    hint = next((text for kind, text in HINTS.items() if isinstance(exc, kind)), None)
    return f"error: {exc}" + (f" ({hint})" if hint else "")


class WorkbenchGroup(click.RichGroup):
    """A command group that turns a WorkbenchError into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            click.echo(error_line(exc), err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=WorkbenchGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Catalog file. Default: $WORKBENCH_DB, else the per-user data folder.",
)
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """A local-first MLOps workbench: runs, metrics, models and data in one file.

    With no command, opens the terminal app on the catalog.
    """
    ctx.ensure_object(dict)
    # Only the explicit flag; commands pass it to resolve_db_path, which falls back to
    # $WORKBENCH_DB and then the per-user default. `workbench demo` ignores $WORKBENCH_DB.
    ctx.obj["db"] = db
    if ctx.invoked_subcommand is None:
        from workbench.cli.commands_ui import open_app

        open_app(db)


def _register() -> None:
    from workbench.cli import (
        commands_catalog,
        commands_datasets,
        commands_demo,
        commands_drift,
        commands_ingest,
        commands_models,
        commands_recovery,
        commands_serve,
        commands_ui,
    )

    for module in (
        commands_demo,
        commands_ingest,
        commands_catalog,
        commands_datasets,
        commands_models,
        commands_drift,
        commands_recovery,
        commands_ui,
        commands_serve,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="workbench", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
