"""SVG snapshot tests of the home screen and run detail at 80x24 and 160x48 on a fixed catalog.

Every timestamp in the fixture catalog is fixed, and each test builds it in its own temporary
folder; the one place that folder would show (the run's path in the detail screen) is shown
under a fixed name instead, so the pictures do not depend on when or where the tests run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from _runfolders import build_catalog
from _tui import runs_loaded, shows, wait_for, write_fixture_runs

from workbench.tui import service
from workbench.tui.app import make_app

#: The folder the pictures show in place of each test's own temporary folder (nothing is
#: created or read there: it is only the text on screen, the same in every checkout).
SHOWN_ROOT = "/tmp/wb-tui-snapshots"


def fixed_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    """The fixture catalog, built in tmp_path/name and shown as if in SHOWN_ROOT/name."""
    folder = tmp_path / name
    folder.mkdir()
    db, _root = build_catalog(folder, write_fixture_runs)
    real_get_run = service.get_run

    def get_run(catalog, run_id):
        detail = real_get_run(catalog, run_id)
        if detail.path and detail.path.startswith(str(folder)):
            shown = f"{SHOWN_ROOT}/{name}{detail.path[len(str(folder)):]}"
            detail = dataclasses.replace(detail, path=shown)
        return detail

    monkeypatch.setattr(service, "get_run", get_run)
    return db


async def _home_ready(pilot) -> None:
    assert await runs_loaded(pilot, 6)
    tree = pilot.app.screen.query_one("#projects")
    assert await wait_for(pilot, lambda: len(tree.root.children) == 2)
    assert await wait_for(pilot, lambda: pilot.app.focused is pilot.app.screen.table)
    # the footer re-reads the bindings of the focused widget a moment later; glyphs painted
    assert await shows(pilot, "Open", "✓", "✗")


async def _detail_ready(pilot) -> None:
    from workbench.tui.screens.detail import RunDetailScreen

    await _home_ready(pilot)
    await pilot.press("down", "down", "enter")  # cnn-small
    assert await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, RunDetailScreen) and pilot.app.screen.data is not None,
    )
    assert await shows(pilot, "cnn-small", "run-mnist-a", "Params")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_home_snapshot(snap_compare, tmp_path, monkeypatch, size) -> None:
    app = make_app(fixed_catalog(tmp_path, monkeypatch, f"home-{size[0]}"), roots_watch=False)
    assert snap_compare(app, terminal_size=size, run_before=_home_ready)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_detail_snapshot(snap_compare, tmp_path, monkeypatch, size) -> None:
    app = make_app(fixed_catalog(tmp_path, monkeypatch, f"detail-{size[0]}"), roots_watch=False)
    assert snap_compare(app, terminal_size=size, run_before=_detail_ready)
