"""Test helper for the terminal app: fixed run folders, a host app for one screen, and the one
way Pilot tests wait (on a state, never on time).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from _runfolders import write_run
from textual.app import App
from textual.screen import Screen

BASE_TS = 1767225600.0  # 2026-01-01T00:00:00Z
COMPARE_T0 = 1_763_924_223.0  # 2025-11-23T18:57:03Z

#: What a tracked run records about where it ran (shown on the detail screen).
ENVIRONMENT = {
    "host": "testbox",
    "user": "ana",
    "pid": 4242,
    "python": "3.11.7",
    "platform": "Linux-test",
    "cwd": "/home/ana/project",
    "git": {"commit": "9fceb02d0ae598e95dc970b74767f19372d61af8", "branch": "main", "dirty": False},
}

#: How long a Pilot test waits for a state before it fails: generous, for a busy machine.
WAIT_S = 30.0


async def wait_for(pilot, predicate: Callable[[], object], timeout: float = WAIT_S) -> bool:
    """Let the app run until `predicate()` is true (a predicate that raises counts as false:
    widgets may not be mounted yet); True, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                await pilot.pause()
                return True
        except Exception:  # noqa: BLE001 - not there yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {predicate.__name__}")
        await pilot.pause(0.02)


def notifications(app) -> list[str]:
    """The messages of the app's notifications (toasts) so far, as plain text."""
    return [str(n.message) for n in app._notifications]


def screen_text(app) -> str:
    """What the active screen shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def runs_loaded(pilot, count: int | None = None, timeout: float = WAIT_S) -> bool:
    """Wait until the runs table shows data (and `count` rows, when given), painted."""
    from workbench.tui.screens.runs import RunsScreen

    def runs_shown() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, RunsScreen) or screen.frame is None or screen.table.loading:
            return False
        return count is None or screen.table.row_count == count

    return await wait_for(pilot, runs_shown, timeout)


async def shows(pilot, *texts: str, timeout: float = WAIT_S) -> bool:
    """Wait until every one of `texts` is on the screen."""

    def all_shown() -> bool:
        text = screen_text(pilot.app)
        return all(t in text for t in texts)

    all_shown.__name__ = f"screen to show {texts!r}"
    return await wait_for(pilot, all_shown, timeout)


class ScreenHost(App[None]):
    """A bare app that shows one screen: the screens are tested without the full app shell
    (with the app's shared stylesheet, as the app would give them)."""

    CSS_PATH = str(Path(__file__).resolve().parents[1] / "workbench" / "tui" / "app.tcss")

    def __init__(self, make_screen: Callable[[], Screen]) -> None:
        super().__init__()
        self._make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self._make_screen())


def help_section(app) -> list[str]:
    """The help screen's lines between its title and the 'Everywhere' table."""
    lines = [line.strip(" │╭╮╰╯─") for line in screen_text(app).splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Keys:"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Everywhere"))
    return [line for line in lines[start + 1 : end] if line.strip()]


async def check_help(pilot, screen=None) -> None:
    """`?` on the active screen (or `screen`) lists exactly its keys; escape comes back to it."""
    screen = screen or pilot.app.screen
    screen.set_focus(None)  # ? in an input is a character
    await pilot.press("question_mark")
    assert await shows(pilot, f"Keys: {screen.HELP_TITLE}", "Everywhere")
    rows = screen.help_rows()
    lines = help_section(pilot.app)
    assert len(lines) == len(rows), lines
    for line, row in zip(lines, rows, strict=True):
        assert line.startswith(row.keys) and row.title in line, (line, row)
    await pilot.press("escape")
    assert await wait_for(pilot, lambda: pilot.app.screen is screen)


def write_dataset_versions(tmp_path: Path, db: Path, name: str = "table.csv") -> None:
    """Two versions of one CSV file (`name` under tmp_path/data) registered in the catalog."""
    import os
    import time

    from workbench.catalog.connection import Catalog
    from workbench.datasets.scan import scan_paths

    table = tmp_path / "data" / name
    table.parent.mkdir()
    for version, rows in enumerate(([1, 2, 3], [1, 2, 3, 4]), start=1):
        table.write_text("x,label\n" + "".join(f"{x},[b]{x}[/b]\n" for x in rows))
        old = time.time() - 60.0 * (3 - version)  # files written just now are not fingerprinted
        os.utime(table, (old, old))
        scan_paths(Catalog(db), [table])


def write_fixture_runs(root: Path) -> list[Path]:
    """The app's fixture: 2 projects, 6 runs, every status, params, metrics, tags, artifacts."""
    hour = 3600.0

    def run(run_id: str, **kwargs) -> Path:
        params = kwargs.get("params") or {}
        command = ["train.py", "--lr", str(params.get("lr", ""))]
        return write_run(root, run_id, **{"project": "iris", **kwargs}, command=command, **ENVIRONMENT)

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0rest"
    return [
        run("run-iris-a", name="svm-lr-0.1", start=BASE_TS, duration=75,
            params={"lr": 0.1, "model": "svm", "epochs": 5}, tags={"stage": "dev"},
            metrics={"acc": [0.5, 0.7, 0.82, 0.9, 0.93], "loss": [0.9, 0.6, 0.4, 0.3, 0.25]},
            notes="first try\n", artifacts={"report.txt": b"accuracy 0.93\n"}),
        run("run-iris-b", name="logreg-lr-0.01", start=BASE_TS + hour, duration=130,
            params={"lr": 0.01, "model": "logreg", "epochs": 5}, tags={"stage": "prod"},
            metrics={"acc": [0.4, 0.6, 0.75, 0.81, 0.85], "loss": [1.0, 0.8, 0.6, 0.5, 0.45]}),
        run("run-iris-c", name="svm-lr-1", status="failed", start=BASE_TS + 2 * hour, duration=12,
            params={"lr": 1.0, "model": "svm", "epochs": 5},
            metrics={"acc": [0.3, 0.2], "loss": [2.0, "NaN"]}),
        run("run-mnist-a", project="mnist", name="cnn-small", start=BASE_TS + 3 * hour,
            duration=3725, params={"lr": 0.001, "model": "cnn", "batch": 64},
            metrics={"acc": [0.9, 0.95, 0.97], "val_loss": [0.3, 0.2, 0.15]},
            artifacts={"plot.png": png}),
        run("run-mnist-b", project="mnist", name="cnn-big", status="killed",
            start=BASE_TS + 4 * hour, duration=600,
            params={"lr": 0.001, "model": "cnn", "batch": 256}, metrics={"acc": [0.8, 0.85]}),
        run("run-mnist-c", project="mnist", name="cnn-crashed", status="running",
            start=BASE_TS + 5 * hour, duration=30,
            params={"lr": 0.01, "model": "cnn", "batch": 64}, metrics={"acc": [0.5]},
            extra_lines=["{not json"]),
    ]


#: Compare fixture: (id, name, params, tags, loss scale, acc ceiling, seconds per step)
COMPARE_RUNS = [
    ("run-a", "baseline", {"lr": 0.1, "optimizer": "sgd", "epochs": 10, "[/]": "[/]"},
     {"team": "vision", "stage": "dev"}, 1.0, 0.80, 2.0),
    ("run-b", "[red]x[/]", {"lr": 0.01, "optimizer": "sgd", "epochs": 10, "[/]": "[/]"},
     {"team": "vision", "stage": "prod"}, 0.7, 0.90, 3.0),
    ("run-c", "adam-wide", {"lr": 0.001, "optimizer": "adam", "epochs": 10, "[/]": "[/]"},
     {"team": "vision", "stage": "dev"}, 1.3, 0.85, 1.5),
]
COMPARE_STEPS = 60


def write_compare_runs(root: Path) -> list[str]:
    """Three finished runs in project "proj", each with `loss` (lower is better, one 3x spike
    at step 30) and `acc` (higher is better) over 60 steps; returns their ids."""
    for i, (run_id, name, params, tags, scale, ceiling, dt) in enumerate(COMPARE_RUNS):
        started = COMPARE_T0 + 3600 * i
        loss, acc = [], []
        for step in range(COMPARE_STEPS):
            ts = started + dt * step
            wiggle = 0.05 * math.sin(step * (1.3 + i))
            loss.append((step, scale * math.exp(-step / 15) + 0.1 + wiggle, ts))
            acc.append((step, ceiling * (1 - math.exp(-step / 10)) + wiggle / 5, ts))
        spike = COMPARE_STEPS // 2
        loss[spike] = (spike, loss[spike][1] * 3, loss[spike][2])
        last = max(p[2] for p in loss + acc)
        write_run(root, run_id, project="proj", name=name, params=params, tags=tags,
                  start=started, duration=last + 1 - started, metrics={"loss": loss, "acc": acc})
    return [r[0] for r in COMPARE_RUNS]
