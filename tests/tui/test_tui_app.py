"""Pilot tests of the terminal app: press keys, assert on what the screen shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _runfolders import build_catalog, write_run
from _tui import runs_loaded, screen_text, shows, wait_for, write_fixture_runs

from workbench.tui.app import make_app
from workbench.tui.screens.detail import RunDetailScreen
from workbench.tui.screens.runs import RunsScreen
from workbench.tui.widgets.filter_bar import FilterBar

pytestmark = pytest.mark.anyio

SIZE = (120, 36)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db, _root = build_catalog(tmp_path_factory.mktemp("tui-fixture"), write_fixture_runs)
    return db


def names(app) -> list[str]:
    screen = app.screen
    col = screen.display_columns.index("name")
    return [row[col] for row in screen.table.row_texts()]


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def test_home_lists_runs_newest_first(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        assert names(app) == [
            "cnn-crashed",
            "cnn-big",
            "cnn-small",
            "svm-lr-1",
            "logreg-lr-0.01",
            "svm-lr-0.1",
        ]
        # finished, failed, stale: the glyphs are painted a moment after the rows arrive
        assert await shows(pilot, "6 runs", "✓", "✗", "?", "mnist", "iris")


async def test_sort_cycles_and_reverses(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        for _ in range(10):
            if app.screen.state.sort == "name":
                break
            await pilot.press("o")
        assert app.screen.state.sort == "name"
        assert await wait_for(pilot, lambda: names(app) == sorted(names(app)))
        assert await shows(pilot, "sort name ▲")
        await pilot.press("O")
        assert await wait_for(pilot, lambda: names(app) == sorted(names(app), reverse=True))


async def test_sort_by_numeric_param_is_numeric(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        app.screen.sort_by("params.batch")  # what clicking its header does
        # 64 before 256 (as text "256" would come first); runs without a batch go last
        assert await wait_for(pilot, lambda: names(app)[:3] == ["cnn-small", "cnn-crashed", "cnn-big"])


async def test_filter_with_or(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("f")
        await type_text(pilot, "params.model = 'logreg' or params.batch > 100")
        await pilot.press("enter")
        assert await runs_loaded(pilot, 2)
        assert sorted(names(app)) == ["cnn-big", "logreg-lr-0.01"]
        assert await shows(pilot, "filtered")
        assert await wait_for(pilot, lambda: app.screen.focused is app.screen.table)


async def test_filter_syntax_error_shows_caret(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("f")
        await type_text(pilot, "metrics.acc >> 1")
        await pilot.press("enter")
        bar = app.screen.query_one(FilterBar)
        assert await wait_for(pilot, lambda: bar.error_text != "")
        lines = bar.error_text.splitlines()
        assert lines[0] == "✗ metrics.acc >> 1"
        caret = lines[1].index("^")
        # the caret sits under the second '>' (column 14 of the expression)
        assert lines[0][caret] == ">"
        assert "column" in lines[1]
        assert app.screen.table.row_count == 6  # the table is left as it was
        # fixing the expression clears the error
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await type_text(pilot, "> 0.9")
        await pilot.press("enter")
        assert await runs_loaded(pilot, 2)
        assert bar.error_text == ""


async def test_quick_search(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("slash")
        await type_text(pilot, "cnn")
        assert await runs_loaded(pilot, 3)
        assert all(n.startswith("cnn") for n in names(app))


async def test_project_selection(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        tree = app.screen.query_one("#projects")
        assert await wait_for(pilot, lambda: len(tree.root.children) == 2)
        assert await wait_for(pilot, lambda: re.search(r"all projects +6", screen_text(app)))
        assert "iris" in screen_text(app)
        await pilot.press("p")
        await pilot.press("down")  # first project under "all projects"
        await pilot.press("enter")
        assert await runs_loaded(pilot, 3)
        assert app.screen.query_spec.project in ("iris", "mnist")


async def test_mark_and_compare_opens(fixture_db: Path) -> None:
    from workbench.tui.screens.compare import CompareScreen

    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("c")  # nothing marked: a warning, no screen
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("space", "space")
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.state.marked == {"run-mnist-c", "run-mnist-b"})
        assert await wait_for(pilot, lambda: screen.table.column_values(0)[:3] == ["*", "*", ""])
        assert await shows(pilot, "2 marked")
        await pilot.press("c")
        assert await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        assert app.screen.run_ids == ["run-mnist-c", "run-mnist-b"]


async def test_detail_opens_and_shows_params(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("down", "down")  # cnn-small
        await pilot.press("enter")
        assert await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        assert await wait_for(pilot, lambda: app.screen.data is not None)
        assert await shows(pilot, "cnn-small", "run-mnist-a", "batch", "64", "lr")
        assert await shows(pilot, "9fceb02d0ae5 (main)")  # environment: git
        await pilot.press("2")
        assert await shows(pilot, "val_loss", "0.15")
        await pilot.press("5")
        await pilot.press("enter")
        assert await shows(pilot, "width 640", "height 480")
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen))


async def test_notes_save_to_run_folder(tmp_path: Path) -> None:
    db, root = build_catalog(tmp_path, write_fixture_runs)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("end")  # svm-lr-0.1, the oldest, has notes
        await pilot.press("enter")
        assert await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        assert await wait_for(pilot, lambda: app.screen.data is not None)
        await pilot.press("e")
        await type_text(pilot, "works [red]well[/]")
        await pilot.press("ctrl+s")
        notes = root / "iris" / "run-iris-a" / "notes.md"
        assert await wait_for(pilot, lambda: "works" in notes.read_text(encoding="utf-8"))
        assert notes.read_text(encoding="utf-8") == "first try\nworks [red]well[/]"


async def test_live_update_shows_new_run(tmp_path: Path) -> None:
    import time

    db, root = build_catalog(tmp_path, write_fixture_runs)
    app = make_app(db, roots_watch=True, poll_interval=0.3)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("down")
        kept = app.screen.table.current_run_id
        # the watcher is watching once live updates have read the catalog's version
        assert await wait_for(pilot, lambda: app.live.last_version is not None)
        started = time.monotonic()
        write_run(
            root,
            "run-new",
            project="iris",
            name="brand-new",
            start=1767225600.0 + 9 * 3600,
            params={"lr": 0.5},
        )
        assert await runs_loaded(pilot, 7)
        # ingested on the watcher's event (its full periodic pass comes only every 30 s)
        assert time.monotonic() - started < 10.0
        assert names(app)[0] == "brand-new"
        assert app.screen.table.current_run_id == kept  # the cursor stayed on its run


async def test_empty_state(tmp_path: Path) -> None:
    db, _root = build_catalog(tmp_path)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(pilot, lambda: "No runs yet" in screen_text(app))
        text = screen_text(app)
        assert "import workbench" in text and "workbench ingest PATH" in text
        # nothing to filter, sort, mark or compare yet: those stay out of sight
        assert await wait_for(pilot, lambda: "Help" in screen_text(app))  # the footer

        def quiet(text: str) -> bool:
            return "Compare" not in text and "filter:" not in text and "0 runs" not in text

        # The footer re-reads the bindings a moment after the empty state shows: wait for it.
        assert await wait_for(pilot, lambda: quiet(screen_text(app))), screen_text(app)


async def test_empty_state_gives_way_to_the_first_run(tmp_path: Path) -> None:
    db, root = build_catalog(tmp_path)
    app = make_app(db, roots_watch=True, poll_interval=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(pilot, lambda: "No runs yet" in screen_text(app))
        write_run(root, "run-first", name="first-run", metrics={"acc": [0.5]})
        assert await runs_loaded(pilot, 1)
        assert await wait_for(pilot, lambda: "first-run" in screen_text(app))

        def ready(text: str) -> bool:
            return "No runs yet" not in text and "Compare" in text and "1 run" in text

        # The footer shows the run keys again a moment after the first run arrives.
        assert await wait_for(pilot, lambda: ready(screen_text(app))), screen_text(app)


async def test_missing_catalog_is_empty_state(tmp_path: Path) -> None:
    app = make_app(tmp_path / "nothing-here.duckdb", roots_watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(pilot, lambda: "No runs yet" in screen_text(app))


async def test_help_palette_and_copy(fixture_db: Path) -> None:
    from textual.command import CommandPalette

    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("y")
        assert await wait_for(pilot, lambda: app.clipboard == "run-mnist-c")
        await pilot.press("question_mark")
        assert await shows(pilot, "Keys: Runs", "Compare the marked runs")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "choose columns")
        assert await shows(pilot, "Choose columns to show")
        await pilot.press("enter")
        from workbench.tui.screens.pickers import ColumnsScreen

        assert await wait_for(pilot, lambda: isinstance(app.screen, ColumnsScreen))


async def test_hide_column_and_group(fixture_db: Path) -> None:
    from textual.widgets import Checkbox

    from workbench.tui.screens.pickers import ColumnsScreen, GroupScreen

    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        assert "params.model" in app.screen.display_columns
        runs = app.screen
        await pilot.press("v")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ColumnsScreen))
        for box in app.screen.query(Checkbox):
            if box.column_name == "params.model":
                box.value = False
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: "params.model" not in runs.display_columns)
        await pilot.press("g")
        assert await wait_for(pilot, lambda: isinstance(app.screen, GroupScreen))
        app.screen.dismiss("params.batch")
        assert await wait_for(pilot, lambda: runs.display_columns[2:4] == ["name", "params.batch"])
        assert await shows(pilot, "group p:batch")


async def test_quit_leaves_catalog_unlocked(fixture_db: Path) -> None:
    import duckdb

    app = make_app(fixture_db, roots_watch=True, poll_interval=0.2)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        await pilot.press("q")
    con = duckdb.connect(str(fixture_db))  # read-write: fails if anything still holds it
    con.close()


def test_textual_only_imported_by_tui() -> None:
    import subprocess
    import sys

    code = (
        "import sys, workbench.catalog.queries, workbench.ingest, workbench.tui.service, "
        "workbench.tui.runs_view; print(any(m.startswith('textual') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_columns_order_and_project_only_in_all_view(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        cols = app.screen.display_columns
        assert cols[:4] == ["_mark", "status", "name", "project"]
        kinds = [c.split(".", 1)[0] for c in cols[4:]]
        # metrics, then params, then started and duration
        assert kinds == sorted(kinds, key=["metrics", "params", "started_at", "duration_s"].index)
        assert cols[-2:] == ["started_at", "duration_s"]
        assert await shows(pilot, "p:lr")
        header = screen_text(app).splitlines()[2]
        assert "acc" in header and "p:lr" in header and "params.lr" not in header
        app.screen.query_spec.project = "iris"
        app.screen.load_runs()
        assert await runs_loaded(pilot, 3)
        assert "project" not in app.screen.display_columns


async def test_long_name_is_capped_but_searchable(tmp_path: Path) -> None:
    from workbench.tui.runs_view import NAME_WIDTH

    long_name = "breast_cancer-l2-lr0.001-a0.0001-seed42-final"
    db, root = build_catalog(tmp_path, write_fixture_runs)
    write_run(root, "run-long", name=long_name, start=1767225600.0 + 9 * 3600, metrics={"acc": [0.99]})
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    ingest_paths(Catalog(db), [root])
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await runs_loaded(pilot, 7)
        table = app.screen.table
        name_col = table.ordered_columns[app.screen.display_columns.index("name")]
        assert name_col.render_width == NAME_WIDTH + 2
        # the cells are painted a moment after the rows arrive
        assert await shows(pilot, long_name[: NAME_WIDTH - 1] + "…", "0.99")  # metric fits at 80
        assert long_name not in screen_text(app)
        await pilot.press("slash")
        await type_text(pilot, "seed42-final")
        assert await runs_loaded(pilot, 1)
        assert names(app) == [long_name]


async def test_sidebar_collapses_when_narrow_and_b_toggles(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await runs_loaded(pilot, 6)
        tree = app.screen.query_one("#projects")
        assert app.screen.has_class("-no-sidebar") and not tree.display
        assert await shows(pilot, "b: projects")
        await pilot.press("b")
        assert await wait_for(pilot, lambda: tree.display and tree.outer_size.width == 20)
        assert not app.screen.has_class("-no-sidebar")
        await pilot.press("b")
        assert await wait_for(pilot, lambda: app.screen.has_class("-no-sidebar"))
        # p shows it for one choice, then it folds away again
        await pilot.press("p", "down", "enter")
        assert await runs_loaded(pilot, 3)
        assert app.screen.has_class("-no-sidebar")
    async with make_app(fixture_db, roots_watch=False).run_test(size=(120, 30)) as pilot:
        assert await runs_loaded(pilot, 6)
        assert not pilot.app.screen.has_class("-no-sidebar")


async def test_row_background_is_uniform_across_fixed_columns(fixture_db: Path) -> None:
    app = make_app(fixture_db, roots_watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert await runs_loaded(pilot, 6)
        table = app.screen.table
        for y in (2, 3):  # two data rows below the cursor: an even and an odd stripe
            strip = table.render_line(y)
            backgrounds = {seg.style.bgcolor for seg in strip if seg.style and seg.text.strip()}
            assert len(backgrounds) == 1, backgrounds


def test_header_titles_keep_params_and_metrics_apart() -> None:
    from workbench.tui.formatting import header_title

    assert header_title("metrics.lr") == "lr"
    assert header_title("params.lr") == "p:lr"
    assert header_title("tags.stage") == "#stage"
    assert header_title("started_at") == "started"


def test_long_filter_error_message_goes_below_the_caret() -> None:
    from workbench.tui.widgets.filter_bar import caret_text

    short = caret_text("a >> 1", 4, "expected a value").plain.splitlines()
    assert short[1] == "     ^ expected a value"
    lines = caret_text("metrics.acc1", 13, "x" * 80).plain.splitlines()
    assert lines[1].strip() == "^" and lines[2] == "x" * 80


def test_project_labels_fit_the_sidebar() -> None:
    from rich.cells import cell_len

    from workbench.tui.widgets.projects import fit_label

    label = fit_label("classifier-sweep-with-a-long-name", 19, 17)
    assert cell_len(label.plain) == 17
    assert label.plain.endswith(" 19") and "…" in label.plain
    assert fit_label("[red]x[/]", 2, 17).plain.startswith("[red]x[/]")
