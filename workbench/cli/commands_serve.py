"""`workbench serve`: the terminal app in a local browser tab, private to this user."""

from __future__ import annotations

import socket

import rich_click as click

LOOPBACK = "127.0.0.1"


@click.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port to listen on (default 8765; 0 picks a free one).",
)
@click.option("--open", "open_", is_flag=True, help="Open the address in the default browser.")
@click.option(
    "--host",
    default=None,
    help="Listen on this address instead of 127.0.0.1 (other machines may then reach it).",
)
@click.option(
    "--db",
    "serve_db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Catalog file (same as the global --db).",
)
@click.pass_context
def serve(
    ctx: click.Context, port: int | None, open_: bool, host: str | None, serve_db: str | None
) -> None:
    """Serve the app in a browser tab on this machine, until Ctrl-C.

    Only this machine can connect (127.0.0.1), and only with the printed address: it carries
    a random token, and every request without it is refused. Each tab runs its own app, with
    the same catalog rules as the terminal app; closing a tab ends its app, Ctrl-C ends all.
    """
    from workbench.catalog.location import resolve_db_path
    from workbench.tui.web.access import LOOPBACK_NAMES, new_token
    from workbench.tui.web.server import DEFAULT_PORT, WorkbenchServer, bind

    db_path = resolve_db_path(serve_db or ctx.obj.get("db")).resolve()
    loopback_only = host is None or host in LOOPBACK_NAMES
    if not loopback_only:
        click.echo(
            f"warning: serving on {host}: other machines that can reach it may connect "
            "(the token still guards the app, but travels unencrypted).",
            err=True,
        )
    sock = bind(host or LOOPBACK, DEFAULT_PORT if port is None else port)
    token = new_token()
    server = WorkbenchServer(db_path, sock, token, loopback_only=loopback_only)
    bound = server.port
    url_host = host or LOOPBACK
    url_host = f"[{url_host}]" if ":" in url_host else url_host
    url = f"http://{url_host}:{bound}/?token={token}"
    click.echo(f"Serving the workbench app for the catalog {db_path}")
    click.echo(f"  Open: {url}")
    click.echo(
        f"  From another machine, first: ssh -L {bound}:127.0.0.1:{bound} "
        f"{socket.gethostname()}  (then open the same address there)"
    )
    click.echo("  Each browser tab runs its own app. Press Ctrl-C to stop them all.")
    if open_:
        from workbench.tui.web.browser import open_browser

        if not open_browser(url):
            click.echo("No browser could be opened here: open the address above yourself.")
    server.serve()
    click.echo("Stopped; every tab's app has ended.")


COMMANDS = [serve]
