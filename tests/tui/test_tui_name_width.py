"""The runs table's name column: capped at 80 columns so the metrics show, as wide as the
names on a wide terminal, and refitted when the terminal is resized."""

from __future__ import annotations

from pathlib import Path

import pytest
from _runfolders import build_catalog, write_run
from _tui import runs_loaded, screen_text, shows, wait_for, write_fixture_runs

from workbench.tui.app import make_app
from workbench.tui.runs_view import NAME_MAX_WIDTH, NAME_WIDTH, name_width

pytestmark = pytest.mark.anyio

LONG_NAME = "breast_cancer-l2-lr0.001-a0.0001-seed42-final-[red]x[/]"


@pytest.fixture(scope="module")
def long_name_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def runs(root: Path) -> list[Path]:
        folders = write_fixture_runs(root)
        folders.append(write_run(root, "run-long", name=LONG_NAME, start=1767225600.0 + 9 * 3600,
                                 metrics={"acc": [0.99]}))
        return folders

    db, _root = build_catalog(tmp_path_factory.mktemp("tui-names"), runs)
    return db


def name_column_width(app) -> int:
    screen = app.screen
    return screen.table.ordered_columns[screen.display_columns.index("name")].render_width


async def test_wide_terminal_shows_the_whole_name_and_narrow_caps_it(long_name_db: Path) -> None:
    app = make_app(long_name_db, roots_watch=False)
    async with app.run_test(size=(200, 40)) as pilot:
        assert await runs_loaded(pilot, 7)
        assert await wait_for(pilot, lambda: name_column_width(app) == len(LONG_NAME) + 2)
        assert await shows(pilot, LONG_NAME, "0.99")  # literally, and the metric still fits
        await pilot.resize_terminal(80, 24)
        assert await wait_for(pilot, lambda: name_column_width(app) == NAME_WIDTH + 2)
        assert await shows(pilot, LONG_NAME[: NAME_WIDTH - 1] + "…", "0.99")
        assert LONG_NAME not in screen_text(app)
        await pilot.resize_terminal(200, 40)
        assert await wait_for(pilot, lambda: name_column_width(app) == len(LONG_NAME) + 2)


def test_name_width_gives_metrics_the_room_first() -> None:
    # at 80 columns with many other columns the name keeps its cap
    assert name_width(60, others=300, table_width=80) == NAME_WIDTH
    # a short name never takes more than it needs
    assert name_width(10, others=0, table_width=200) == 10
    # a wide table: a third of it even when the other columns would take everything
    assert name_width(100, others=500, table_width=200) == (200 - 2) // 3
    # what the other columns leave free
    assert name_width(200, others=40, table_width=150) == 150 - 2 - 40 - 2
    # never wider than the limit, nor before the table has a size
    assert name_width(500, others=0, table_width=1000) == NAME_MAX_WIDTH
    assert name_width(60, others=0, table_width=None) == NAME_WIDTH
