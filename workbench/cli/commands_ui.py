"""`workbench ui`: open the terminal app on the catalog."""

from __future__ import annotations

import rich_click as click


def open_app(db: str | None) -> None:
    """Open the terminal app on the catalog at `db` (resolved the usual way)."""
    from workbench.catalog.location import resolve_db_path
    from workbench.tui.app import run_app

    run_app(resolve_db_path(db))


@click.command("ui")
@click.pass_context
def ui(ctx: click.Context) -> None:
    """Open the terminal app on the catalog."""
    open_app(ctx.obj.get("db"))


COMMANDS = [ui]
