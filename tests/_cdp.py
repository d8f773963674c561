"""Test helper: headless Chromium driven over the Chrome DevTools Protocol (a small client)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)


def find_chromium() -> str | None:
    """The Chromium executable on PATH, or None."""
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return None


class Chromium:
    """A headless Chromium process with its own profile folder; `close()` ends it."""

    def __init__(self, executable: str, profile: Path, width: int = 1280, height: int = 800):
        self.profile = profile
        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (active.exists() and active.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        self.port = int(active.read_text().splitlines()[0])

    async def page(self, session: aiohttp.ClientSession) -> Page:
        """A DevTools session on the browser's first tab."""
        async with session.get(f"http://127.0.0.1:{self.port}/json/list") as response:
            targets = await response.json()
        target = next(t for t in targets if t["type"] == "page")
        page = Page(await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0))
        page.start()
        return page

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Page:
    """One tab: `send` a command and await its result; `events` holds every event received."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []

    def start(self) -> None:
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.append((data["method"], data.get("params", {})))

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        key = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[key] = future
        await self.ws.send_json({"id": key, "method": method, "params": params})
        reply = await asyncio.wait_for(future, 60)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, awaitPromise=True)
        return result["result"].get("value")

    def requested_urls(self) -> list[str]:
        """Every URL the page asked for: documents, assets, fetches and websockets."""
        urls = [p["request"]["url"] for m, p in self.events if m == "Network.requestWillBeSent"]
        return urls + [p["url"] for m, p in self.events if m == "Network.webSocketCreated"]

    def websocket_bytes(self) -> bytes:
        """What the server sent over websockets in binary frames, in order (the app's output)."""
        frames = [
            base64.b64decode(p["response"]["payloadData"])
            for m, p in self.events
            if m == "Network.webSocketFrameReceived" and p["response"]["opcode"] == 2
        ]
        return b"".join(frames)

    def statuses(self, url: str) -> list[int]:
        return [
            p["response"]["status"]
            for m, p in self.events
            if m == "Network.responseReceived" and p["response"]["url"] == url
        ]
