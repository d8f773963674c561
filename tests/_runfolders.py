"""Test helper: write v1 run folders directly (no tracking API), ingest them, read catalog counts.

The one `write_run` and `build_catalog` of the suite."""

from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path


def write_run(
    root: Path,
    run_id: str,
    project: str = "p",
    name: str | None = None,
    status: str = "finished",
    params: dict | None = None,
    tags: dict | None = None,
    points: list[tuple[str, float | str, int]] | None = None,
    started_at: str = "2025-01-01T00:00:00Z",
    *,
    start: float | None = None,
    duration: float = 90.0,
    metrics: dict[str, list] | None = None,
    notes: str | None = None,
    artifacts: dict[str, bytes] | None = None,
    extra_lines: list[str] | None = None,
    **extra,
) -> Path:
    """A run folder <root>/<project>/<run_id> with run.json, params, tags and metrics.

    `start` (epoch seconds) sets started_at, and ended_at/heartbeat_at `duration` later (no
    ended_at while running). `metrics` maps a key to its values by step, or to (step, value,
    timestamp) tuples; `points` appends (key, value, step) lines instead. `extra_lines` are
    appended to metrics.jsonl as they are (broken lines, say); `notes` and `artifacts` are
    written beside run.json; `extra` goes into run.json.
    """
    folder = root / project.replace("/", "_").replace("[", "(").replace("]", ")") / run_id
    folder.mkdir(parents=True, exist_ok=True)
    obj = {
        "format_version": 1,
        "id": run_id,
        "project": project,
        "name": name if name is not None else run_id,
        "status": status,
        "started_at": started_at if start is None else iso(start),
    }
    if start is not None:
        obj["ended_at"] = None if status == "running" else iso(start + duration)
        obj["heartbeat_at"] = iso(start + duration)
    obj.update(extra)
    write_json(folder / "run.json", obj)
    if params is not None:
        write_json(folder / "params.json", params)
    if tags is not None:
        write_json(folder / "tags.json", tags)
    if points:
        append_points(folder, points)
    lines = metric_lines(metrics or {}, 0.0 if start is None else start) + list(extra_lines or [])
    if lines:
        with open(folder / "metrics.jsonl", "a") as fh:
            fh.write("".join(line + "\n" for line in lines))
    if notes is not None:
        (folder / "notes.md").write_text(notes, encoding="utf-8")
    for rel, data in (artifacts or {}).items():
        target = folder / "artifacts" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def iso(ts: float) -> str:
    """Epoch seconds as the run format's UTC timestamp."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def metric_lines(metrics: dict[str, list], start: float) -> list[str]:
    """metrics.jsonl lines: values by step (timestamp start+step) or (step, value, ts) tuples;
    non-finite floats are written as the format's "NaN"/"Infinity" strings."""
    lines = []
    for key, values in metrics.items():
        for step, value in enumerate(values):
            ts = start + step
            if isinstance(value, tuple):
                step, value, ts = value
            if isinstance(value, float) and not math.isfinite(value):
                value = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            lines.append(json.dumps({"key": key, "value": value, "step": step, "timestamp": ts}))
    return lines


def write_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj))
    os.replace(tmp, path)


def point_line(key: str, value, step: int, ts: float = 1.0) -> str:
    return json.dumps({"key": key, "value": value, "step": step, "timestamp": ts}) + "\n"


def append_points(folder: Path, points) -> None:
    with open(folder / "metrics.jsonl", "a") as fh:
        for key, value, step in points:
            fh.write(point_line(key, value, step, 1000.0 + step))


def append_raw(folder: Path, data: bytes, name: str = "metrics.jsonl") -> None:
    with open(folder / name, "ab") as fh:
        fh.write(data)


def scalar(cat, sql: str, params=None):
    with cat.connect(read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


def rows(cat, sql: str, params=None):
    with cat.connect(read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def build_catalog(tmp_path: Path, write=None) -> tuple[Path, Path]:
    """A catalog at tmp_path/catalog.duckdb ingested from tmp_path/runs, where `write(root)`
    (if given) wrote the run folders; returns (db, root)."""
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    root = tmp_path / "runs"
    root.mkdir(exist_ok=True)
    if write is not None:
        write(root)
    db = tmp_path / "catalog.duckdb"
    ingest_paths(Catalog(db), [root])
    return db, root
