"""A worker's failure is reported once, literally, and never takes the app down: a user error
(WorkbenchError) as its sentence, anything else with its type, and logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from _runfolders import build_catalog
from _tui import ScreenHost, wait_for, write_fixture_runs

from workbench.catalog.connection import Catalog
from workbench.tui import service
from workbench.tui.screens.detail import RunDetailScreen

pytestmark = pytest.mark.anyio


def notifications(app) -> list[tuple[str, str]]:
    return [(str(n.title), str(n.message)) for n in app._notifications]


async def test_unknown_run_is_a_notification_shown_literally(tmp_path: Path) -> None:
    db, _root = build_catalog(tmp_path, write_fixture_runs)
    app = ScreenHost(lambda: RunDetailScreen(Catalog(db), "[red]nope[/]"))
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(pilot, lambda: notifications(app))
        (title, message), = notifications(app)
        assert title == "could not load the run"
        assert "[red]nope[/]" in message and "Error" not in message
        assert not any(n.markup for n in app._notifications)  # shown as written, brackets too
        assert not app.screen.query_one("TabbedContent").loading
        assert app.is_running


async def test_unexpected_error_names_its_type_and_is_logged(tmp_path, monkeypatch, caplog) -> None:
    def broken(catalog, run_id):
        raise RuntimeError("[b]boom[/b]")

    monkeypatch.setattr(service, "get_run", broken)
    db, _root = build_catalog(tmp_path, write_fixture_runs)
    app = ScreenHost(lambda: RunDetailScreen(Catalog(db), "run-iris-a"))
    with caplog.at_level(logging.ERROR, logger="workbench.tui"):
        async with app.run_test(size=(100, 30)) as pilot:
            assert await wait_for(pilot, lambda: notifications(app))
            assert notifications(app) == [("could not load the run", "RuntimeError: [b]boom[/b]")]
            assert app.is_running
    (record,) = [r for r in caplog.records if r.name == "workbench.tui"]
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
