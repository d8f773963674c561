"""A real MLflow store for the import tests, logged with MLflow's own client.

Two experiments; runs with params, metric histories over steps, tags; a nested run; a
deleted run; a failed run; a registered model with two versions and an alias.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PARAMS = {"lr": "0.1", "optimizer": "sgd", "layers": "[64, 32]", "opt/beta": "[red]x[/]"}


def build(tracking_uri: str, artifact_root: Path | None = None) -> dict[str, Any]:
    """Log the fixture to `tracking_uri`; returns the ids the tests look for."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    loc = lambda name: (artifact_root / name).as_uri() if artifact_root else None  # noqa: E731
    exp = client.create_experiment("iris", artifact_location=loc("iris"), tags={"team": "ml"})
    other = client.create_experiment("mnist [red]x[/]", artifact_location=loc("mnist"))
    ids: dict[str, Any] = {"experiments": {"iris": exp, "mnist": other}}

    parent = client.create_run(
        exp, run_name="parent", start_time=1_700_000_000_000,
        tags={"mlflow.user": "ana", "mlflow.source.name": "train.py",
              "mlflow.source.git.commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
              "mlflow.source.type": "LOCAL", "stage": "dev"},
    )  # fmt: skip
    pid = parent.info.run_id
    from mlflow.entities import Metric, Param, RunTag

    points = [Metric("loss", 1.0 / (s + 1), 1_700_000_000_000 + 1000 * s, s) for s in range(50)]
    points += [Metric("acc", 0.5 + s / 100, 1_700_000_000_000 + 1000 * s, s) for s in range(50)]
    points.append(Metric("weird", float("nan"), 1_700_000_050_000, 0))
    client.log_batch(
        pid, metrics=points, params=[Param(k, v) for k, v in PARAMS.items()],
        tags=[RunTag("note", "multi\nline")],
    )  # fmt: skip
    client.log_text(pid, "hello", "notes/readme.txt")
    client.set_terminated(pid, "FINISHED", end_time=1_700_000_100_000)

    child = client.create_run(
        exp, run_name="child", start_time=1_700_000_001_000,
        tags={"mlflow.parentRunId": pid},
    )  # fmt: skip
    cid = child.info.run_id
    client.log_metric(cid, "loss", 0.25, timestamp=1_700_000_002_000, step=3)
    client.log_param(cid, "fold", "1")
    client.set_terminated(cid, "FINISHED", end_time=1_700_000_003_000)

    failed = client.create_run(other, run_name="failed", start_time=1_700_000_010_000)
    fid = failed.info.run_id
    client.log_metric(fid, "loss", 9.0, timestamp=1_700_000_011_000, step=0)
    client.set_terminated(fid, "FAILED", end_time=1_700_000_012_000)

    gone = client.create_run(other, run_name="gone", start_time=1_700_000_020_000)
    gid = gone.info.run_id
    client.log_param(gid, "x", "1")
    client.set_terminated(gid, "KILLED", end_time=1_700_000_021_000)
    client.delete_run(gid)

    client.create_registered_model("iris-clf", tags={"owner": "ana"}, description="the classifier")
    v1 = client.create_model_version(
        "iris-clf", f"runs:/{cid}/model", run_id=cid, tags={"fold": "1"}, description="first"
    )
    v2 = client.create_model_version("iris-clf", f"runs:/{pid}/model", run_id=pid)
    client.set_registered_model_alias("iris-clf", "champion", v2.version)
    ids.update(parent=pid, child=cid, failed=fid, deleted=gid, versions=[v1.version, v2.version])
    return ids


def add_more(tracking_uri: str, run_id: str, experiment_id: str) -> str:
    """New points on an existing run and one new run: what a re-import must pick up."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    for s in range(50, 55):
        client.log_metric(run_id, "loss", 0.01, timestamp=1_700_000_200_000 + s, step=s)
    new = client.create_run(experiment_id, run_name="later", start_time=1_700_000_300_000)
    client.log_metric(new.info.run_id, "loss", 0.5, timestamp=1_700_000_300_000, step=0)
    client.set_terminated(new.info.run_id, "FINISHED", end_time=1_700_000_301_000)
    return new.info.run_id
