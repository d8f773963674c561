"""Deterministic run folders for the compare and SQL screen tests, and a tiny host app.

Runs are written as plain folders (docs/run-format.md) and ingested, as a user's would be.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.screen import Screen

from workbench.catalog.connection import Catalog

T0 = 1_763_924_223.0  # 2025-11-23T18:57:03Z

#: (id, name, params, tags, loss scale, acc ceiling, seconds per step)
RUNS = [
    (
        "run-a",
        "baseline",
        {"lr": 0.1, "optimizer": "sgd", "epochs": 10, "[/]": "[/]"},
        {"team": "vision", "stage": "dev"},
        1.0,
        0.80,
        2.0,
    ),
    (
        "run-b",
        "[red]x[/]",
        {"lr": 0.01, "optimizer": "sgd", "epochs": 10, "[/]": "[/]"},
        {"team": "vision", "stage": "prod"},
        0.7,
        0.90,
        3.0,
    ),
    (
        "run-c",
        "adam-wide",
        {"lr": 0.001, "optimizer": "adam", "epochs": 10, "[/]": "[/]"},
        {"team": "vision", "stage": "dev"},
        1.3,
        0.85,
        1.5,
    ),
]
STEPS = 60


def write_run(
    root: Path,
    run_id: str,
    name: str,
    params: dict,
    tags: dict,
    metrics: dict[str, list[tuple[int, float, float]]],
    started: float,
) -> Path:
    """One finished run folder in the v1 format."""
    folder = root / "proj" / run_id
    folder.mkdir(parents=True)

    def iso(ts: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".000000Z"

    last = max((p[2] for points in metrics.values() for p in points), default=started)
    run = {
        "format_version": 1,
        "id": run_id,
        "project": "proj",
        "name": name,
        "status": "finished",
        "started_at": iso(started),
        "ended_at": iso(last + 1),
        "heartbeat_at": iso(last + 1),
    }
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "params.json").write_text(json.dumps(params))
    (folder / "tags.json").write_text(json.dumps(tags))
    lines = []
    for key, points in metrics.items():
        for step, value, ts in points:
            v: object = (
                value
                if math.isfinite(value)
                else ("NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity"))
            )
            lines.append(json.dumps({"key": key, "value": v, "step": step, "timestamp": ts}))
    (folder / "metrics.jsonl").write_text("".join(line + "\n" for line in lines))
    return folder


def write_sample_runs(root: Path) -> list[str]:
    """The three RUNS, each with `loss` (lower is better) and `acc` (higher is better)."""
    for i, (run_id, name, params, tags, scale, ceiling, dt) in enumerate(RUNS):
        started = T0 + 3600 * i
        loss, acc = [], []
        for step in range(STEPS):
            ts = started + dt * step
            wiggle = 0.05 * math.sin(step * (1.3 + i))
            loss.append((step, scale * math.exp(-step / 15) + 0.1 + wiggle, ts))
            acc.append((step, ceiling * (1 - math.exp(-step / 10)) + wiggle / 5, ts))
        loss[STEPS // 2] = (STEPS // 2, loss[STEPS // 2][1] * 3, loss[STEPS // 2][2])  # a spike
        write_run(root, run_id, name, params, tags, {"loss": loss, "acc": acc}, started)
    return [r[0] for r in RUNS]


def build_catalog(tmp_path: Path) -> tuple[Catalog, list[str]]:
    """A catalog in tmp_path with the sample runs ingested."""
    from workbench.ingest import ingest_paths

    root = tmp_path / "runs"
    ids = write_sample_runs(root)
    catalog = Catalog(tmp_path / "catalog.duckdb")
    ingest_paths(catalog, [root])
    return catalog, ids


class ScreenHost(App[None]):
    """A bare app that shows one screen: the screens are tested without the full app shell."""

    def __init__(self, make_screen: Callable[[], Screen]) -> None:
        super().__init__()
        self._make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self._make_screen())


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` holds (workers finish, messages land)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.02)
    await pilot.pause()


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (through anyio's pytest plugin)."""
    return "asyncio"


@pytest.fixture
def sample_catalog(tmp_path: Path) -> tuple[Catalog, list[str]]:
    return build_catalog(tmp_path)


def test_sample_runs_ingest(sample_catalog: tuple[Catalog, list[str]]) -> None:
    from workbench.catalog import queries

    catalog, ids = sample_catalog
    frame = queries.list_runs(catalog)
    assert sorted(frame.get_column("id").to_list()) == sorted(ids)
    assert "[red]x[/]" in frame.get_column("name").to_list()
