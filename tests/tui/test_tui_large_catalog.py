"""A catalog larger than the first page: a sort and a filter show the right first rows,
first from the page the catalog sorts and filters, then from the whole result."""

from __future__ import annotations

from pathlib import Path

import pytest
from _tui import runs_loaded, wait_for

from workbench.catalog.connection import Catalog
from workbench.tui.app import make_app

pytestmark = pytest.mark.anyio

RUNS = 3000  # several times the first page


def m0(i: int) -> float:
    """A distinct value per run, not in run order."""
    return (i * 7919 % RUNS) / RUNS


def fill_catalog(db: Path, metric=lambda i: f"({i} * 7919 % {RUNS}) / {RUNS}.0") -> Path:
    """RUNS runs in the tables ingest writes, filled in bulk; m0 of run i is `metric(i)` (SQL)."""
    with Catalog(db).connect() as con:
        con.execute(
            f"""
            INSERT INTO runs (run_key, run_id, project, name, status, started_at, ended_at,
                              heartbeat_at, path)
            SELECT i + 1, printf('run%06d', i), 'proj' || (i % 3), 'run-' || i, 'finished',
                   TIMESTAMP '2025-11-23 12:00:00' + to_seconds(i * 10),
                   TIMESTAMP '2025-11-23 12:05:00' + to_seconds(i * 10),
                   TIMESTAMP '2025-11-23 12:05:00' + to_seconds(i * 10), '/r/' || i
            FROM range({RUNS}) t(i)
            """
        )
        con.execute(
            f"INSERT INTO params SELECT i + 1, 'batch', CAST(i % 7 AS VARCHAR), i % 7, 'number'"
            f" FROM range({RUNS}) t(i)"
        )
        con.execute(
            f"""
            INSERT INTO metric_summary
            SELECT i + 1, 'm0', {metric('i')}, 9, 1763900000.0, 0, 1, 10
            FROM range({RUNS}) t(i)
            """
        )
    return db


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill_catalog(tmp_path_factory.mktemp("tui-big") / "wb.duckdb")


def first_name(app) -> str:
    screen = app.screen
    return screen.table.row_texts()[0][screen.display_columns.index("name")] if (
        screen.table.row_count) else ""


async def test_sort_and_filter_show_the_right_first_rows(big_db: Path) -> None:
    order = sorted(range(RUNS), key=m0)
    app = make_app(big_db, roots_watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await runs_loaded(pilot, RUNS)
        screen = app.screen
        # newest first
        assert await wait_for(pilot, lambda: first_name(app) == f"run-{RUNS - 1}")
        screen.sort_by("metrics.m0")  # what clicking its header does: ascending
        assert await wait_for(pilot, lambda: first_name(app) == f"run-{order[0]}")
        await pilot.press("O")  # the reverse key
        assert await wait_for(pilot, lambda: first_name(app) == f"run-{order[-1]}")

        expected = [i for i in order if m0(i) > 0.5 and i % 7 < 3]
        screen.filter_bar.filter_input.value = "metrics.m0 > 0.5 and params.batch < 3"
        screen.filter_bar.filter_input.focus()
        await pilot.press("enter")
        # the first page already leads with the best match, then the whole result arrives
        assert await wait_for(pilot, lambda: screen.query_spec.filter is not None
                              and first_name(app) == f"run-{expected[-1]}")
        assert await runs_loaded(pilot, len(expected))
        assert await wait_for(pilot, lambda: not screen.partial)
        assert first_name(app) == f"run-{expected[-1]}"
        names = [row[screen.display_columns.index("name")] for row in screen.table.row_texts()]
        assert names == [f"run-{i}" for i in reversed(expected)]


def names_shown(app) -> list[str]:
    screen = app.screen
    return [row[screen.display_columns.index("name")] for row in screen.table.row_texts()]


async def test_sort_filter_sort_and_the_cursor_keeps_its_run(big_db: Path) -> None:
    order = sorted(range(RUNS), key=m0)
    app = make_app(big_db, roots_watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await runs_loaded(pilot, RUNS)
        screen = app.screen
        assert await wait_for(pilot, lambda: not screen.partial)
        await pilot.press("down", "down", "down")
        kept = screen.table.current_run_id
        screen.sort_by("metrics.m0")
        assert await wait_for(pilot, lambda: first_name(app) == f"run-{order[0]}")
        assert screen.table.current_run_id == kept  # the cursor followed its run
        assert screen.table.row_ids[screen.table.cursor_row] == kept

        screen.filter_bar.filter_input.value = "params.batch = 2"
        screen.filter_bar.filter_input.focus()
        await pilot.press("enter")
        expected = [i for i in order if i % 7 == 2]
        assert await wait_for(pilot, lambda: screen.query_spec.filter is not None and not screen.partial
                              and screen.table.row_count == len(expected))
        assert names_shown(app) == [f"run-{i}" for i in expected]

        screen.sort_by("name")  # a second sort, on the filtered runs
        assert await wait_for(pilot, lambda: screen.state.sort == "name"
                              and first_name(app) == min(f"run-{i}" for i in expected))
        assert names_shown(app) == sorted(f"run-{i}" for i in expected)
        await pilot.press("O")
        assert await wait_for(pilot, lambda: names_shown(app) == sorted(
            (f"run-{i}" for i in expected), reverse=True))


async def test_a_refresh_sorts_the_new_values(tmp_path: Path) -> None:
    """The order of a sort is kept for the data it was computed from: after the catalog
    changes and the app reloads, the same sort orders the new values."""
    db = fill_catalog(tmp_path / "wb.duckdb")
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await runs_loaded(pilot, RUNS)
        screen = app.screen
        assert await wait_for(pilot, lambda: not screen.partial)
        screen.sort_by("metrics.m0")
        assert await wait_for(pilot, lambda: first_name(app) == f"run-{min(range(RUNS), key=m0)}")
        before = screen.frame
        with Catalog(db).connect() as con:  # every value turned around: the best is now the worst
            con.execute("UPDATE metric_summary SET last_value = 1 - last_value WHERE key = 'm0'")
        await pilot.press("r")
        assert await wait_for(pilot, lambda: screen.frame is not before and not screen.partial)
        assert screen.state.sort == "metrics.m0" and not screen.state.descending
        assert await wait_for(pilot, lambda: first_name(app) == f"run-{max(range(RUNS), key=m0)}")
        names = names_shown(app)
        assert names == [f"run-{i}" for i in sorted(range(RUNS), key=lambda i: (1 - m0(i), f"run{i:06d}"))]


async def test_a_click_on_a_row_moves_the_cursor_there(big_db: Path) -> None:
    from workbench.tui.widgets.runs_table import RunsTable

    app = make_app(big_db, roots_watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await runs_loaded(pilot, RUNS)
        screen = app.screen
        assert await wait_for(pilot, lambda: not screen.partial)
        screen.sort_by("metrics.m0")
        assert await wait_for(pilot, lambda: first_name(app) == f"run-{min(range(RUNS), key=m0)}")
        # the cursor followed its run down the sorted table; the 4th row shown is under y=4
        # (the header is line 0)
        target = round(screen.table.scroll_y) + 3
        await pilot.click(RunsTable, offset=(10, 4))
        assert await wait_for(pilot, lambda: screen.table.cursor_row == target)
        assert screen.table.current_run_id == screen.table.row_ids[target]
