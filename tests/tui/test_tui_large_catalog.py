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


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("tui-big") / "wb.duckdb"
    with Catalog(db).connect() as con:  # the tables ingest writes, filled in bulk
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
            SELECT i + 1, 'm0', (i * 7919 % {RUNS}) / {RUNS}.0, 9, 1763900000.0, 0, 1, 10
            FROM range({RUNS}) t(i)
            """
        )
    return db


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
