"""Markup injection: names, params, tags, metric keys and notes like `[red]x[/]` render literally
on every screen and never crash the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_support import build_catalog, runs_loaded, screen_text, wait_until, write_run

from workbench.tui.app import make_app

pytestmark = pytest.mark.anyio


async def test_markup_renders_literally_everywhere(tmp_path: Path) -> None:
    from textual.command import CommandPalette

    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_roots
    from workbench.tui.screens.detail import RunDetailScreen
    from workbench.tui.screens.pickers import ColumnsScreen, GroupScreen

    db, root = build_catalog(tmp_path)
    write_run(
        root,
        "evil",
        project="[bold]evil",
        name="[red]x[/]",
        start=1767225600.0 + 86400,
        params={"[/]": "[/]", "lr": "[b]oops"},
        tags={"[i]": "[/i]"},
        metrics={"[x]": [1.0, 2.0]},
        notes="[/] not markup [link=x]",
        artifacts={"[b].txt": b"[red]inside[/]\n"},
    )
    write_run(
        root,
        "evil2",
        project="[bold]evil",
        name="[/]",
        start=1767225600.0 + 86000,
        params={"[/]": 1},
    )
    ingest_roots(Catalog(db))

    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        assert await runs_loaded(pilot, 8)
        text = screen_text(app)
        assert "[red]x[/]" in text and "[bold]evil" in text and "[b]oops" in text
        runs = app.screen
        # help, columns, group, palette
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("v")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ColumnsScreen))
        assert "[/]" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("g")
        assert await wait_until(pilot, lambda: isinstance(app.screen, GroupScreen))
        assert "[/]" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: app.screen is runs)
        # search for it, then the detail screen, every tab
        await pilot.press("slash")
        for ch in "[red]":
            await pilot.press(ch)
        assert await runs_loaded(pilot, 1)
        runs.table.focus()
        await pilot.press("y")
        assert app.clipboard == "evil"
        await pilot.press("enter")
        assert await wait_until(
            pilot, lambda: isinstance(app.screen, RunDetailScreen) and app.screen.data is not None
        )
        text = screen_text(app)
        assert "[red]x[/]" in text and "[/i]" in text and "[b]oops" in text
        for key in "23456":
            await pilot.press(key)
            await pilot.pause(0.1)
            if key == "2":
                assert "[x]" in screen_text(app)
            if key == "4":
                assert "[/] not markup [link=x]" in screen_text(app)
            if key == "5":
                await pilot.press("enter")
                assert await wait_until(pilot, lambda: "[red]inside[/]" in screen_text(app))
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: app.screen is runs)
        # compare and SQL screens
        await pilot.press("space")
        runs.filter_bar.search_input.value = ""
        assert await runs_loaded(pilot, 8)
        runs.table.focus()
        runs.table.move_cursor(row=runs.table.row_ids.index("evil2"))
        await pilot.press("space")
        assert runs.state.marked == {"evil", "evil2"}
        await pilot.press("c")
        await wait_until(pilot, lambda: app.screen is not runs)
        await pilot.pause(0.5)
        assert "[red]x[/]" in screen_text(app)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: app.screen is runs)
        await pilot.press("s")
        await wait_until(pilot, lambda: app.screen is not runs)
        await pilot.pause(0.2)
        await pilot.press("escape")
