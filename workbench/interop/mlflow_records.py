"""What an MLflow store holds, as plain records both readers (file store, SQLite) produce."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

#: MLflow's run statuses by the number its file store writes (mlflow.entities.RunStatus).
STATUS_BY_NUMBER = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
#: MLflow's run status -> the run-folder status.
STATUS_MAP = {
    "RUNNING": "running",
    "SCHEDULED": "running",
    "FINISHED": "finished",
    "FAILED": "failed",
    "KILLED": "killed",
}

#: A run's metric points as a frame with these columns (timestamp in ms, as MLflow keeps it).
POINT_SCHEMA = {"key": "String", "value": "Float64", "ts": "Int64", "step": "Int64"}


#: Runs are read, and their points formatted, this many at a time (one columnar pass each).
BATCH_RUNS = 250


def attach_points(runs: list[Run], frame: pl.DataFrame | None, counts: list[int]) -> None:
    """Give each run its rows of `frame` (the batch's points, run after run, `counts[i]` rows
    for runs[i]) and their metrics.jsonl lines, formatted in one pass for the whole batch."""
    from workbench.interop.mlflow_runfolders import metric_lines

    lines = metric_lines(frame) if frame is not None and frame.height else []
    offset = 0
    for run, count in zip(runs, counts, strict=True):
        if count and frame is not None:
            run.metrics = frame.slice(offset, count)
            run.lines = lines[offset : offset + count]
        offset += count


@dataclass
class Experiment:
    """An MLflow experiment: becomes a workbench project."""

    experiment_id: str
    name: str
    artifact_location: str | None = None
    lifecycle_stage: str = "active"
    creation_time: int | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    """One MLflow run with everything it logged (metrics in the order the store holds them)."""

    run_id: str
    experiment_id: str
    name: str | None
    status: str  # MLflow's word: FINISHED, FAILED, ...
    start_time: int | None  # ms since the epoch
    end_time: int | None
    user_id: str | None
    lifecycle_stage: str
    artifact_uri: str | None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: pl.DataFrame | None = None  # POINT_SCHEMA; None: no points
    #: The points as metrics.jsonl lines (made a batch of runs at a time, see attach_points).
    lines: list[str] = field(default_factory=list)
    #: Where the run's artifacts are on this machine (resolved), None when not local.
    artifact_dir: str | None = None

    @property
    def deleted(self) -> bool:
        return self.lifecycle_stage == "deleted"


@dataclass
class ModelVersion:
    """One version of a registered model."""

    name: str
    version: int
    source: str | None
    run_id: str | None
    status: str | None = None
    current_stage: str | None = None
    description: str | None = None
    user_id: str | None = None
    creation_time: int | None = None
    storage_location: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class RegisteredModel:
    """A registered model with its versions, aliases and tags."""

    name: str
    description: str | None = None
    creation_time: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    versions: list[ModelVersion] = field(default_factory=list)


@dataclass
class Problem:
    """Something in the store that could not be read: where, and one sentence."""

    where: str
    message: str
