"""SVG snapshots at 80x24 of the Datasets, Profile and Lineage screens on a fixed catalog (built
in each test's own temporary folder: no path is shown on these screens)."""

from __future__ import annotations

from pathlib import Path

from _dataset_files import age, lineage_runs
from _tui import screen_text, wait_for

from workbench.catalog.connection import Catalog
from workbench.datasets.profiles import profile_version
from workbench.datasets.scan import scan_paths
from workbench.ingest import ingest_paths
from workbench.tui.app import make_app
from workbench.tui.screens.dataset_detail import ProfileScreen
from workbench.tui.screens.datasets import DatasetsScreen
from workbench.tui.screens.lineage import LineageScreen


def fixed_catalog(folder: Path) -> Path:
    import polars as pl

    (folder / "runs").mkdir(parents=True)
    lineage_runs(folder / "runs")
    cat = Catalog(folder / "catalog.duckdb")
    ingest_paths(cat, [folder / "runs"])
    table = folder / "table.csv"
    pl.DataFrame(
        {"x": list(range(100)), "label": [f"[b]{i % 7}[/b]" for i in range(100)]}
    ).write_csv(table)
    age(table)
    scan_paths(cat, [table])
    profile_version(cat, "table")
    return cat.path


async def _datasets_ready(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: "prep" in screen_text(app))
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen) and app.screen.versions)
    await pilot.press("down")
    await wait_for(pilot, lambda: app.screen.current == "features" and len(app.screen.versions) == 2)
    await wait_for(pilot, lambda: app.focused is app.screen.query_one("#datasets"))
    await wait_for(pilot, lambda: "Diff prev" in screen_text(app))


async def _profile_ready(pilot) -> None:
    app = pilot.app
    await _datasets_ready(pilot)
    await pilot.press("down", "down")
    await wait_for(pilot, lambda: app.screen.current == "table" and app.screen.versions)
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.state == "done")
    await wait_for(pilot, lambda: app.focused is app.screen.query_one("#columns"))
    await pilot.press("down")
    await wait_for(pilot, lambda: app.screen.plotted == "label" and "Recompute" in screen_text(app))


async def _lineage_ready(pilot) -> None:
    app = pilot.app
    await _datasets_ready(pilot)
    await pilot.press("l")
    await wait_for(pilot, lambda: isinstance(app.screen, LineageScreen) and app.screen.graph)
    await wait_for(pilot, lambda: app.focused is app.screen.query_one("#lineage"))
    await wait_for(pilot, lambda: "Centre here" in screen_text(app))


def test_datasets_snapshot(snap_compare, tmp_path) -> None:
    db = fixed_catalog(tmp_path)
    app = make_app(db, roots_watch=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_datasets_ready)


def test_profile_snapshot(snap_compare, tmp_path) -> None:
    db = fixed_catalog(tmp_path)
    app = make_app(db, roots_watch=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_profile_ready)


def test_lineage_snapshot(snap_compare, tmp_path) -> None:
    db = fixed_catalog(tmp_path)
    app = make_app(db, roots_watch=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_lineage_ready)
