"""The app's Datasets, Profile, Diff and Lineage screens: keys, workers, literal text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _dataset_files import age, lineage_runs
from _tui import notifications, screen_text, shows, wait_for

from workbench.catalog.connection import Catalog
from workbench.datasets.profile import ProfileCancelled
from workbench.datasets.scan import scan_paths
from workbench.ingest import ingest_paths
from workbench.tui import service
from workbench.tui.app import make_app
from workbench.tui.screens.dataset_detail import DiffScreen, ProfileScreen
from workbench.tui.screens.datasets import DatasetsScreen
from workbench.tui.screens.lineage import LineageScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def db(tmp_path: Path, runs_root: Path, frame) -> Path:
    import polars as pl

    lineage_runs(runs_root)
    cat = Catalog(tmp_path / "catalog.duckdb")
    ingest_paths(cat, [runs_root])
    data = tmp_path / "data"
    data.mkdir()
    frame.write_csv(data / "table.csv")
    age(data / "table.csv")
    scan_paths(cat, [data / "table.csv"])
    frame.with_columns(pl.col("x") * 2).head(4).write_csv(data / "table.csv")
    scan_paths(cat, [data / "table.csv"])
    return cat.path


async def open_datasets(pilot) -> DatasetsScreen:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen.__class__.__name__ == "RunsScreen")
    await shows(pilot, "prep")
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen) and app.screen.versions)
    return app.screen


async def test_datasets_list_versions_and_literal_names(db: Path) -> None:
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_datasets(pilot)
        assert [d["name"] for d in screen.datasets] == ["[red]x[/]", "features", "raw", "table"]
        text = screen_text(app)
        assert "[red]x[/]" in text  # shown literally
        assert "Datasets · [red]x[/] · 1 version" in text and "1 versions" not in text
        await pilot.press("down")  # features: two versions, newest first
        await wait_for(pilot, lambda: screen.current == "features" and len(screen.versions) == 2)
        assert screen.selected_version().version == 2
        assert "Profile" in text and "Lineage" in text  # the footer lists the screen's keys


async def test_profile_in_a_worker_then_diff(db: Path) -> None:
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_datasets(pilot)
        await pilot.press("down", "down", "down")
        await wait_for(pilot, lambda: screen.current == "table" and len(screen.versions) == 2)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        profile = app.screen
        await wait_for(pilot, lambda: profile.state == "done")
        assert [c.name for c in profile.profile.columns] == ["x", "y", "label", "[red]x[/]"]
        assert await shows(pilot, "[red]x[/]")
        assert profile.plotted == "x"
        await pilot.press("down")  # the histogram follows the highlighted column
        await wait_for(pilot, lambda: profile.plotted == "y")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen) and app.screen.diff)
        assert app.screen.diff.rows_change == -1
        assert await shows(pilot, "rows 5 → 4 (-1)")


async def test_profile_can_be_cancelled(db: Path, monkeypatch) -> None:
    def slow_profile(catalog, ref, progress=None, cancel=None, refresh=False):
        deadline = time.monotonic() + 30
        step = 0
        while time.monotonic() < deadline:
            if cancel():
                raise ProfileCancelled("profiling table.csv was cancelled")
            step += 1
            progress(min(step, 99), 100)
            time.sleep(0.01)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(service, "profile_version", slow_profile)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_datasets(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        profile = app.screen
        await shows(pilot, "columns (x cancels)")
        await pilot.press("x")
        await wait_for(pilot, lambda: profile.state == "cancelled")
        assert await shows(pilot, "profiling table.csv was cancelled")
        assert not notifications(app)  # shown in place, not also as a notification


async def test_lineage_from_a_run_walks_down_and_back(db: Path) -> None:
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await shows(pilot, "prep")
        table = app.screen.table
        await wait_for(pilot, lambda: table.current_run_id is not None)
        for _ in range(10):
            if table.current_run_id == "train":
                break
            await pilot.press("down")
        assert table.current_run_id == "train"
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LineageScreen) and app.screen.graph)
        lineage = app.screen
        assert lineage.graph.root == "run:train"
        text = screen_text(app)
        assert "upstream (where it came from)" in text and "model clf (sklearn)" in text
        assert "Previous" not in text.splitlines()[-1]  # the footer: nothing to go back to yet
        tree = lineage.query_one("Tree")
        for _ in range(30):
            if tree.cursor_node is not None and tree.cursor_node.data == "model:train/clf":
                break
            await pilot.press("down")
        assert tree.cursor_node.data == "model:train/clf"
        await pilot.press("enter")
        await wait_for(pilot, lambda: lineage.graph.root == "model:train/clf")
        assert await shows(pilot, "dataset raw@1")  # upstream of the model, two runs away
        assert await shows(pilot, "Previous")
        await pilot.press("b")
        await wait_for(pilot, lambda: lineage.graph.root == "run:train")
        await pilot.pause()
        assert "Previous" not in screen_text(app).splitlines()[-1]
        await pilot.press("question_mark")
        assert await shows(pilot, "Keys: Lineage", "Walk to the highlighted node")
