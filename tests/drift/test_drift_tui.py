"""The Drift screen: a check runs in a worker, columns by severity, plots, literal names, 80x24."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from textual.widgets import DataTable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from test_tui_compare_fixture import ScreenHost, wait_for  # noqa: E402

from workbench.catalog.connection import Catalog  # noqa: E402
from workbench.tui.screens.drift import DriftScreen  # noqa: E402

SNAP = Path("/tmp/wb-tui-snapshots/drift")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def write_pair(folder: Path) -> tuple[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    n = 2_000
    ref = pa.table({"amount": rng.normal(size=n), "[red]x[/]": rng.choice(["a", "b", "c"], n),
                    "age": rng.normal(40, 10, n)})
    cats = rng.choice(["a", "b", "c"], n).astype(object)
    cats[:150] = "[b]new[/b]"
    cur = pa.table({"amount": rng.normal(0.6, 1, n), "[red]x[/]": pa.array(cats, pa.string()),
                    "age": rng.normal(40, 10, n)})
    pq.write_table(ref, folder / "ref.parquet")
    pq.write_table(cur, folder / "cur.parquet")
    return str(folder / "ref.parquet"), str(folder / "cur.parquet")


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def drift_app(folder: Path) -> ScreenHost:
    ref, cur = write_pair(folder)
    catalog = Catalog(folder / "catalog.duckdb")
    return ScreenHost(lambda: DriftScreen(catalog, ref, cur))


async def run_check(pilot) -> DriftScreen:
    screen = pilot.app.screen
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: screen.report is not None and not screen.running, timeout=60)
    return screen


@pytest.mark.anyio
async def test_check_fills_the_table_by_severity_and_shows_names_literally(tmp_path) -> None:
    app = drift_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await run_check(pilot)
        table = screen.query_one("#drift-table", DataTable)
        assert table.row_count == 3
        states = [str(table.get_row_at(i)[2]) for i in range(3)]
        assert states == ["drift", "drift", "stable"]
        text = screen_text(app)
        assert "[red]x[/]" in text and "DRIFT" in text
        # move to the categorical column: its reason names the unseen category literally
        names = [str(table.get_row_at(i)[0]) for i in range(3)]
        for _ in range(names.index("[red]x[/]")):
            await pilot.press("down")
        await wait_for(pilot, lambda: "[b]new[/b]" in screen_text(app))


@pytest.mark.anyio
async def test_a_missing_file_is_one_line_in_the_status(tmp_path) -> None:
    app = drift_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        screen.query_one("#drift-current").value = str(tmp_path / "nope.parquet")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: not screen.running and "error:" in screen_text(app))
        assert screen.report is None


@pytest.mark.anyio
async def test_the_drift_screen_is_reached_from_the_runs_browser(tmp_path) -> None:
    from workbench.tui.app import make_app

    app = make_app(tmp_path / "catalog.duckdb", roots_watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "RunsScreen")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DriftScreen))


def test_snapshot_80x24(snap_compare) -> None:
    shutil.rmtree(SNAP, ignore_errors=True)
    app = drift_app(SNAP)

    async def ready(pilot) -> None:
        await run_check(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
