"""The `workbench` command group: global options, one-line errors, and the subcommands."""

from __future__ import annotations

import sys

import rich_click as click

from workbench import __version__
from workbench.errors import (
    CatalogDamagedError,
    CatalogNotEmptyError,
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
    CatalogNotEmptyError: "`--replace` sets the existing one aside first",
    CatalogDamagedError: REBUILD_HINT,
}


def error_line(exc: WorkbenchError) -> str:
    """The one line the CLI prints for a user error: the message, then the CLI's hint."""
    hint = next((text for kind, text in HINTS.items() if isinstance(exc, kind)), None)
    from workbench.formatting import printable

    return f"error: {printable(exc)}" + (f" ({hint})" if hint else "")


class WorkbenchGroup(click.RichGroup):
    """A command group that turns a WorkbenchError into one line on stderr and exit code 1.

    Commands are loaded when asked for: running one imports its own module only (see
    COMMAND_MODULES), so `workbench runs` does not pay for the app's or the registry's imports.
    """

    def get_command(self, ctx: click.Context, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is None:
            _register(COMMAND_MODULES.get(cmd_name))
            command = super().get_command(ctx, cmd_name)
        if command is None:
            _register()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        _register()
        return super().list_commands(ctx)

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
@click.option(
    "--no-pager",
    is_flag=True,
    help="Print long tables directly instead of through $PAGER (default: less -FRSX).",
)
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context, db: str | None, no_pager: bool) -> None:
    """A local-first MLOps workbench: runs, metrics, models and data in one file.

    With no command, opens the terminal app on the catalog.
    """
    ctx.ensure_object(dict)
    # Only the explicit flag; commands pass it to resolve_db_path, which falls back to
    # $WORKBENCH_DB and then the per-user default. `workbench demo` ignores $WORKBENCH_DB.
    ctx.obj["db"] = db
    ctx.obj["no_pager"] = no_pager
    if ctx.invoked_subcommand is None:
        from workbench.cli.commands_ui import open_app

        open_app(db)


#: Which module defines each command (a command missing here is found by loading them all).
COMMAND_MODULES = {
    "runs": "commands_catalog",
    "show": "commands_catalog",
    "metrics": "commands_catalog",
    "compare": "commands_catalog",
    "sql": "commands_catalog",
    "projects": "commands_catalog",
    "ingest": "commands_ingest",
    "watch": "commands_ingest",
    "doctor": "commands_ingest",
    "demo": "commands_demo",
    "rebuild": "commands_recovery",
}
_loaded: set[str] = set()


def _register(only: str | None = None) -> None:
    """Add the commands of one module (`only`) or of every module to the group."""
    import importlib

    modules = (
        "commands_demo",
        "commands_ingest",
        "commands_catalog",
        "commands_datasets",
        "commands_models",
        "commands_drift",
        "commands_recovery",
        "commands_ui",
        "commands_serve",
        "commands_export",
        "commands_import",
        "commands_push",
    )
    for name in modules if only is None else (only,):
        if name in _loaded:
            continue
        _loaded.add(name)
        module = importlib.import_module(f"workbench.cli.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="workbench", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
