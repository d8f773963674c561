"""The metric points of an `mlflow.db`, read in bounded batches of runs: one pass over the
metrics ordered by run, so memory holds one batch of runs' points, never the whole store's."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from workbench.catalog import mlflow_db as db
from workbench.interop.mlflow_records import BATCH_RUNS

if TYPE_CHECKING:
    import polars as pl

#: A batch of runs holds at most this many points (a run with more is a batch by itself).
BATCH_POINTS = 250_000
#: Rows taken from the cursor at a time.
FETCH_ROWS = 50_000


def batches(run_ids: list[str], counts: dict[str, int]) -> Iterator[list[str]]:
    """`run_ids` (sorted) cut into batches of at most BATCH_RUNS runs and BATCH_POINTS points."""
    batch: list[str] = []
    points = 0
    for run_id in run_ids:
        count = counts.get(run_id, 0)
        if batch and (len(batch) >= BATCH_RUNS or points + count > BATCH_POINTS):
            yield batch
            batch, points = [], 0
        batch.append(run_id)
        points += count
    if batch:
        yield batch


def point_counts(con: sqlite3.Connection) -> dict[str, int]:
    """run id -> how many metric points it has (from MLflow's index on run_uuid)."""
    return {str(run): int(n) for run, n in db.query(con, "metric_counts")}


class PointStream:
    """The metrics cursor (ordered by run id), handed out one batch of runs at a time."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.cursor = db.query(con, "metrics")
        self.pending: pl.DataFrame | None = None
        self.done = False
        self.fetched = 0  # rows taken from the cursor so far

    def _fetch(self) -> pl.DataFrame | None:
        import polars as pl

        rows = self.cursor.fetchmany(FETCH_ROWS)
        if not rows:
            self.done = True
            return None
        self.fetched += len(rows)
        schema = {"run_uuid": pl.String, "key": pl.String, "value": pl.Float64, "ts": pl.Int64,
                  "step": pl.Int64, "is_nan": pl.Boolean}  # fmt: skip
        return pl.DataFrame(rows, schema=schema, orient="row")

    def points(self, run_ids: list[str]) -> pl.DataFrame | None:
        """The points of `run_ids` (sorted, after those of every earlier call), sorted by run
        id then time: columns run_uuid + POINT_SCHEMA. Rows of runs not asked for (a point
        whose run is gone) are skipped."""
        import polars as pl

        last = run_ids[-1]
        parts = [self.pending] if self.pending is not None else []
        while not self.done and (not parts or parts[-1]["run_uuid"][-1] <= last):
            part = self._fetch()
            if part is not None:
                parts.append(part)
        if not parts:
            return None
        frame = pl.concat(parts) if len(parts) > 1 else parts[0]
        mine = frame.filter(pl.col("run_uuid") <= last)
        rest = frame.filter(pl.col("run_uuid") > last)
        self.pending = rest if rest.height else None
        mine = mine.filter(pl.col("run_uuid").is_in(run_ids))
        if not mine.height:
            return None
        return (
            mine.with_columns(
                value=pl.when(pl.col("is_nan")).then(float("nan")).otherwise(pl.col("value")),
                step=pl.col("step").fill_null(0),
            )
            .sort("run_uuid", "ts", "step", "key")
            .select("run_uuid", "key", "value", "ts", "step")
        )
