"""Markup injection: names, params, tags, metric keys and notes like `[red]x[/]` render literally
on every screen and never crash the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from _runfolders import build_catalog, write_run
from _tui import runs_loaded, shows, wait_for, write_fixture_runs

from workbench.tui.app import make_app

pytestmark = pytest.mark.anyio


async def test_markup_renders_literally_everywhere(tmp_path: Path) -> None:
    from textual.command import CommandPalette

    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_roots
    from workbench.tui.screens.detail import RunDetailScreen
    from workbench.tui.screens.pickers import ColumnsScreen, GroupScreen

    db, root = build_catalog(tmp_path, write_fixture_runs)
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
        assert await shows(pilot, "[red]x[/]", "[bold]evil", "[b]oops")
        runs = app.screen
        # help, columns, group, palette
        await pilot.press("question_mark")
        assert await shows(pilot, "Keys: Runs")
        await pilot.press("escape")
        await pilot.press("v")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ColumnsScreen))
        assert await shows(pilot, "[/]")
        await pilot.press("escape")
        await pilot.press("g")
        assert await wait_for(pilot, lambda: isinstance(app.screen, GroupScreen))
        assert await shows(pilot, "[/]")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is runs)
        # search for it, then the detail screen, every tab
        await pilot.press("slash")
        for ch in "[red]":
            await pilot.press(ch)
        assert await runs_loaded(pilot, 1)
        runs.table.focus()
        await pilot.press("y")
        assert await wait_for(pilot, lambda: app.clipboard == "evil")
        await pilot.press("enter")
        assert await wait_for(
            pilot, lambda: isinstance(app.screen, RunDetailScreen) and app.screen.data is not None
        )
        assert await shows(pilot, "[red]x[/]", "[/i]", "[b]oops")
        tabs = app.screen.query_one("TabbedContent")
        for key, tab in zip("23456", ("metrics", "chart", "notes-tab", "artifacts", "errors"), strict=True):
            await pilot.press(key)
            assert await wait_for(pilot, lambda tab=tab: tabs.active == tab), (key, tabs.active)
            if key == "2":
                assert await shows(pilot, "[x]")
            if key == "4":
                assert await shows(pilot, "[/] not markup [link=x]")
            if key == "5":
                await pilot.press("enter")
                assert await shows(pilot, "[red]inside[/]")
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is runs)
        # compare and SQL screens
        await pilot.press("space")
        runs.filter_bar.search_input.value = ""
        assert await runs_loaded(pilot, 8)
        runs.table.focus()
        runs.table.move_cursor(row=runs.table.row_ids.index("evil2"))
        await pilot.press("space")
        assert await wait_for(pilot, lambda: runs.state.marked == {"evil", "evil2"})
        await pilot.press("c")
        assert await wait_for(pilot, lambda: getattr(app.screen, "table", None) is not None
                              and app.screen is not runs)
        assert await shows(pilot, "[red]x[/]")
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is runs)
        await pilot.press("s")
        assert await wait_for(pilot, lambda: app.screen is not runs)
        assert await shows(pilot, "SQL console")
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is runs)
