"""What the screens say when there is nothing to show, and keys a footer offers only when they
do something: the run detail's empty artifacts, the metrics' headers over their numbers, the
dataset screens, the profile and drift screens' Cancel, the lineage's Previous, the models
screen without models."""

from __future__ import annotations

from pathlib import Path

import pytest
from _runfolders import build_catalog
from _tui import (
    notifications,
    runs_loaded,
    screen_text,
    shows,
    wait_for,
    write_dataset_versions,
    write_fixture_runs,
)

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


def footer_line(app) -> str:
    return screen_text(app).splitlines()[-1]


def write_decimal_data(tmp_path: Path, db: Path, sizes: tuple[int, ...] = (90, 100)) -> None:
    """A CSV whose histogram edges are floats with long representations (0.1 steps), one
    version per size, registered in the catalog."""
    import os
    import time

    from workbench.catalog.connection import Catalog
    from workbench.datasets.scan import scan_paths

    table = tmp_path / "data" / "decimals.csv"
    table.parent.mkdir()
    for version, n in enumerate(sizes, start=1):
        table.write_text("x,y\n" + "".join(f"{0.2 + 0.1 * i},{i % 7}\n" for i in range(n)))
        old = time.time() - 60.0 * (3 - version)  # files written just now are not fingerprinted
        os.utime(table, (old, old))
        scan_paths(Catalog(db), [table])


async def test_dataset_screens_read_as_numbers_people_write(tmp_path: Path) -> None:
    """The profile's histogram labelled its axis 24.765945000000002; the diff showed null rates
    as 0 where the profile says 0.0%; one version was "1 versions"."""
    import re

    from workbench.tui.screens.dataset_detail import DiffScreen, ProfileScreen
    from workbench.tui.screens.datasets import DatasetsScreen

    db, _root = build_catalog(tmp_path, write_fixture_runs)
    write_decimal_data(tmp_path, db)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen)
                              and len(app.screen.versions) == 2)
        datasets = app.screen
        assert await shows(pilot, "decimals · 2 versions")
        await pilot.press("p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen)
                              and app.screen.state == "done" and app.screen.plotted == "x")
        await pilot.pause()
        long_numbers = re.findall(r"\d+\.\d{6,}", screen_text(app))
        assert not long_numbers, long_numbers
        assert await shows(pilot, "0.2", "10.1")  # the first and last edges, as written
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is datasets)
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen) and app.screen.diff)
        row = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith("y "))
        assert row.split()[1] == "0.0%", row  # only the version profiled above has a null rate


async def test_one_version_is_not_versions(tmp_path: Path) -> None:
    from workbench.tui.screens.datasets import DatasetsScreen

    db, _root = build_catalog(tmp_path, write_fixture_runs)
    write_decimal_data(tmp_path, db, sizes=(50,))
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen) and app.screen.versions)
        assert await shows(pilot, "decimals · 1 version")
        assert "1 versions" not in screen_text(app)


async def test_footers_offer_keys_only_when_they_do_something(tmp_path: Path) -> None:
    """An empty catalog: the datasets screen offered Profile, Diff and Lineage and the models
    screen Promote, History, Lineage, Drift and Rollback, none of which could do anything
    (Promote said "choose a version to promote" with no model to choose)."""
    from workbench.tui.screens.datasets import DatasetsScreen
    from workbench.tui.screens.models import ModelsScreen

    app = make_app(tmp_path / "catalog.duckdb", roots_watch=False)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen))
        assert await shows(pilot, "No datasets yet.")
        footer = footer_line(app)
        assert "Back" in footer
        assert not {"Profile", "Diff", "Lineage"} & set(footer.split()), footer
        await pilot.press("escape", "m")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen)
                              and app.screen.overview is not None)
        assert await shows(pilot, "No models registered yet")
        footer = footer_line(app)
        assert "Back" in footer
        assert not {"Promote", "History", "Lineage", "Drift", "Rollback"} & set(footer.split()), footer
        await pilot.press("p")
        await pilot.pause()
        assert not notifications(app), notifications(app)


async def test_cancel_shows_only_while_there_is_something_to_stop(tmp_path: Path) -> None:
    """The profile's Cancel stayed in the footer once the profile was done (the lineage's
    Previous before any walk: tests/datasets/test_datasets_tui.py)."""
    from workbench.tui.screens.dataset_detail import ProfileScreen
    from workbench.tui.screens.datasets import DatasetsScreen

    db, _root = build_catalog(tmp_path, write_fixture_runs)
    write_dataset_versions(tmp_path, db)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 24)) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen) and app.screen.versions)
        assert "Profile" in footer_line(app)
        await pilot.press("p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen)
                              and app.screen.state == "done")
        profile = app.screen
        assert await shows(pilot, "Recompute")
        assert "Cancel" not in footer_line(app)
        profile._set_state("loading")  # as while a profile is computed
        assert await shows(pilot, "Cancel")
        profile._set_state("done")
        await pilot.pause()
        assert "Cancel" not in footer_line(app)
