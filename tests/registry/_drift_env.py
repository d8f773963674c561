"""Test helper: a registered model trained on a real Parquet file, with production batches
that do or do not drift from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from _registry_env import Env, make_env

import workbench as wb
from workbench import registry
from workbench.ingest import ingest_paths


def frame(seed: int, rows: int = 2000, shift: float = 0.0) -> pl.DataFrame:
    """Two numeric columns and a categorical one; `shift` moves the mean of `tenure` (in sd)."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "tenure": rng.normal(10.0 + shift * 3.0, 3.0, rows),
        "spend": rng.gamma(2.0, 50.0, rows),
        "plan": rng.choice(["basic", "plus", "pro"], rows, p=[0.5, 0.3, 0.2]),
    })  # fmt: skip


def trained_env(tmp_path: Path, name: str = "churn") -> Env:
    """Model `name` v1 (champion) and v2, both trained on train-set@1 (a real Parquet file)."""
    env = make_env(tmp_path, ())
    train = tmp_path / "train.parquet"
    frame(0).write_parquet(train)
    for auc in (0.8, 0.9):
        env.add_run(auc, dataset=train)
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, name)
    registry.promote(env.cat, name, 1, "champion", "first")
    return env


def log_batch(env: Env, data: pl.DataFrame, model: str = "churn@champion",
              name: str = "predictions") -> dict:  # fmt: skip
    """A production batch made by `model`, ingested."""
    record = wb.log_predictions(model, data, root=env.root, registry=env.registry, name=name)
    ingest_paths(env.cat, [env.root])
    return record
