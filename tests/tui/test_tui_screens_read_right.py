"""What the screens say when there is nothing to show, and keys a footer offers only when they
do something: the run detail's empty artifacts, the metrics' headers over their numbers, the
dataset screens, the profile and drift screens' Cancel, the lineage's Previous, the models
screen without models."""

from __future__ import annotations

from pathlib import Path

import pytest
from _runfolders import build_catalog
from _tui import runs_loaded, screen_text, shows, wait_for, write_dataset_versions, write_fixture_runs

from workbench.tui.app import make_app
from workbench.tui.screens.detail import RunDetailScreen

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db, _root = build_catalog(tmp_path_factory.mktemp("tui-read-right"), write_fixture_runs)
    return db


def footer_keys(app) -> set[str]:
    """The actions the footer offers on the active screen (shown bindings that are enabled)."""
    screen = app.screen
    return {
        binding.action
        for _key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items()
        if binding.show and enabled and screen.check_action(binding.action, binding.parameters) is not False
    }


async def open_detail(pilot, downs: int) -> RunDetailScreen:
    """The detail of the run `downs` rows below the cursor."""
    assert await runs_loaded(pilot, 6)
    await pilot.press(*["down"] * downs, "enter")
    app = pilot.app
    assert await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen) and app.screen.data)
    return app.screen


async def test_a_run_without_files_says_so_on_the_artifacts_tab(fixture_db: Path) -> None:
    """It said "Select a file to view it." beside a list with nothing to select."""
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, 1)  # cnn-big: no artifacts
        await pilot.press("5")
        assert await shows(pilot, "no artifacts", "This run saved no files")
        assert "Select a file" not in screen_text(app)
        await pilot.press("escape")
        await open_detail(pilot, 1)  # cnn-small, the row below: plot.png
        await pilot.press("5")
        assert await shows(pilot, "plot.png", "Select a file to view it.")


async def test_metric_headers_stand_over_their_numbers(fixture_db: Path) -> None:
    """Numbers are right-aligned; their headers were left-aligned, and a short number (a step
    of 2) sat at the left of a wider header."""
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, 2)  # cnn-small: acc and val_loss, 3 points each
        await pilot.press("2")
        assert await shows(pilot, "val_loss", "points")
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "points" in line and "latest" in line)
        row = next(line for line in lines if line.lstrip().startswith("val_loss"))
        for label, value in (("latest", "0.15"), ("step", "2"), ("points", "3")):
            end = header.index(label) + len(label)
            assert row[end - len(value):end] == value, (label, header, row)
