"""Shared helpers for the TUI tests: a deterministic fixture catalog built from run folders.

Imported by the other test_tui_* modules; it holds one sanity test of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

BASE_TS = 1767225600.0  # 2026-01-01T00:00:00Z


def iso(ts: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_run(
    root: Path,
    run_id: str,
    *,
    project: str = "iris",
    name: str | None = None,
    status: str = "finished",
    start: float = BASE_TS,
    duration: float = 90.0,
    params: dict | None = None,
    tags: dict | None = None,
    metrics: dict[str, list[float]] | None = None,
    notes: str | None = None,
    artifacts: dict[str, bytes] | None = None,
    extra_lines: list[str] | None = None,
) -> Path:
    """Write one run folder (format v1) with fixed timestamps; returns its path."""
    folder = root / project.replace("/", "_").replace("[", "(").replace("]", ")") / run_id
    folder.mkdir(parents=True, exist_ok=True)
    run = {
        "format_version": 1,
        "id": run_id,
        "project": project,
        "name": name if name is not None else run_id,
        "status": status,
        "started_at": iso(start),
        "ended_at": None if status == "running" else iso(start + duration),
        "heartbeat_at": iso(start + duration),
        "host": "testbox",
        "user": "ana",
        "pid": 4242,
        "python": "3.11.7",
        "platform": "Linux-test",
        "command": ["train.py", "--lr", str((params or {}).get("lr", ""))],
        "cwd": "/home/ana/project",
        "git": {
            "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "branch": "main",
            "dirty": False,
        },
    }
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    if params is not None:
        (folder / "params.json").write_text(json.dumps(params), encoding="utf-8")
    if tags is not None:
        (folder / "tags.json").write_text(json.dumps(tags), encoding="utf-8")
    lines = []
    for key, values in (metrics or {}).items():
        for step, value in enumerate(values):
            lines.append(
                json.dumps({"key": key, "value": value, "step": step, "timestamp": start + step})
            )
    lines.extend(extra_lines or [])
    if lines:
        (folder / "metrics.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if notes is not None:
        (folder / "notes.md").write_text(notes, encoding="utf-8")
    for rel, data in (artifacts or {}).items():
        target = folder / "artifacts" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def write_fixture_runs(root: Path) -> list[Path]:
    """The fixed fixture: 2 projects, 6 runs, every status, params, metrics, tags, artifacts."""
    hour = 3600.0
    return [
        write_run(
            root,
            "run-iris-a",
            name="svm-lr-0.1",
            start=BASE_TS,
            duration=75,
            params={"lr": 0.1, "model": "svm", "epochs": 5},
            tags={"stage": "dev"},
            metrics={"acc": [0.5, 0.7, 0.82, 0.9, 0.93], "loss": [0.9, 0.6, 0.4, 0.3, 0.25]},
            notes="first try\n",
            artifacts={"report.txt": b"accuracy 0.93\n"},
        ),
        write_run(
            root,
            "run-iris-b",
            name="logreg-lr-0.01",
            start=BASE_TS + hour,
            duration=130,
            params={"lr": 0.01, "model": "logreg", "epochs": 5},
            tags={"stage": "prod"},
            metrics={"acc": [0.4, 0.6, 0.75, 0.81, 0.85], "loss": [1.0, 0.8, 0.6, 0.5, 0.45]},
        ),
        write_run(
            root,
            "run-iris-c",
            name="svm-lr-1",
            status="failed",
            start=BASE_TS + 2 * hour,
            duration=12,
            params={"lr": 1.0, "model": "svm", "epochs": 5},
            metrics={"acc": [0.3, 0.2], "loss": [2.0, "NaN"]},
        ),
        write_run(
            root,
            "run-mnist-a",
            project="mnist",
            name="cnn-small",
            start=BASE_TS + 3 * hour,
            duration=3725,
            params={"lr": 0.001, "model": "cnn", "batch": 64},
            metrics={"acc": [0.9, 0.95, 0.97], "val_loss": [0.3, 0.2, 0.15]},
            artifacts={
                "plot.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0rest"
            },
        ),
        write_run(
            root,
            "run-mnist-b",
            project="mnist",
            name="cnn-big",
            status="killed",
            start=BASE_TS + 4 * hour,
            duration=600,
            params={"lr": 0.001, "model": "cnn", "batch": 256},
            metrics={"acc": [0.8, 0.85]},
        ),
        write_run(
            root,
            "run-mnist-c",
            project="mnist",
            name="cnn-crashed",
            status="running",
            start=BASE_TS + 5 * hour,
            duration=30,
            params={"lr": 0.01, "model": "cnn", "batch": 64},
            metrics={"acc": [0.5]},
            extra_lines=["{not json"],
        ),
    ]


def build_catalog(tmp_path: Path, *, with_runs: bool = True) -> tuple[Path, Path]:
    """A catalog at tmp_path/catalog.duckdb ingested from tmp_path/runs; returns (db, root)."""
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    root = tmp_path / "runs"
    root.mkdir(exist_ok=True)
    if with_runs:
        write_fixture_runs(root)
    db = tmp_path / "catalog.duckdb"
    ingest_paths(Catalog(db), [root])
    return db, root


def test_fixture_writes_six_runs(tmp_path: Path) -> None:
    paths = write_fixture_runs(tmp_path)
    assert len(paths) == 6
    assert all((p / "run.json").is_file() for p in paths)


async def wait_until(pilot, predicate, timeout: float = 5.0, step: float = 0.05) -> bool:
    """Pause the pilot until `predicate()` is true (or `timeout` passes); returns the result."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # noqa: BLE001 - widgets may not exist yet
            pass
        await pilot.pause(step)
    return bool(predicate())


def screen_text(app) -> str:
    """What the active screen shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def runs_loaded(pilot, count: int | None = None, timeout: float = 5.0) -> bool:
    """Wait until the runs table shows data (and `count` rows, when given)."""
    from textual.widgets import LoadingIndicator

    from workbench.tui.screens.runs import RunsScreen

    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, RunsScreen) or screen.frame is None:
            return False
        if count is not None and screen.table.row_count != count:
            return False
        # The table's loading cover leaves the screen on a later refresh than the data lands.
        shown = screen._compositor.visible_widgets
        return not any(isinstance(widget, LoadingIndicator) for widget in shown)

    return await wait_until(pilot, ready, timeout)
