"""The web server behind `workbench serve`: textual-serve, made private and kept offline.

One aiohttp server per `workbench serve`. Each websocket (one browser tab) starts its own
`workbench ui` process, which keeps the catalog rules (open for one unit of work, close);
closing the tab quits that process, and stopping the server quits them all, then kills any
that did not exit in time. The page is our own template: it loads only the script and fonts
textual-serve ships, never a web font from elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import shlex
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from workbench.errors import WorkbenchError
from workbench.tui.web.access import token_guard

TEMPLATES = Path(__file__).resolve().parent / "templates"
QUIT_TIMEOUT_S = 10.0  # an app quitting closes the catalog first; give it time, then kill
DEFAULT_PORT = 8765
log = logging.getLogger("workbench.serve")


class ServeError(WorkbenchError):
    """The server cannot start (the address is taken or cannot be bound)."""


def app_command(db_path: Path) -> list[str]:
    """The argv of one tab's app: this Python running `workbench ui` on the catalog."""
    return [sys.executable, "-m", "workbench.cli.main", "--db", str(db_path), "ui"]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one); one sentence if it cannot be."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot serve on host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is already in use by another program; choose another port"
            ) from None
        raise ServeError(f"cannot serve on {host} port {port}: {exc.strerror}") from None
    sock.setblocking(False)
    return sock


class AppProcess(AppService):
    """One tab's app process: started without a shell, stopped for sure."""

    def __init__(self, argv: list[str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv

    async def _open_app_process(self, width: int = 80, height: int = 24):
        env = self._build_environment(width=width, height=height)
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self, timeout: float = QUIT_TIMEOUT_S) -> None:
        """Ask the app to quit; if it has not exited within `timeout`, terminate, then kill."""
        task, self._task = self._task, None
        if task is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        process = self._process
        try:
            if process is not None:
                await asyncio.wait_for(process.wait(), timeout)
        except asyncio.TimeoutError:
            assert process is not None
            log.warning("app process %s did not quit in %.0f s; ending it", process.pid, timeout)
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 3.0)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(task, 5.0)


@dataclass(eq=False)
class _Tab:
    websocket: web.WebSocketResponse
    app: AppProcess
    stopped: asyncio.Event = field(default_factory=asyncio.Event)


class WorkbenchServer(Server):
    """textual-serve's Server with a token guard, our page, and tabs that always end."""

    def __init__(self, db_path: Path, sock: socket.socket, token: str, *, loopback_only: bool):
        self.sock = sock
        host, port = sock.getsockname()[:2]
        self.argv = app_command(db_path)
        super().__init__(
            shlex.join(self.argv),
            host=host,
            port=port,
            title="workbench",
            templates_path=TEMPLATES,
        )
        self.token = token
        self.loopback_only = loopback_only
        self.tabs: set[_Tab] = set()

    def initialize_logging(self) -> None:
        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(token_guard(self.token, self.port, loopback_only=self.loopback_only))
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Nothing to print: the command prints the address before serving."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Quit every tab's app (killing stragglers), then close the websockets."""
        tabs = list(self.tabs)
        await asyncio.gather(*(tab.app.stop() for tab in tabs), return_exceptions=True)
        for tab in tabs:
            await tab.websocket.close()

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        # Relative addresses only: the page also works through `ssh -L` on another local port.
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "static_url": "static/",
            "title": self.title,
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: start its app process, relay until either side closes, then stop it."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        app = AppProcess(
            self.argv,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        tab = _Tab(websocket, app)
        self.tabs.add(tab)
        try:
            await app.start(width, height)
            await self._process_messages(websocket, app)
        except (asyncio.CancelledError, ConnectionResetError):
            pass
        except Exception as error:  # a broken tab must not take the server down
            log.exception(error)
        finally:
            await app.stop()
            self.tabs.discard(tab)
            await websocket.close()
        return websocket

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT/SIGTERM; every tab's app has ended when this returns."""
        import signal

        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGINT, self.request_exit)
            loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        try:
            web.run_app(
                self._make_app(),
                sock=self.sock,
                handle_signals=False,
                loop=loop,
                print=None,
                access_log=None,
                shutdown_timeout=QUIT_TIMEOUT_S + 5,
            )
        finally:
            self.sock.close()
