"""Reading MLflow's SQLite database (`mlflow.db`) into records with Python's sqlite3, without
MLflow. The file is opened read-only; its schema revision (alembic) must be one we know."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from workbench.errors import InteropError
from workbench.interop.mlflow_paths import resolve_artifact_dir
from workbench.interop.mlflow_records import (
    BATCH_RUNS,
    Experiment,
    ModelVersion,
    Problem,
    RegisteredModel,
    Run,
    attach_points,
)
from workbench.interop.mlflow_schema import KNOWN_REVISIONS

if TYPE_CHECKING:
    import polars as pl

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
            self._count = self._one("SELECT count(*) FROM runs")
        except sqlite3.Error as exc:
            raise InteropError(_describe(exc, self.path)) from None
        self.bases = [self.path.parent, self.path.parent / "mlruns", self.path.parent / "mlartifacts"]

    def close(self) -> None:
        self.con.close()

    def _one(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchone()[0])

    def _check_schema(self) -> None:
        tables = {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables or not set(_REQUIRED) <= tables:
            raise InteropError(
                f"{self.path} is an SQLite database but not MLflow's: it has no "
                f"{', '.join(t for t in ('alembic_version', *_REQUIRED) if t not in tables)} table"
            )
        row = self.con.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
        if revision not in KNOWN_REVISIONS:
            raise InteropError(
                f"{self.path} has MLflow schema revision {revision!r}, which this workbench does "
                f"not know (a newer MLflow wrote it); upgrade the workbench to import it"
            )
        self.revision = revision
        self.tables = tables

    def _columns(self, table: str) -> set[str]:
        return {r[1] for r in self.con.execute(f"PRAGMA table_info({table})")}

    def _read_experiments(self) -> list[Experiment]:
        exps = {
            str(r[0]): Experiment(str(r[0]), r[1], r[2], r[3] or "active", r[4])
            for r in self.con.execute(
                "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time"
                " FROM experiments ORDER BY experiment_id"
            )
        }
        if "experiment_tags" in self.tables:
            for key, value, exp_id in self.con.execute(
                "SELECT key, value, experiment_id FROM experiment_tags"
            ):
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
        """Every run with its params, tags and metrics (three passes over the tables, merged
        by run id, so no per-run query scans the metrics)."""
        try:
            yield from self._runs()
        except sqlite3.Error as exc:
            raise InteropError(_describe(exc, self.path)) from None

    def _runs(self) -> Iterator[Run]:
        deleted_exps = {e.experiment_id for e in self._experiments if e.lifecycle_stage == "deleted"}
        name_col = "name" if "name" in self._columns("runs") else "NULL"
        runs = self.con.execute(
            f"SELECT run_uuid, experiment_id, {name_col}, status, start_time, end_time, user_id,"
            " lifecycle_stage, artifact_uri FROM runs"
        ).fetchall()
        runs.sort(key=lambda row: row[0])  # the order the metric frame is sorted in
        params = self._grouped("SELECT run_uuid, key, value FROM params")
        tags = self._grouped("SELECT run_uuid, key, value FROM tags")
        frame = self._metric_frame({r[0] for r in runs})
        per_run = dict(frame.group_by("run_uuid").len().iter_rows()) if frame is not None else {}
        offset = 0
        for start in range(0, len(runs), BATCH_RUNS):
            batch = [self._run(row, params, tags, deleted_exps) for row in runs[start : start + BATCH_RUNS]]
            counts = [per_run.get(run.run_id, 0) for run in batch]
            part = frame.slice(offset, sum(counts)) if frame is not None else None
            attach_points(batch, part, counts)
            offset += sum(counts)
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

    def _metric_frame(self, run_ids: set[str]) -> pl.DataFrame | None:
        """Every metric point of these runs in one pass, sorted by run id (as the runs are),
        then time: columns run_uuid + POINT_SCHEMA."""
        import polars as pl

        cursor = self.con.execute(
            "SELECT run_uuid, key, value, timestamp, step, is_nan FROM metrics"
        )
        schema = {"run_uuid": pl.String, "key": pl.String, "value": pl.Float64, "ts": pl.Int64,
                  "step": pl.Int64, "is_nan": pl.Boolean}  # fmt: skip
        parts = []
        while rows := cursor.fetchmany(200_000):
            parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
        if not parts:
            return None
        return (
            pl.concat(parts)
            .filter(pl.col("run_uuid").is_in(list(run_ids)))
            .with_columns(
                value=pl.when(pl.col("is_nan")).then(float("nan")).otherwise(pl.col("value")),
                step=pl.col("step").fill_null(0),
            )
            .sort("run_uuid", "ts", "step", "key")
            .select("run_uuid", "key", "value", "ts", "step")
        )

    def _grouped(self, sql: str) -> dict[str, dict[str, str]]:
        grouped: dict[str, dict[str, str]] = {}
        for run_uuid, key, value in self.con.execute(sql):
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
            for r in self.con.execute(
                "SELECT name, description, creation_time FROM registered_models ORDER BY name"
            )
        }
        if "registered_model_tags" in self.tables:
            for key, value, name in self.con.execute(
                "SELECT key, value, name FROM registered_model_tags"
            ):
                if name in models:
                    models[name].tags[key] = value
        if "registered_model_aliases" in self.tables:
            for alias, version, name in self.con.execute(
                "SELECT alias, version, name FROM registered_model_aliases"
            ):
                if name in models:
                    models[name].aliases[alias] = int(version)
        version_tags: dict[tuple[str, int], dict[str, str]] = {}
        if "model_version_tags" in self.tables:
            for key, value, name, version in self.con.execute(
                "SELECT key, value, name, version FROM model_version_tags"
            ):
                version_tags.setdefault((name, int(version)), {})[key] = value
        storage = "storage_location" if "storage_location" in self._columns("model_versions") else "NULL"
        for row in self.con.execute(
            "SELECT name, version, source, run_id, status, current_stage, description, user_id,"
            f" creation_time, {storage} FROM model_versions ORDER BY name, version"
        ):
            name, version = row[0], int(row[1])
            if name not in models or row[5] == "Deleted_Internal":
                continue
            models[name].versions.append(
                ModelVersion(name, version, row[2], row[3], row[4], row[5], row[6], row[7],
                             row[8], row[9], version_tags.get((name, version), {}))
            )  # fmt: skip
        return list(models.values())
