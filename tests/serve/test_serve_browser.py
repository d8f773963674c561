"""`workbench serve` in a real browser: headless Chromium paints the runs table from 127.0.0.1 only.

Run with WORKBENCH_SCREENSHOT=path.png to keep the screenshot for a person to look at.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from urllib.parse import urlsplit

import aiohttp
import pytest
from _cdp import Chromium, find_chromium
from _serve import ServeProcess, demo_sized_catalog, terminal_text

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="needs Chromium on PATH (Debian: apt-get install chromium)"
    ),
]
WIDTH, HEIGHT = 1280, 800
NEWEST_RUN = "churn-run-29"  # demo_sized_catalog's last run: the top row of the runs table
CURSOR_TO = re.compile(rb"\x1b\[(\d+);(\d+)H")


async def _until(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await condition():
            return True
        await asyncio.sleep(interval)
    return bool(await condition())


async def _visit(browser: Chromium, serve: ServeProcess, shot: str) -> dict:
    async with aiohttp.ClientSession() as session:
        page = await browser.page(session)
        await page.send("Network.enable")
        await page.send("Page.enable")
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False,
        )  # fmt: skip
        await page.send("Page.navigate", url=serve.url)

        async def painted() -> bool:
            shown = await page.evaluate("document.body.classList.contains('-first-byte')")
            return bool(shown) and NEWEST_RUN in terminal_text(page.websocket_bytes())

        assert await _until(painted, 120), terminal_text(page.websocket_bytes())[-2000:]

        async def settled() -> bool:  # no new frame for a second: the app drew its first screen
            before = len(page.events)
            await asyncio.sleep(1.0)
            return len(page.events) == before

        await _until(settled, 30)
        font_ready = await page.evaluate(
            "[...document.fonts].some(f => f.family.includes('Roboto Mono') && f.status === 'loaded')"
        )
        png = await page.send("Page.captureScreenshot", format="png")
        screen = page.websocket_bytes()
        urls = page.requested_urls()

        # The same address without the token (and without the cookie the visit set): 403.
        await page.send("Network.clearBrowserCookies")
        await page.send("Page.navigate", url=serve.base)

        async def refused() -> bool:
            loaded = await page.evaluate(
                f"location.href === {serve.base!r} && document.readyState === 'complete'"
            )
            return bool(loaded and page.statuses(serve.base))

        assert await _until(refused, 30)
        body = await page.evaluate("document.body.innerText")
        return {
            "png": png["data"], "screen": screen, "urls": urls, "font_ready": font_ready,
            "no_token_status": page.statuses(serve.base), "no_token_body": body,
        }  # fmt: skip


def test_the_runs_table_is_painted_in_chromium_and_nothing_leaves_the_machine(tmp_path):
    import base64

    catalog = demo_sized_catalog(tmp_path / "catalog.duckdb")
    serve = ServeProcess(catalog.path)
    browser = Chromium(CHROMIUM, tmp_path / "profile", WIDTH, HEIGHT)
    try:
        seen = asyncio.run(_visit(browser, serve, str(tmp_path / "serve.png")))
    finally:
        browser.close()
        serve.close()

    shot = tmp_path / "serve.png"
    shot.write_bytes(base64.b64decode(seen["png"]))
    if keep := os.environ.get("WORKBENCH_SCREENSHOT"):
        shutil.copyfile(shot, keep)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000

    text = terminal_text(seen["screen"])
    assert NEWEST_RUN in text and "iris-run-0" in text
    # The app filled the window: it drew past column 100 and below row 30 (80x24 would not).
    cells = [(int(r), int(c)) for r, c in CURSOR_TO.findall(seen["screen"])]
    assert max(c for _, c in cells) > 100 and max(r for r, _ in cells) > 30
    # The terminal's font is the bundled Roboto Mono, loaded from this server.
    assert seen["font_ready"] is True
    assert any(u.endswith("/static/fonts/RobotoMono-VariableFont_wght.ttf") for u in seen["urls"])

    urls = seen["urls"]
    assert any(u.startswith(("ws://127.0.0.1:", "ws://127.0.0.1/")) for u in urls), urls
    elsewhere = [
        u for u in urls
        if not u.startswith("data:") and urlsplit(u).hostname != "127.0.0.1"
    ]  # fmt: skip
    assert elsewhere == [], elsewhere

    assert seen["no_token_status"] == [403]
    assert "Forbidden" in seen["no_token_body"] and NEWEST_RUN not in seen["no_token_body"]
