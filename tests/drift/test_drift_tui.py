"""The Drift screen: a check runs in a worker, columns by severity, plots, literal names, 80x24."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _tui import ScreenHost, screen_text, shows, wait_for
from textual.widgets import DataTable

from workbench.tui.screens.drift import DriftScreen
from workbench.tui.service import Catalog

#: The folder the snapshot's file fields show in place of the test's own temporary folder
#: (only text on screen: the check reads the files where the test wrote them).
SHOWN = "/tmp/wb-tui-snapshots/drift"


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


def drift_app(folder: Path) -> ScreenHost:
    ref, cur = write_pair(folder)
    catalog = Catalog(folder / "catalog.duckdb")
    return ScreenHost(lambda: DriftScreen(catalog, ref, cur))


async def run_check(pilot) -> DriftScreen:
    screen = pilot.app.screen
    await pilot.press("ctrl+r")
    assert await wait_for(pilot, lambda: screen.report is not None and not screen.running,
                          timeout=60)
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
        assert await wait_for(pilot, lambda: "[b]new[/b]" in screen_text(app))


@pytest.mark.anyio
async def test_results_stream_in_before_the_check_ends_and_it_can_be_cancelled(
        tmp_path, monkeypatch) -> None:
    """The first column's row shows (pending its final state) while the check still runs;
    `x` then cancels it and the status says so."""
    import threading

    from workbench.tui import service

    folder = tmp_path / "wide"
    folder.mkdir()
    rng = np.random.default_rng(1)
    cols = {f"c{i}": rng.normal(size=500) for i in range(12)}
    pq.write_table(pa.table(cols), folder / "ref.parquet")
    pq.write_table(pa.table(cols), folder / "cur.parquet")
    release = threading.Event()
    real = service.check_drift

    def held(catalog, reference, current, **kw):
        on_column = kw["on_column"]

        def first_then_wait(column, done, total):
            on_column(column, done, total)
            if done == 1:
                release.wait(60)
        return real(catalog, reference, current, **{**kw, "on_column": first_then_wait})

    monkeypatch.setattr(service, "check_drift", held)
    catalog = Catalog(folder / "catalog.duckdb")
    app = ScreenHost(lambda: DriftScreen(catalog, str(folder / "ref.parquet"),
                                         str(folder / "cur.parquet")))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        await pilot.press("ctrl+r")
        table = screen.query_one("#drift-table", DataTable)
        assert await wait_for(pilot, lambda: table.row_count == 1, timeout=60)
        assert screen.running and screen.report is None
        assert "testing" in str(table.get_row_at(0)[2])
        assert await wait_for(pilot, lambda: "1 of 12 columns tested" in screen_text(app))
        await pilot.press("x")
        assert await wait_for(pilot, lambda: "cancelling" in screen_text(app))
        release.set()
        assert await wait_for(pilot, lambda: not screen.running, timeout=60)
        assert screen.report is None
        assert await wait_for(pilot, lambda: "cancelled" in screen_text(app))


@pytest.mark.anyio
async def test_a_missing_file_is_one_line_in_the_status(tmp_path) -> None:
    app = drift_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        screen.query_one("#drift-current").value = str(tmp_path / "nope.parquet")
        await pilot.press("ctrl+r")
        assert await wait_for(pilot, lambda: not screen.running and "error:" in screen_text(app))
        assert screen.report is None
        assert screen.query_one("#drift-status").has_class("-error")


@pytest.mark.anyio
async def test_the_drift_screen_is_reached_from_the_runs_browser(tmp_path) -> None:
    from workbench.tui.app import make_app

    app = make_app(tmp_path / "catalog.duckdb", roots_watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(pilot, lambda: app.screen.__class__.__name__ == "RunsScreen")
        await pilot.press("D")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DriftScreen))
        screen = app.screen
        screen.set_focus(None)  # ? in a file field is a character of the path
        await pilot.press("question_mark")  # the help lists the screen's own keys
        rows = DriftScreen.help_rows()
        assert await shows(pilot, "Keys: Drift", *(row.title for row in rows))
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen.__class__.__name__ == "RunsScreen")


def test_snapshot_80x24(snap_compare, tmp_path, monkeypatch) -> None:
    from workbench.tui import service

    write_pair(tmp_path)
    catalog = Catalog(tmp_path / "catalog.duckdb")
    app = ScreenHost(lambda: DriftScreen(catalog, f"{SHOWN}/ref.parquet", f"{SHOWN}/cur.parquet"))
    real_check = service.check_drift

    def check_drift(catalog, reference, current, **options):
        here = (p.replace(SHOWN, str(tmp_path), 1) for p in (reference, current))
        return real_check(catalog, *here, **options)

    monkeypatch.setattr(service, "check_drift", check_drift)

    async def ready(pilot) -> None:
        await run_check(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_every_key_has_a_tooltip_and_a_palette_entry() -> None:
    from textual.binding import Binding

    from workbench.tui.commands import screen_commands

    bindings = list(Binding.make_bindings(DriftScreen.BINDINGS))
    assert all(b.tooltip for b in bindings)
    assert [r.action for r in DriftScreen.help_rows()] == list(dict.fromkeys(b.action for b in bindings))
    offered = {row.action for row in screen_commands(DriftScreen)}
    assert {b.action for b in bindings} <= offered
    for action in offered:
        assert callable(getattr(DriftScreen, f"action_{action}", None)), action
