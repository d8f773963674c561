"""Reading MLflow's SQLite database (`mlflow.db`) into records with Python's sqlite3, without
MLflow. The file is opened read-only; its schema revision (alembic) must be one we know."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from workbench.catalog import mlflow_db as db
from workbench.errors import InteropError
from workbench.interop import mlflow_sqlite_points as points
from workbench.interop.mlflow_paths import resolve_artifact_dir
from workbench.interop.mlflow_records import (
    Experiment,
    ModelVersion,
    Problem,
    RegisteredModel,
    Run,
    attach_points,
)
from workbench.interop.mlflow_schema import KNOWN_REVISIONS

#: Seconds to wait for a writer (an MLflow server, a training script) to release the file.
LOCK_TIMEOUT_S = 5.0
_REQUIRED = ("experiments", "runs", "params", "tags", "metrics")


def _describe(exc: sqlite3.Error, path: Path) -> str:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return (
            f"the MLflow database {path} is locked by another process (an MLflow server or "
            f"a training script writing to it); try again once it is idle"
        )
    if "not a database" in message or "malformed" in message or "encrypted" in message:
        return f"{path} is not a readable SQLite database: it is damaged or not SQLite ({message})"
    return f"the MLflow database {path} could not be read: {message}"


class SqliteStore:
    """An `mlflow.db`; `problems` collects what could not be read (the rest is read)."""

    kind = "SQLite database"

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.problems: list[Problem] = []
        uri = f"file:{quote(str(self.path))}?mode=ro"
        try:
            self.con = sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT_S)
            self._check_schema()
            self._experiments = self._read_experiments()
            self._count = int(db.query(self.con, "run_count").fetchone()[0])
        except sqlite3.Error as exc:
            raise InteropError(_describe(exc, self.path)) from None
        self.bases = [self.path.parent, self.path.parent / "mlruns", self.path.parent / "mlartifacts"]

    def close(self) -> None:
        self.con.close()

    def _check_schema(self) -> None:
        tables = {r[0] for r in db.query(self.con, "tables")}
        if "alembic_version" not in tables or not set(_REQUIRED) <= tables:
            raise InteropError(
                f"{self.path} is an SQLite database but not MLflow's: it has no "
                f"{', '.join(t for t in ('alembic_version', *_REQUIRED) if t not in tables)} table"
            )
        row = db.query(self.con, "revision").fetchone()
        revision = row[0] if row else None
        if revision not in KNOWN_REVISIONS:
            raise InteropError(
                f"{self.path} has MLflow schema revision {revision!r}, which this workbench does "
                f"not know (a newer MLflow wrote it); upgrade the workbench to import it"
            )
        self.revision = revision
        self.tables = tables

    def _columns(self, table: str) -> set[str]:
        return db.columns(self.con, table)

    def _read_experiments(self) -> list[Experiment]:
        exps = {
            str(r[0]): Experiment(str(r[0]), r[1], r[2], r[3] or "active", r[4])
            for r in db.query(self.con, "experiments")
        }
        if "experiment_tags" in self.tables:
            for key, value, exp_id in db.query(self.con, "experiment_tags"):
                if str(exp_id) in exps:
                    exps[str(exp_id)].tags[key] = value
        return list(exps.values())

    @property
    def experiments(self) -> list[Experiment]:
        return self._experiments

    @property
    def run_count(self) -> int:
        return self._count

    def runs(self) -> Iterator[Run]:
        """Every run with its params, tags and metrics, a batch of runs at a time: params and
        tags in one pass each, the metrics in one pass ordered by run (see
        mlflow_sqlite_points), so no per-run query scans them and memory holds one batch's."""
        try:
            yield from self._runs()
        except sqlite3.Error as exc:
            raise InteropError(_describe(exc, self.path)) from None

    def _runs(self) -> Iterator[Run]:
        deleted_exps = {e.experiment_id for e in self._experiments if e.lifecycle_stage == "deleted"}
        runs = {row[0]: row for row in db.runs(self.con, "name" in self._columns("runs"))}
        params = self._grouped("params")
        tags = self._grouped("tags")
        stream = points.PointStream(self.con)
        for ids in points.batches(sorted(runs), points.point_counts(self.con)):
            batch = [self._run(runs.pop(i), params, tags, deleted_exps) for i in ids]
            frame = stream.points(ids)
            per_run = dict(frame.group_by("run_uuid").len().iter_rows()) if frame is not None else {}
            attach_points(batch, frame, [per_run.get(i, 0) for i in ids])
            yield from batch

    def _run(
        self, row: tuple[Any, ...], params: dict[str, dict[str, str]],
        tags: dict[str, dict[str, str]], deleted_exps: set[str],
    ) -> Run:  # fmt: skip
        run_uuid, exp_id, name, status, start, end, user, stage, uri = row
        run_tags = tags.pop(run_uuid, {})
        run = Run(
            run_id=run_uuid,
            experiment_id=str(exp_id),
            name=name or run_tags.get("mlflow.runName"),
            status=status or "FINISHED",
            start_time=start,
            end_time=end,
            user_id=user,
            lifecycle_stage="deleted" if str(exp_id) in deleted_exps else (stage or "active"),
            artifact_uri=uri,
            params=params.pop(run_uuid, {}),
            tags=run_tags,
        )
        run.artifact_dir = resolve_artifact_dir(uri, self.bases, run.experiment_id, run_uuid)
        return run

    def _grouped(self, name: str) -> dict[str, dict[str, str]]:
        grouped: dict[str, dict[str, str]] = {}
        for run_uuid, key, value in db.query(self.con, name):
            grouped.setdefault(run_uuid, {})[key] = value
        return grouped

    # -- the model registry ---------------------------------------------------------------

    def registered_models(self) -> list[RegisteredModel]:
        if "registered_models" not in self.tables:
            return []
        try:
            return self._registered_models()
        except sqlite3.Error as exc:
            raise InteropError(_describe(exc, self.path)) from None

    def _registered_models(self) -> list[RegisteredModel]:
        models = {
            r[0]: RegisteredModel(r[0], r[1], r[2])
            for r in db.query(self.con, "registered_models")
        }
        if "registered_model_tags" in self.tables:
            for key, value, name in db.query(self.con, "registered_model_tags"):
                if name in models:
                    models[name].tags[key] = value
        if "registered_model_aliases" in self.tables:
            for alias, version, name in db.query(self.con, "registered_model_aliases"):
                if name in models:
                    models[name].aliases[alias] = int(version)
        version_tags: dict[tuple[str, int], dict[str, str]] = {}
        if "model_version_tags" in self.tables:
            for key, value, name, version in db.query(self.con, "model_version_tags"):
                version_tags.setdefault((name, int(version)), {})[key] = value
        with_storage = "storage_location" in self._columns("model_versions")
        for row in db.model_versions(self.con, with_storage):
            name, version = row[0], int(row[1])
            if name not in models or row[5] == "Deleted_Internal":
                continue
            models[name].versions.append(
                ModelVersion(name, version, row[2], row[3], row[4], row[5], row[6], row[7],
                             row[8], row[9], version_tags.get((name, version), {}))
            )  # fmt: skip
        return list(models.values())
