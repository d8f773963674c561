"""Test helper: write v1 run folders directly (no tracking API), and read catalog counts."""

from __future__ import annotations

import json
import os
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
    **extra,
) -> Path:
    """A run folder <root>/<project>/<run_id> with run.json, params, tags and metrics."""
    folder = root / project / run_id
    folder.mkdir(parents=True, exist_ok=True)
    obj = {
        "format_version": 1,
        "id": run_id,
        "project": project,
        "name": name or run_id,
        "status": status,
        "started_at": started_at,
        **extra,
    }
    write_json(folder / "run.json", obj)
    if params is not None:
        write_json(folder / "params.json", params)
    if tags is not None:
        write_json(folder / "tags.json", tags)
    if points:
        append_points(folder, points)
    return folder


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
