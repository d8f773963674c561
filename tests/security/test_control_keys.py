"""A NUL or another control character in a metric, param or tag key (written by some other
program: the tracking API refuses them) does not break the app or the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from _runfolders import build_catalog, write_run
from _tui import wait_for
from click.testing import CliRunner

from workbench.cli.main import cli

pytestmark = pytest.mark.anyio

KEYS = {"metrics": {"a\x00b": [1.0, 2.0], "c\x01d": [3.0], "ok": [1.0]},
        "params": {"p\x00q": 1, "r\x1bs": "x\x00y"}, "tags": {"t\x00": "v\x00"}}  # fmt: skip


def _write(root: Path) -> None:
    write_run(root, "nul00001", name="nul", start=1767225600.0, **KEYS)
    write_run(root, "nul00002", name="other", start=1767225700.0, metrics={"a\x00b": [0.5]})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_catalog(tmp_path, _write)[0]


async def test_the_app_shows_runs_with_control_characters_in_keys(db) -> None:
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.compare import CompareScreen
    from workbench.tui.screens.detail import RunDetailScreen
    from workbench.tui.screens.runs import RunsScreen

    app = WorkbenchApp(db, roots_watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen)
                       and app.screen.table.row_count == 2)  # fmt: skip
        runs = app.screen
        assert any("a\x00b" in c for c in runs.frame.columns)
        await pilot.press("o", "o", "o", "o", "o")  # sort through the columns, the keys among them
        await wait_for(pilot, lambda: runs.table.row_count == 2)
        detail = RunDetailScreen(app.catalog, "nul00001")
        await app.push_screen(detail)
        await wait_for(pilot, lambda: detail.data is not None)
        for tab in "2356":
            await pilot.press(tab)
        await pilot.pause()
        app.pop_screen()
        compare = CompareScreen(app.catalog, ["nul00001", "nul00002"])
        await app.push_screen(compare)
        await wait_for(pilot, lambda: compare.table is not None)
        assert any(key == "a\x00b" for _, key, _ in compare.table.rows)
    assert app.return_code in (None, 0)


def test_the_cli_shows_them(db) -> None:
    runner = CliRunner()
    for args in (["runs"], ["runs", "--json"], ["runs", "--csv"], ["show", "nul00001"],
                 ["metrics", "nul00001"], ["compare", "nul00001", "nul00002"]):  # fmt: skip
        result = runner.invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
        assert "\x00" not in result.stdout
