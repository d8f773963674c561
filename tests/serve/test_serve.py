"""`workbench serve` as real processes: the token guard, tabs as app processes, Ctrl-C, errors."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

import aiohttp
import pytest
from _serve import ServeProcess, alive, demo_sized_catalog, terminal_text, wait_until

from workbench.catalog.connection import Catalog
from workbench.tui.web.access import cookie_name

pytestmark = pytest.mark.slow


@pytest.fixture
def catalog(tmp_path):
    return demo_sized_catalog(tmp_path / "catalog.duckdb")


@pytest.fixture
def server(catalog):
    serve = ServeProcess(catalog.path)
    yield serve
    serve.close()


async def _status(url: str, **kwargs) -> tuple[int, dict, str]:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as response:
        return response.status, dict(response.headers), await response.text()


def status(url: str, **kwargs) -> tuple[int, dict, str]:
    return asyncio.run(_status(url, **kwargs))


class Tab:
    """A browser tab as the page's script is one: a websocket that reads the app's screen."""

    def __init__(self, serve: ServeProcess, **headers: str) -> None:
        self.serve = serve
        self.headers = {"Cookie": f"{cookie_name(serve.port)}={serve.token}", **headers}
        self.screen = b""

    async def open(self, session: aiohttp.ClientSession, text: str, timeout: float = 90.0):
        """Connect, size the terminal, and read until `text` is on the app's screen."""
        ws_url = self.serve.base.replace("http://", "ws://") + "ws?width=120&height=40"
        self.ws = await session.ws_connect(ws_url, headers=self.headers)
        await self.ws.send_str(json.dumps(["resize", {"width": 120, "height": 40}]))
        async with asyncio.timeout(timeout):
            while text not in terminal_text(self.screen):
                message = await self.ws.receive()
                assert message.type == aiohttp.WSMsgType.BINARY or message.type == aiohttp.WSMsgType.TEXT, message
                if message.type == aiohttp.WSMsgType.BINARY:
                    self.screen += message.data
        return self


def test_every_request_without_the_token_is_refused(server):
    base, token, port = server.base, server.token, server.port
    for path in ("", "static/js/textual.js", "static/fonts/RobotoMono-VariableFont_wght.ttf", "ws"):
        code, _, body = status(base + path)
        assert code == 403 and "textual" not in body.lower(), path
        assert status(base + path + "?token=wrong" + token[:4])[0] == 403, path
        cookie = {"Cookie": f"{cookie_name(port)}=not-{token}"}
        assert status(base + path, headers=cookie)[0] == 403, path

    code, headers, page = status(server.url)
    assert code == 200 and "textual.js" in page
    assert f"{cookie_name(port)}={token}" in headers["Set-Cookie"]
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
    good = {"Cookie": f"{cookie_name(port)}={token}"}
    assert status(base + "static/js/textual.js", headers=good)[0] == 200
    # Another site's page cannot drive the app, nor can a rebound DNS name reach it.
    assert status(base + "ws", headers={**good, "Origin": "http://evil.example"})[0] == 403
    assert status(server.url, headers={"Host": f"evil.example:{port}"})[0] == 403
    # The page loads nothing from elsewhere: no Google Fonts, no absolute address at all.
    assert "googleapis" not in page and "http://" not in page and "https://" not in page


def test_two_tabs_are_two_apps_and_closing_one_ends_it(server, catalog):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            first = await Tab(server).open(session, "iris-run-0")
            second = await Tab(server).open(session, "iris-run-0")
            apps = server.children()
            assert len(apps) == 2
            # The catalog is free while both apps sit idle: a writer gets it at once.
            with Catalog(catalog.path, busy_timeout=30).connect() as con:
                con.execute("CHECKPOINT")
            await first.ws.close()
            assert await asyncio.to_thread(wait_until, lambda: len(server.children()) == 1)
            assert second.ws.closed is False
            await second.ws.close()
            assert await asyncio.to_thread(wait_until, lambda: not any(alive(p) for p in apps))

    asyncio.run(scenario())


@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "kill"])
def test_ctrl_c_ends_every_app_and_leaves_the_catalog_unlocked(server, catalog, group):
    async def open_tabs():
        session = aiohttp.ClientSession()
        tabs = [await Tab(server).open(session, "mnist-run-1") for _ in range(2)]
        return session, tabs

    loop = asyncio.new_event_loop()
    session, _tabs = loop.run_until_complete(open_tabs())
    apps = server.children()
    assert len(apps) == 2
    code = server.interrupt(group=group)
    loop.run_until_complete(session.close())
    loop.close()
    assert code == 0, server.proc.stderr.read()
    assert not any(alive(pid) for pid in apps)
    assert "Stopped" in server.proc.stdout.read()
    with Catalog(catalog.path, busy_timeout=0.5).connect() as con:  # read-write, no waiting
        con.execute("CHECKPOINT")


def test_a_taken_port_is_one_line_without_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "workbench.cli.main", "serve", "--port", str(port),
             "--db", str(tmp_path / "c.duckdb")],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use by another program; "
        "choose another port"
    ]


def test_another_host_is_served_only_with_a_warning(tmp_path):
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: warned about, then refused to bind.
    result = subprocess.run(
        [sys.executable, "-m", "workbench.cli.main", "serve", "--host", "192.0.2.1",
         "--port", "0", "--db", str(tmp_path / "c.duckdb")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 2, result.stderr
    assert lines[0].startswith("warning: serving on 192.0.2.1: other machines")
    assert lines[1].startswith("error: cannot serve on 192.0.2.1 port 0")
    assert "Traceback" not in result.stderr


def test_the_address_and_the_ssh_hint_are_printed(tmp_path):
    folder = tmp_path / "[red]x[bold]"
    folder.mkdir()
    server = ServeProcess(folder / "catalog.duckdb")
    server.close()
    text = "".join(server.lines)
    assert f"catalog {folder / 'catalog.duckdb'}\n" in text  # printed literally
    assert f"http://127.0.0.1:{server.port}/?token={server.token}" in text
    assert f"ssh -L {server.port}:127.0.0.1:{server.port} " in text
    assert len(server.token) >= 32


def test_an_app_that_does_not_quit_is_killed(tmp_path):
    from textual_serve.download_manager import DownloadManager

    from workbench.tui.web.server import AppProcess

    ready = tmp_path / "ready"
    stubborn = (
        "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        " pathlib.Path(sys.argv[1]).touch(); time.sleep(120)"
    )

    async def scenario() -> int | None:
        async def ignore(_data=None) -> None:
            return None

        app = AppProcess(
            [sys.executable, "-c", stubborn, str(ready)],
            write_bytes=ignore, write_str=ignore, close=ignore,
            download_manager=DownloadManager(),
        )  # fmt: skip
        await app.start(80, 24)
        assert await asyncio.to_thread(wait_until, ready.exists)
        await asyncio.wait_for(app.stop(timeout=1.0), 30)
        return app._process.returncode

    assert asyncio.run(scenario()) == -9  # quit ignored, SIGTERM ignored: killed
