"""The runs screen's status line: a loading state before the first load, and a count (with a
hint) only once a load has finished."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from _runfolders import build_catalog
from _tui import runs_loaded, screen_text, shows, wait_for, write_fixture_runs

from workbench.tui import service
from workbench.tui.app import make_app

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db, _root = build_catalog(tmp_path_factory.mktemp("tui-status"), write_fixture_runs)
    return db


def status_line(app) -> str:
    return str(app.screen.query_one("#status-line").render())


async def test_loading_state_until_the_runs_arrive(fixture_db: Path, monkeypatch) -> None:
    release = threading.Event()
    real_list_runs = service.list_runs

    def slow_list_runs(*args, **kwargs):
        release.wait(60)  # held until the test has seen the loading state
        return real_list_runs(*args, **kwargs)

    monkeypatch.setattr(service, "list_runs", slow_list_runs)
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            assert await wait_for(pilot, lambda: "Loading runs" in status_line(app))
            assert await shows(pilot, "Loading runs")
            assert "0 runs" not in screen_text(app)
        finally:
            release.set()
        assert await runs_loaded(pilot, 6)
        assert await wait_for(pilot, lambda: status_line(app).startswith("6 runs"))
        assert "Loading" not in status_line(app)


async def test_zero_runs_only_after_a_load_and_with_a_hint(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=(160, 30)) as pilot:
        assert await runs_loaded(pilot, 6)
        app.screen.query_spec.filter = "metrics.acc > 5"
        app.screen.load_runs()
        assert await runs_loaded(pilot, 0)
        assert await wait_for(pilot, lambda: status_line(app).startswith("0 runs"))
        assert "no runs match (ctrl+p: Clear filter and search)" in status_line(app)
        app.screen.action_clear_filter()
        assert await runs_loaded(pilot, 6)
        assert await wait_for(pilot, lambda: "no runs match" not in status_line(app))


async def test_a_project_with_no_runs_says_how_to_find_them(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=(160, 30)) as pilot:
        assert await runs_loaded(pilot, 6)
        app.screen.query_spec.project = "no-such-project"
        app.screen.load_runs()
        assert await runs_loaded(pilot, 0)
        assert await wait_for(pilot, lambda: "re-scans the run folders" in status_line(app))
