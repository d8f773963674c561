"""Keys are declared once (every screen's help lists exactly its bindings, the palette offers
each action) and screens keep their styles in .tcss files that ship with the package."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from _runfolders import build_catalog
from _tui import (
    check_help,
    runs_loaded,
    screen_text,
    shows,
    wait_for,
    write_dataset_versions,
    write_fixture_runs,
)
from textual.binding import Binding

import workbench.tui.screens
from workbench.tui.app import WorkbenchApp, make_app
from workbench.tui.commands import screen_commands
from workbench.tui.keys import bindings_help, key_label
from workbench.tui.screens.base import WorkbenchScreen


def workbench_screens() -> list[type[WorkbenchScreen]]:
    """Every screen of the app (each module under workbench.tui.screens, imported)."""
    for info in pkgutil.iter_modules(workbench.tui.screens.__path__):
        importlib.import_module(f"workbench.tui.screens.{info.name}")
    found, todo = [], list(WorkbenchScreen.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


SCREENS = workbench_screens()


def test_the_app_has_its_screens() -> None:
    names = {cls.__name__ for cls in SCREENS}
    assert {"RunsScreen", "RunDetailScreen", "CompareScreen", "SqlScreen"} <= names
    assert {"DatasetsScreen", "ProfileScreen", "DiffScreen", "LineageScreen"} <= names
    # the model registry's screen, its history and its dialogs follow the same rules
    assert {"ModelsScreen", "HistoryScreen", "PromoteDialog", "RollbackDialog"} <= names


@pytest.mark.parametrize("screen", SCREENS, ids=lambda c: c.__name__)
def test_help_lists_exactly_the_bindings(screen: type[WorkbenchScreen]) -> None:
    bindings = list(Binding.make_bindings(screen.BINDINGS))
    assert all(b.tooltip for b in bindings), "every key says what it does (tooltip=...)"
    rows = screen.help_rows()
    assert [r.action for r in rows] == list(dict.fromkeys(b.action for b in bindings))
    for row in rows:
        keys = [key_label(b) for b in bindings if b.action == row.action]
        assert row.keys == ", ".join(dict.fromkeys(keys))
        assert row.title == next(b.tooltip for b in bindings if b.action == row.action)
    assert screen.HELP_TITLE


@pytest.mark.parametrize("screen", SCREENS, ids=lambda c: c.__name__)
def test_palette_offers_every_action(screen: type[WorkbenchScreen]) -> None:
    offered = {row.action for row in screen_commands(screen)}
    assert {b.action for b in Binding.make_bindings(screen.BINDINGS)} <= offered
    assert {p.action for p in screen.PALETTE_ONLY} <= offered
    for action in offered:  # every action the palette offers exists on the screen
        assert callable(getattr(screen, f"action_{action.split('(')[0]}", None)), action


def test_key_labels_read_like_the_footer() -> None:
    rows = bindings_help([
        Binding("slash", "search", "Search", key_display="/"),
        Binding("ctrl+s", "save", "Save", tooltip="Save it"),
        Binding("escape,q", "back", "Back"),
        Binding("x", "hidden", ""),
    ])
    assert [(r.keys, r.title, r.action) for r in rows] == [
        ("/", "Search", "search"), ("^s", "Save it", "save"), ("esc, q", "Back", "back"),
    ]


@pytest.mark.parametrize("screen", SCREENS, ids=lambda c: c.__name__)
def test_help_names_each_key_as_the_footer_does(screen: type[WorkbenchScreen], tmp_path: Path) -> None:
    """The footer says ^s; the help screen, the palette and every hint say ^s too (they said
    ctrl+s beside a footer that said ^s)."""
    app = make_app(tmp_path / "catalog.duckdb", roots_watch=False)
    for binding in Binding.make_bindings([*screen.BINDINGS, *WorkbenchApp.BINDINGS]):
        assert key_label(binding) == app.get_key_display(binding), binding.key


@pytest.mark.anyio
async def test_help_says_what_the_caret_means_and_names_panes_in_words(tmp_path: Path) -> None:
    db, _root = build_catalog(tmp_path, write_fixture_runs)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 60)) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("question_mark")
        assert await shows(pilot, "^ is the ctrl key", "Move to the next pane or field")
        assert "Focus Next" not in screen_text(app)


@pytest.mark.anyio
async def test_help_of_each_screen_shows_its_keys(tmp_path: Path) -> None:
    from workbench.tui.screens.compare import CompareScreen
    from workbench.tui.screens.detail import RunDetailScreen
    from workbench.tui.screens.sql import SqlScreen

    db, _root = build_catalog(tmp_path, write_fixture_runs)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 60)) as pilot:
        assert await runs_loaded(pilot, 6)
        runs = app.screen
        await check_help(pilot, runs)
        await pilot.press("enter")
        assert await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen) and app.screen.data)
        await check_help(pilot, app.screen)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is runs)
        await pilot.press("space", "space", "c")
        assert await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.table)
        await check_help(pilot, app.screen)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is runs)
        await pilot.press("s")
        assert await wait_for(pilot, lambda: isinstance(app.screen, SqlScreen))
        app.screen.set_focus(None)  # ? in the editor is a character of the query
        await check_help(pilot, app.screen)


def test_everywhere_lists_the_app_keys() -> None:
    actions = {row.action for row in bindings_help(WorkbenchApp.BINDINGS)}
    assert {"help", "back", "quit", "pop"} == actions


def test_every_stylesheet_is_package_data() -> None:
    """Screens name their .tcss beside their module; hatch ships those files in the wheel."""
    import inspect

    from workbench.tui.screens.help import HelpScreen
    from workbench.tui.screens.pickers import ColumnsScreen, GroupScreen
    from workbench.tui.screens.sql import ExportScreen

    for cls in [WorkbenchApp, HelpScreen, ColumnsScreen, GroupScreen, ExportScreen, *SCREENS]:
        assert cls.CSS_PATH, cls
        folder = Path(inspect.getfile(cls)).parent
        assert (folder / cls.CSS_PATH).is_file(), cls
        assert not cls.__dict__.get("DEFAULT_CSS"), f"{cls.__name__}: screen CSS goes in a .tcss file"


@pytest.mark.anyio
async def test_help_of_the_dataset_screens_shows_their_keys(tmp_path: Path) -> None:
    from workbench.tui.screens.dataset_detail import DiffScreen, ProfileScreen
    from workbench.tui.screens.datasets import DatasetsScreen
    from workbench.tui.screens.lineage import LineageScreen

    db, _root = build_catalog(tmp_path, write_fixture_runs)
    write_dataset_versions(tmp_path, db)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(120, 60)) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DatasetsScreen)
                              and len(app.screen.versions) == 2)
        datasets = app.screen
        await check_help(pilot, datasets)
        await pilot.press("p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen)
                              and app.screen.state == "done")
        await check_help(pilot, app.screen)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is datasets)
        await pilot.press("d")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen) and app.screen.diff)
        await check_help(pilot, app.screen)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is datasets)
        await pilot.press("l")
        assert await wait_for(pilot, lambda: isinstance(app.screen, LineageScreen) and app.screen.graph)
        await check_help(pilot, app.screen)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda c: c.__name__)
def test_reading_again_has_one_name_everywhere(screen: type[WorkbenchScreen]) -> None:
    from workbench.tui.keys import REFRESH

    bindings = list(Binding.make_bindings(screen.BINDINGS))
    for b in bindings:
        if b.action == "reload":
            assert (b.key, b.description) == ("r", REFRESH)
        # neither the footer, the help nor the palette says "reload" for it
        assert "reload" not in f"{b.description} {b.tooltip}".lower(), b
    for row in screen_commands(screen):
        assert "reload" not in row.title.lower(), row
