"""Helpers for the dataset tests: age a file, write a run that logged datasets and models."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from _runfolders import write_run


def age(path: Path, seconds: float = 60.0) -> None:
    """Set a file's mtime in the past (the fingerprint cache skips files written just now)."""
    old = time.time() - seconds
    os.utime(path, (old, old))


def run_with_data(
    root: Path,
    run_id: str,
    datasets: list[dict],
    models: list[str] = (),  # type: ignore[assignment]
    **run_fields,
) -> Path:
    """A run folder whose datasets.jsonl holds `datasets` and models.jsonl the named models."""
    folder = write_run(root, run_id, **run_fields)
    with open(folder / "datasets.jsonl", "a") as handle:
        for record in datasets:
            handle.write(json.dumps({"role": "train", "timestamp": 1.0, **record}) + "\n")
    for index, name in enumerate(models):
        (folder / "artifacts").mkdir(exist_ok=True)
        (folder / "artifacts" / f"{name}.bin").write_bytes(b"model")
        line = {"name": name, "path": f"artifacts/{name}.bin", "flavor": "sklearn",
                "timestamp": 2.0 + index}
        with open(folder / "models.jsonl", "a") as handle:
            handle.write(json.dumps(line) + "\n")
    return folder


A, B, C = "a" * 64, "b" * 64, "c" * 64


def lineage_runs(root: Path) -> None:
    """Three runs with fixed ids: prep reads raw@1 and writes features@1; train reads
    features@1 and logs model clf; retrain reads features@2 and logs clf again. One dataset
    name holds markup."""
    run_with_data(root, "prep", [
        {"name": "raw", "path": "/d/raw.csv", "sha256": A, "size": 1200, "rows": 40},
        {"name": "features", "path": "/d/f.parquet", "sha256": B, "role": "output",
         "size": 800, "rows": 40},
        {"name": "[red]x[/]", "path": "/d/x.csv", "sha256": A, "size": 1200, "rows": 40},
    ], name="prep", started_at="2025-01-01T00:00:00Z")
    run_with_data(root, "train", [
        {"name": "features", "path": "/d/f.parquet", "sha256": B},
    ], models=["clf"], name="train", started_at="2025-01-02T00:00:00Z")
    run_with_data(root, "retrain", [
        {"name": "features", "path": "/d/f2.parquet", "sha256": C, "timestamp": 5.0,
         "size": 900, "rows": 44},
    ], models=["clf"], name="retrain", started_at="2025-01-03T00:00:00Z")  # fmt: skip
