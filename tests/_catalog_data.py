"""Test helper: write small, exact catalogs straight into DuckDB (bypassing ingest)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

from workbench.catalog.connection import Catalog

NOW = datetime.now(timezone.utc).replace(tzinfo=None)


def param_row(run_key: int, key: str, value) -> tuple:
    """A params row following schema.md's value_text/value_num/value_type rules."""
    if isinstance(value, bool):
        return (run_key, key, "true" if value else "false", None, "bool")
    if value is None:
        return (run_key, key, "null", None, "null")
    if isinstance(value, (int, float)):
        return (run_key, key, json.dumps(value), float(value), "number")
    text = str(value)
    try:
        num = float(text)
        num = num if math.isfinite(num) else None
    except ValueError:
        num = None
    return (run_key, key, text, num, "string")


def add_runs(cat: Catalog, runs: list[dict]) -> None:
    """Insert runs: dicts with id, project, name, status, started_at (datetime), params, tags,
    metrics ({key: [values]} stepping 0.., or [(step, value), ...]), artifacts, notes."""
    with cat.connect() as con:
        start_key = con.execute("SELECT coalesce(max(run_key), 0) FROM runs").fetchone()[0]
        for i, run in enumerate(runs, start=start_key + 1):
            started = run.get("started_at", NOW - timedelta(hours=1))
            con.execute(
                "INSERT INTO runs (run_key, run_id, project, name, status, started_at, ended_at,"
                " heartbeat_at, path, host, notes, command, python) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    i,
                    run["id"],
                    run.get("project", "proj"),
                    run.get("name", run["id"]),
                    run.get("status", "finished"),
                    started,
                    run.get("ended_at", started + timedelta(seconds=90)),
                    run.get("heartbeat_at"),
                    run.get("path", f"/runs/{run['id']}"),
                    run.get("host", "box"),
                    run.get("notes"),
                    json.dumps(run.get("command", ["train.py"])),
                    "3.11.7",
                ],
            )
            for key, value in run.get("params", {}).items():
                con.execute(
                    "INSERT INTO params VALUES (?, ?, ?, ?, ?)", list(param_row(i, key, value))
                )
            for key, value in run.get("tags", {}).items():
                con.execute("INSERT INTO tags VALUES (?, ?, ?)", [i, key, value])
            for key, series in run.get("metrics", {}).items():
                points = [p if isinstance(p, tuple) else (step, p) for step, p in enumerate(series)]
                rows = [
                    (i, key, step, 1_700_000_000.0 + step, float(value)) for step, value in points
                ]
                con.executemany("INSERT INTO metric_points VALUES (?, ?, ?, ?, ?)", rows)
                finite = [v for _, v in points if not math.isnan(v)]
                con.execute(
                    "INSERT INTO metric_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        i,
                        key,
                        float(points[-1][1]),
                        points[-1][0],
                        1_700_000_000.0 + points[-1][0],
                        min(finite) if finite else None,
                        max(finite) if finite else None,
                        len(points),
                    ],
                )
            for path, size in run.get("artifacts", {}).items():
                con.execute(
                    "INSERT INTO artifacts VALUES (?, ?, ?, ?, ?)", [i, path, size, "ab" * 32, 0.0]
                )
        con.execute("UPDATE catalog_state SET value = value + 1 WHERE key = 'data_version'")


def sample_runs() -> list[dict]:
    """Five runs covering numbers-as-strings, odd keys, missing params, NaN and a stale run.

    Times relative to now are taken now, not at import: in a long test session the "live"
    run must not have turned stale before its test runs.
    """
    day = datetime(2026, 1, 15, 12, 0, 0)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return [
        {
            "id": "aaaa1111",
            "name": "lr-0.1",
            "project": "iris",
            "started_at": day,
            "params": {"lr": 0.1, "model": "svm", "my key": "x", "epochs": 10},
            "tags": {"stage": "prod"},
            "metrics": {"acc": [0.5, 0.8, 0.95], "loss": [1.0, 0.5, 0.2]},
            "artifacts": {"model.pkl": 1234},
            "notes": "best so far",
        },
        {
            "id": "aaaa2222",
            "name": "lr-0.01",
            "project": "iris",
            "started_at": day + timedelta(days=1),
            "params": {"lr": "0.01", "model": "rf", "epochs": 20},
            "tags": {"stage": "dev"},
            "metrics": {"acc": [0.4, 0.7], "loss": [1.2, 0.9]},
        },
        {
            "id": "bbbb3333",
            "name": "baseline",
            "project": "mnist",
            "started_at": day - timedelta(days=30),
            "status": "failed",
            "params": {"model": "linear", "flag": True},
            "metrics": {"acc": [0.3, float("nan")]},
        },
        {
            "id": "cccc4444",
            "name": "[red]markup[/]",
            "project": "mnist",
            "status": "running",
            "started_at": now - timedelta(hours=2),
            "ended_at": None,
            "heartbeat_at": now - timedelta(hours=1),
            "params": {"lr": 0.5},
        },
        {
            "id": "dddd5555",
            "name": "live",
            "project": "mnist",
            "status": "running",
            "started_at": now - timedelta(minutes=5),
            "ended_at": None,
            # a heartbeat a day ahead: still "running" however long a busy machine keeps a
            # module's catalog before its last test reads it (stale after 120 s without one)
            "heartbeat_at": now + timedelta(days=1),
            "params": {"lr": 1e-3},
            "tags": {"stage": "prod"},
            "metrics": {"val-loss": [0.9]},
        },
    ]


def sample_catalog(tmp_path: Path) -> Catalog:
    """A catalog file in tmp_path holding sample_runs()."""
    cat = Catalog(tmp_path / "catalog.duckdb")
    add_runs(cat, sample_runs())
    return cat
