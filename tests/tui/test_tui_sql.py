"""The SQL console: run a query, refuse writes, one-line errors, history, export, literal text."""

from __future__ import annotations

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from _runfolders import build_catalog
from _tui import ScreenHost, notifications, screen_text, shows, wait_for, write_compare_runs
from textual.widgets import Input

from workbench.tui.screens.sql import (
    PLACEHOLDER,
    ExportScreen,
    QueryHistory,
    SqlScreen,
    history_path,
    make_editor,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def catalog(tmp_path):
    from workbench.catalog.connection import Catalog

    return Catalog(build_catalog(tmp_path, write_compare_runs)[0])


def sql_app(catalog) -> ScreenHost:
    return ScreenHost(lambda: SqlScreen(catalog))


async def sql_ready(pilot) -> None:
    """Wait until the console is up with the editor focused."""
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, SqlScreen) and pilot.app.screen.editor.has_focus
    )


async def run_query(app, pilot, text: str, key: str = "ctrl+r") -> SqlScreen:
    screen = app.screen
    assert isinstance(screen, SqlScreen)
    screen.editor.load_text(text)
    before = (screen.result, screen.error)
    await pilot.press(key)
    await wait_for(pilot, lambda: not screen.running and (screen.result, screen.error) != before)
    return screen


def status_text(screen: SqlScreen) -> str:
    return str(screen.query_one("#sql-status").render())


async def test_typed_query_runs_and_shows_rows(catalog) -> None:
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = app.screen
        assert screen.editor.has_focus
        await pilot.press(*"select name from runs_view order by name")
        assert screen.editor.text == "select name from runs_view order by name"
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.result is not None)
        assert screen.result.column("name").to_pylist() == ["[red]x[/]", "adam-wide", "baseline"]
        assert status_text(screen).startswith("3 rows in")
        table = screen.query_one("#sql-table")
        assert table.row_count == 3
        assert await shows(pilot, "[red]x[/]", "adam-wide")


async def test_run_on_an_empty_editor_runs_the_example_it_shows(catalog) -> None:
    """The empty editor shows an example query in grey; ^r ran nothing and said "Type a query
    first.", though a query was on screen. Now it puts the example in the editor and runs it."""
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = app.screen
        assert screen.editor.text == ""
        await pilot.press("ctrl+r")
        assert await wait_for(pilot, lambda: not screen.running and screen.result is not None)
        assert screen.editor.text == PLACEHOLDER
        assert screen.result_query == PLACEHOLDER
        assert screen.result.num_rows == 3
        assert "Type a query" not in status_text(screen)


async def test_write_statement_shows_read_only_message(catalog) -> None:
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = await run_query(app, pilot, "DELETE FROM runs")
        assert screen.result is None
        assert "read-only" in screen.error
        assert "read-only" in status_text(screen)
        assert screen.query_one("#sql-status").has_class("-error")
    # and nothing was deleted
    from workbench.catalog import queries

    assert queries.run_sql(catalog, "SELECT count(*) AS n FROM runs").column("n")[0].as_py() == 3


async def test_syntax_error_is_one_line_and_a_later_query_clears_it(catalog) -> None:
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = await run_query(app, pilot, "SELEC name FROM runs_view")
        assert screen.error and "\n" not in screen.error
        assert "syntax" in screen.error.lower()
        assert status_text(screen) == screen.error
        screen = await run_query(app, pilot, "SELECT 1 AS one")
        assert screen.error is None
        assert not screen.query_one("#sql-status").has_class("-error")


async def test_literal_column_names_and_values(catalog) -> None:
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = await run_query(
            app,
            pilot,
            'SELECT name AS "[bold]h[/]", key FROM runs_view JOIN params_view USING (run_id)'
            " WHERE key = '[/]' ORDER BY name",
        )
        assert screen.result.num_rows == 3
        assert await shows(pilot, "[bold]h[/]", "[red]x[/]")


async def test_export_writes_csv_that_reads_back(catalog, tmp_path) -> None:
    target = tmp_path / "out" / "result.csv"
    target.parent.mkdir()
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = await run_query(app, pilot, "SELECT run_id, name FROM runs_view ORDER BY run_id")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and app.screen is screen)
        await wait_for(
            pilot, lambda: any(str(target) in m for m in notifications(app))
        )
    back = pacsv.read_csv(target)
    assert back.column("run_id").to_pylist() == ["run-a", "run-b", "run-c"]
    assert back.column("name").to_pylist() == ["baseline", "[red]x[/]", "adam-wide"]


async def test_export_parquet_and_export_without_result(catalog, tmp_path) -> None:
    target = tmp_path / "result.parquet"
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        await pilot.press("ctrl+s")  # nothing to export yet: a warning, no modal
        assert await wait_for(
            pilot, lambda: any("Run a query first" in m for m in notifications(app))
        )
        assert isinstance(app.screen, SqlScreen)
        await run_query(app, pilot, "SELECT key, step, value FROM metric_history")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists())
    assert pq.read_table(target).num_rows == 3 * 2 * 60


async def test_history_walks_and_persists(catalog) -> None:
    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = await run_query(app, pilot, "SELECT 1 AS a")
        screen = await run_query(app, pilot, "SELECT 2 AS b")
        screen.editor.load_text("SELECT 3")
        await pilot.press("ctrl+up")
        assert screen.editor.text == "SELECT 2 AS b"
        await pilot.press("ctrl+up")
        assert screen.editor.text == "SELECT 1 AS a"
        await pilot.press("ctrl+up")  # oldest: stays
        assert screen.editor.text == "SELECT 1 AS a"
        await pilot.press("ctrl+down", "ctrl+down")
        assert screen.editor.text == "SELECT 3"  # back to the draft
    assert history_path(catalog).exists()
    again = QueryHistory(history_path(catalog))
    assert again.entries == ["SELECT 1 AS a", "SELECT 2 AS b"]


def test_history_keeps_no_repeats_and_skips_bad_lines(tmp_path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('"SELECT 1"\nnot json\n42\n')
    history = QueryHistory(path)
    assert history.entries == ["SELECT 1"]
    history.add("SELECT 1")
    history.add("  ")
    history.add("SELECT 2")
    assert QueryHistory(path).entries == ["SELECT 1", "SELECT 2"]


def test_editor_falls_back_to_plain_text_without_the_grammar() -> None:
    assert make_editor(language="no-such-grammar").language is None
    assert make_editor(run_keys="f5").border_title == "query · f5 runs it"


def _snapshot_run_before(app):
    async def run_before(pilot) -> None:
        await sql_ready(pilot)
        screen = app.screen
        await wait_for(pilot, lambda: screen.views is not None)  # the list of views is read
        screen.editor.cursor_blink = False
        screen.show_timing = False  # "3 rows in 0.03 s" would differ run to run
        await run_query(
            app,
            pilot,
            "SELECT name, status, duration_s, started_at FROM runs_view ORDER BY name",
        )
        await shows(pilot, "3 rows", "adam-wide")

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_sql_snapshot(catalog, snap_compare, size) -> None:
    app = sql_app(catalog)
    assert snap_compare(app, terminal_size=size, run_before=_snapshot_run_before(app))


def documented_views() -> list[str]:
    """The views docs/cli.md's table lists, in its order."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    table = doc[doc.index("Views made for people"):]
    table = table[: table.index("\n\n", table.index("| view |"))]
    return re.findall(r"^\| `([a-z_]+)` \|", table, re.M)


async def test_views_list_is_the_catalogs_and_the_docs(catalog) -> None:
    app = sql_app(catalog)
    async with app.run_test(size=(160, 48)) as pilot:
        await sql_ready(pilot)
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.views is not None)
        assert "dataset_usage" in screen.views
        assert sorted(screen.views) == sorted(documented_views())
        assert await shows(pilot, "dataset_usage", "fingerprint, path, logged_at")


async def test_a_failed_query_clears_the_previous_result(catalog) -> None:
    from workbench.tui.screens.sql import NO_RESULT

    app = sql_app(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        await sql_ready(pilot)
        screen = await run_query(app, pilot, "SELECT name FROM runs_view ORDER BY name")
        assert await shows(pilot, "adam-wide", "3 rows")
        screen = await run_query(app, pilot, "SELECT nme FROM runs_view")
        assert screen.error and screen.result is None
        assert await shows(pilot, NO_RESULT)
        assert not screen.query("#sql-table") and "adam-wide" not in screen_text(app)
        await pilot.press("ctrl+s")  # nothing to export: the old rows are gone
        assert await wait_for(pilot, lambda: any("no result to export" in n for n in notifications(app)))
