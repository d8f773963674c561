"""ctrl+s (or e) on a table writes the view as shown: a dialog asks where, the extension picks
the format, one line says what was written; names with markup are written literally."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from _runfolders import build_catalog, write_run
from _tui import notifications, runs_loaded, wait_for, write_dataset_versions, write_fixture_runs
from textual.widgets import Input

from workbench.tui.app import make_app
from workbench.tui.screens.export_view import ExportViewDialog


def markup_runs(root: Path) -> list[Path]:
    write_fixture_runs(root)
    return [write_run(root, "run-markup", project="iris", name="[red]x[/]",
                      params={"lr": 0.5}, tags={"note": "[b]bold[/b]"},
                      metrics={"acc": [0.1, 0.2]}, start=1_700_000_000.0)]


async def export_to(pilot, key: str, path: Path) -> None:
    """Press `key`, type `path` into the dialog, press enter; wait for the file."""
    app = pilot.app
    await pilot.press(key)
    assert await wait_for(pilot, lambda: isinstance(app.screen, ExportViewDialog))
    field = app.screen.query_one(Input)
    assert field.value.endswith(".csv")  # a sensible default: a new .csv in the current folder
    field.value = str(path)
    await pilot.press("enter")
    assert await wait_for(pilot, lambda: path.exists() and not isinstance(app.screen, ExportViewDialog))


@pytest.mark.anyio
async def test_export_key_writes_the_runs_view_and_the_comparison(tmp_path: Path) -> None:
    from workbench.tui.screens.compare import CompareScreen

    db, _root = build_catalog(tmp_path, markup_runs)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await runs_loaded(pilot, 7)
        runs = app.screen
        out = tmp_path / "runs-view.csv"
        await export_to(pilot, "ctrl+s", out)
        frame = pl.read_csv(out)
        assert frame.height == 7 and frame.columns[0] == "id"
        assert "[red]x[/]" in frame["name"].to_list()
        assert await wait_for(pilot, lambda: any(
            m.startswith("Wrote 7 rows to") and m.endswith("(csv)") for m in notifications(app)))
        # the view, not the catalog: a filter narrows what is written
        await pilot.press("f")
        for ch in "params.model = 'logreg' or params.batch > 100":
            await pilot.press("space" if ch == " " else ch)
        await pilot.press("enter")
        assert await runs_loaded(pilot, 2)
        assert await wait_for(pilot, lambda: app.screen.focused is runs.table)
        out_json = tmp_path / "filtered.json"
        await export_to(pilot, "e", out_json)
        assert sorted(r["name"] for r in json.loads(out_json.read_text())) == ["cnn-big", "logreg-lr-0.01"]
        # the compare table, with values as logged
        await pilot.press("space", "down", "space", "c")
        assert await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.table)
        out_pq = tmp_path / "compare.parquet"
        await export_to(pilot, "e", out_pq)
        compared = pl.read_parquet(out_pq)
        assert {"section", "key"} <= set(compared.columns) and compared.height > 0


@pytest.mark.anyio
async def test_a_bad_file_name_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    db, _root = build_catalog(tmp_path, markup_runs)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await runs_loaded(pilot, 7)
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ExportViewDialog))
        app.screen.query_one(Input).value = str(tmp_path / "runs.xlsx")
        await pilot.press("enter")
        assert await wait_for(pilot, lambda: any(
            "cannot tell the format of 'runs.xlsx'" in m for m in notifications(app)))
        assert not (tmp_path / "runs.xlsx").exists()
        await pilot.press("e")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ExportViewDialog))
        await pilot.press("escape")  # cancel writes nothing
        assert await wait_for(pilot, lambda: not isinstance(app.screen, ExportViewDialog))
        assert not list(tmp_path.glob("runs-*.csv"))


@pytest.mark.anyio
async def test_export_key_on_a_plain_table_writes_its_text(tmp_path: Path) -> None:
    from workbench.tui.screens.datasets import DatasetsScreen

    db, _root = build_catalog(tmp_path, write_fixture_runs)
    write_dataset_versions(tmp_path, db, "[red]x.csv")
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen)
                              and len(app.screen.versions) == 2)
        out = tmp_path / "datasets.csv"
        await export_to(pilot, "e", out)
        frame = pl.read_csv(out)
        assert frame.height >= 1 and "[red]x" in frame.row(0)
        assert await wait_for(pilot, lambda: any(m.startswith("Wrote ") for m in notifications(app)))


def test_export_dialog_snapshot(snap_compare, tmp_path, monkeypatch) -> None:
    """The dialog over the runs table at 80x24 (a fixed path typed in, so the picture is fixed;
    nothing is written there: the dialog is not confirmed)."""
    from test_tui_snapshots import _home_ready, fixed_catalog

    async def dialog_ready(pilot) -> None:
        await _home_ready(pilot)
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportViewDialog))
        pilot.app.screen.query_one(Input).value = "/tmp/exports/runs.parquet"
        await pilot.pause()

    app = make_app(fixed_catalog(tmp_path, monkeypatch, "export-80"), roots_watch=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=dialog_ready)


def test_every_screen_with_a_table_declares_the_export_key() -> None:
    from workbench.tui.screens.compare import CompareScreen
    from workbench.tui.screens.dataset_detail import DiffScreen, ProfileScreen
    from workbench.tui.screens.datasets import DatasetsScreen
    from workbench.tui.screens.drift import DriftScreen
    from workbench.tui.screens.export_view import EXPORT_BINDING
    from workbench.tui.screens.models import ModelsScreen
    from workbench.tui.screens.runs import RunsScreen

    assert EXPORT_BINDING.tooltip and len(EXPORT_BINDING.tooltip) <= 48
    for screen in (RunsScreen, CompareScreen, DatasetsScreen, ProfileScreen, DiffScreen,
                   ModelsScreen, DriftScreen):
        rows = {row.action: row for row in screen.help_rows()}
        assert rows["export_view"].keys == "^s, e", screen  # as the footer names ctrl+s
