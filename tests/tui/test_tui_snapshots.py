"""SVG snapshot tests of the home screen and run detail at 80x24 and 160x48 on a fixed catalog.

The fixture catalog lives at a fixed path (paths are shown in the detail screen) and every
timestamp in it is fixed, so the pictures do not depend on when or where the tests run. Every
checkout on a machine shares that path, so a test holds a lock on it while it builds the
catalog and takes its picture (another test session cannot rebuild it underneath).
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from _runfolders import build_catalog
from _tui import runs_loaded, shows, wait_for, write_fixture_runs

from workbench.tui.app import make_app

SNAP_ROOT = Path("/tmp/wb-tui-snapshots")


@contextlib.contextmanager
def fixed_catalog(name: str) -> Iterator[Path]:
    """The fixture catalog at SNAP_ROOT/name, this session's alone while the block runs."""
    SNAP_ROOT.mkdir(parents=True, exist_ok=True)
    with open(SNAP_ROOT / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = SNAP_ROOT / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        db, _root = build_catalog(folder, write_fixture_runs)
        yield db


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
def test_home_snapshot(snap_compare, size) -> None:
    with fixed_catalog(f"home-{size[0]}") as db:
        app = make_app(db, roots_watch=False)
        assert snap_compare(app, terminal_size=size, run_before=_home_ready)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_detail_snapshot(snap_compare, size) -> None:
    with fixed_catalog(f"detail-{size[0]}") as db:
        app = make_app(db, roots_watch=False)
        assert snap_compare(app, terminal_size=size, run_before=_detail_ready)
