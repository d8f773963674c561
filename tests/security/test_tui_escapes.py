"""No byte from a run folder or a data file reaches the terminal as a control sequence in the
app: every screen opened on an escape-laden run renders escapes as visible text."""

from __future__ import annotations

from pathlib import Path

import pytest
from _escapes import (
    DATASET,
    EVIL,
    METRIC,
    MODEL,
    OTHER_ID,
    RUN_ID,
    escape_catalog,
    raw_controls,
    reference_csv,
)
from _tui import notifications, wait_for
from click.testing import CliRunner

from workbench.cli.main import cli

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("tui-escapes")
    db, root = escape_catalog(tmp)
    result = CliRunner().invoke(
        cli, ["--db", str(db), "models", "register", RUN_ID[:8], "clean-name", "--model", MODEL,
              "--reason", f"why{EVIL}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {"db": db, "root": root, "data": next(root.rglob("data.csv")),
            "reference": reference_csv(tmp)}  # fmt: skip


def rendered(app) -> str:
    """Every segment of the active screen (and its toasts, tooltips, title bars), as text."""
    return "\n".join(
        "".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()
    )


def _app(db: Path):
    from workbench.tui.app import WorkbenchApp

    return WorkbenchApp(db, roots_watch=False)


def settled(app) -> bool:
    """No worker running and nothing on the screen still loading."""
    if any(worker.is_running for worker in app.workers):
        return False
    return not any(node.loading for node in app.screen.query("*"))


async def _check(pilot, label: str, leaks: dict[str, list[str]], ready=None) -> None:
    await wait_for(pilot, ready or (lambda: settled(pilot.app)))
    await wait_for(pilot, lambda: settled(pilot.app))
    found = raw_controls(rendered(pilot.app))
    title = raw_controls(f"{pilot.app.title}{pilot.app.sub_title}{pilot.app.screen.title}"
                         f"{pilot.app.screen.sub_title}")  # fmt: skip
    if found or title:
        leaks[label] = (found + title)[:3]


#: Screens whose input fields hold the escape-laden text itself (a query typed with it, file
#: paths through the run folder): an input shows what it holds, so only the app's line filter
#: (workbench.tui.safety) keeps those characters off the terminal.
TYPED = {"sql error", "drift", "drift column", "toast"}


@pytest.mark.parametrize("line_filter", [True, False], ids=["app", "widgets-alone"])
async def test_every_screen_shows_escapes_as_text(world, line_filter, monkeypatch) -> None:
    """With the app's line filter, nothing leaks anywhere; without it, the widgets' own
    printable() calls already keep every screen clean but for the input fields (TYPED)."""
    from workbench.tui import safety
    from workbench.tui.screens.compare import CompareScreen
    from workbench.tui.screens.dataset_detail import DiffScreen, ProfileScreen
    from workbench.tui.screens.datasets import DatasetsScreen
    from workbench.tui.screens.detail import RunDetailScreen
    from workbench.tui.screens.drift import DriftScreen
    from workbench.tui.screens.help import HelpScreen
    from workbench.tui.screens.lineage import LineageScreen
    from workbench.tui.screens.model_dialogs import PromoteDialog
    from workbench.tui.screens.models import HistoryScreen, ModelsScreen
    from workbench.tui.screens.pickers import ColumnsScreen, GroupScreen
    from workbench.tui.screens.runs import RunsScreen
    from workbench.tui.screens.sql import SqlScreen

    if not line_filter:
        monkeypatch.setattr(safety, "install", lambda app: None)
    leaks: dict[str, list[str]] = {}
    app = _app(world["db"])
    async with app.run_test(size=(160, 50)) as pilot:
        await _check(pilot, "runs", leaks, lambda: isinstance(app.screen, RunsScreen)
                     and app.screen.frame is not None and app.screen.table.row_count == 2)
        runs = app.screen
        columns = list(runs.frame.columns)
        await app.push_screen(ColumnsScreen(columns, set()))
        await _check(pilot, "columns picker", leaks)
        app.pop_screen()
        await app.push_screen(GroupScreen([c for c in columns if c.startswith("params.")], None))
        await _check(pilot, "group picker", leaks)
        app.pop_screen()

        detail = RunDetailScreen(app.catalog, RUN_ID)
        await app.push_screen(detail)
        await _check(pilot, "detail", leaks, lambda: detail.data is not None)
        for tab in ("2", "3", "4", "6", "5"):
            await pilot.press(tab)
            await _check(pilot, f"detail tab {tab}", leaks)
        for _ in detail.data.artifacts:  # preview each artifact
            await pilot.press("enter")
            await _check(pilot, "artifact preview", leaks)
            await pilot.press("down")
        await app.push_screen(HelpScreen(detail))
        await _check(pilot, "help", leaks)
        app.pop_screen()
        app.pop_screen()

        await app.push_screen(CompareScreen(app.catalog, [RUN_ID, OTHER_ID]))
        await _check(pilot, "compare", leaks, lambda: app.screen.table is not None)
        await pilot.press("v")
        await _check(pilot, "compare view", leaks)
        app.pop_screen()

        sql = SqlScreen(app.catalog, history_file=world["db"].parent / "history.sql")
        await app.push_screen(sql)
        for query in ("SELECT * FROM runs_view", "SELECT * FROM params_view",
                      f"SELECT * FROM \"{METRIC}\""):  # the last one is an error naming it
            sql.editor.load_text(query)
            await pilot.press("ctrl+r")
            label = "sql error" if METRIC in query else f"sql {query}"
            await _check(pilot, label, leaks, lambda: not sql.running)
        app.pop_screen()

        for screen in (DatasetsScreen(app.catalog), ProfileScreen(app.catalog, f"{DATASET}@1"),
                       DiffScreen(app.catalog, f"{DATASET}@1", f"{DATASET}@1"),
                       LineageScreen(app.catalog, RUN_ID), LineageScreen(app.catalog, DATASET),
                       ModelsScreen(app.catalog), HistoryScreen(app.catalog, "clean-name"),
                       PromoteDialog(app.catalog, "clean-name", 1)):  # fmt: skip
            await app.push_screen(screen)
            await _check(pilot, type(screen).__name__, leaks)
            app.pop_screen()

        drift = DriftScreen(app.catalog, str(world["reference"]), str(world["data"]))
        await app.push_screen(drift)
        await pilot.press("ctrl+r")
        await _check(pilot, "drift", leaks, lambda: drift.report is not None and not drift.running)
        await pilot.press("t", "down")
        await _check(pilot, "drift column", leaks)
        app.notify(f"a toast {EVIL}")  # what report_failure and friends show
        await _check(pilot, "toast", leaks)
    if not line_filter:
        leaks = {label: found for label, found in leaks.items() if label not in TYPED}
    assert leaks == {}, "\n".join(f"{k}: {v}" for k, v in leaks.items())


async def test_escapes_are_shown_as_text_not_dropped(world) -> None:
    """What the walk checks is shown, readably: the escapes appear as their text."""
    from workbench.tui.screens.compare import CompareScreen
    from workbench.tui.screens.detail import RunDetailScreen
    from workbench.tui.screens.runs import RunsScreen

    app = _app(world["db"])
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and settled(app)
                       and app.screen.table.row_count == 2)  # fmt: skip
        assert "name\\x1b]52;c;" in rendered(app)
        table = app.screen.table  # the uint64 seed reaches the table exact (not as Int64)
        assert any(2**64 - 1 in table.get_row_at(row) for row in range(table.row_count))
        detail = RunDetailScreen(app.catalog, RUN_ID)
        await app.push_screen(detail)
        await wait_for(pilot, lambda: detail.data is not None and settled(app))
        assert "p\\x1b]52;c;cHduZWQ=\\x07" in rendered(app)  # a param's value
        await pilot.press("4")
        await wait_for(pilot, lambda: "# notes \\x1b]52" in rendered(app))
        await pilot.press("e")  # editing would write the escapes' text into notes.md: refused
        await wait_for(pilot, lambda: any("control characters" in m for m in notifications(app)))
        assert detail.query_one("#notes").read_only
        await pilot.press("5")
        await wait_for(pilot, lambda: settled(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "preview \\x1b]52" in rendered(app))
        app.pop_screen()
        await app.push_screen(CompareScreen(app.catalog, [RUN_ID, OTHER_ID]))
        await wait_for(pilot, lambda: "name\\x1b]52" in rendered(app))  # the run's label


async def test_the_line_filter_keeps_a_raw_widget_off_the_terminal_at_its_width() -> None:
    from _tui import ScreenHost
    from textual.screen import Screen
    from textual.widgets import Static

    from workbench.tui import safety

    class Raw(Screen):
        def compose(self):
            yield Static(f"a{EVIL}b|", markup=False, id="raw")

    app = ScreenHost(Raw)
    safety.install(app)
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: "a\\x1b" in rendered(app))
        lines = app.screen._compositor.render_strips()
        assert raw_controls(rendered(app)) == []
        assert all(strip.cell_length == 40 for strip in lines)
