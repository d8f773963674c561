"""Metric history: which metrics runs logged, and their points (downsampled inside DuckDB)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from workbench.catalog.queries.columns import HISTORY_COLUMNS
from workbench.catalog.queries.common import (
    Params,
    Rows,
    RunRef,
    Source,
    _query,
    as_list,
    fetch_all,
    open_source,
    resolve_refs,
)
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    import polars as pl
    from duckdb import DuckDBPyConnection


def metric_keys(cat: Source, run_ids: list[str] | str) -> list[str]:
    """The metric keys any of the given runs logged, sorted (cheap: reads metric summaries).

    `run_ids` are run refs like metric_history's; an unknown ref raises NotFoundError.
    """
    with open_source(cat) as con:
        runs = resolve_refs(con, as_list(run_ids))
        rows = fetch_all(
            con,
            "SELECT DISTINCT key FROM metric_summary WHERE list_contains($keys, run_key)",
            {"keys": [r.run_key for r in runs]},
        )
    return sorted(row[0] for row in rows)


def _check(max_points: int | None, x: str) -> None:
    if x not in ("step", "time"):
        raise WorkbenchError(f"the x axis is 'step' or 'time', not {x!r}")
    if max_points is not None and int(max_points) < 4:
        raise WorkbenchError(f"a downsampled series keeps at least 4 points, not {max_points}")


def _points_sql(
    runs: list[RunRef], keys: list[str] | None, max_points: int | None, x: str
) -> tuple[str, Params]:
    """The points of `runs` (run_key, key, step, ts, value, x), downsampled if asked."""
    x_expr = "p.step" if x == "step" else "p.ts"
    params: Params = {"keys": [r.run_key for r in runs]}
    key_sql = ""
    if keys:
        key_sql = " AND list_contains($names, p.key)"
        params["names"] = list(keys)
    points = f"""
        SELECT p.run_key, p.key, p.step, p.ts, p.value, {x_expr} AS x
        FROM metric_points p WHERE list_contains($keys, p.run_key){key_sql}
    """
    if max_points is None:
        return points, params
    params["maxp"] = int(max_points)
    params["nb"] = max(1, (int(max_points) - 1) // 3)
    return _downsampled(points), params


def metric_history(
    cat: Source,
    run_ids: list[str] | str,
    keys: list[str] | None = None,
    max_points: int | None = None,
    x: str = "step",
) -> pl.DataFrame:
    """Metric points (HISTORY_COLUMNS: run_id, run_name, key, step, timestamp, value).

    Rows are ordered by run (in the order the refs were given), key and x. With
    `max_points`, every (run, key) series longer than that is cut into buckets along x
    ("step" or "time") inside DuckDB, keeping each bucket's first, lowest and highest point
    and the series' last point, so spikes survive and no series has more than `max_points`.
    """
    _check(max_points, x)
    with open_source(cat) as con:
        runs = resolve_refs(con, as_list(run_ids))
        if len(runs) == 1:  # the detail screen's read: one run's few series
            points = _one_run_points(con, runs[0], keys, max_points, x)
            if points is not None:
                return _small_frame(runs[0], points)
        found = _query(con, *_points_sql(runs, keys, max_points, x))
    return _in_order(found, runs)


#: Up to this many points, one run's history is fetched as tuples and ordered in Python:
#: for a point read, the polars round trip (Arrow, integer codes, a sort) costs more than
#: the query. Beyond it the frame path below is cheaper.
SMALL_HISTORY = 5000

_ONE_RUN_SQL = "SELECT key, step, ts, value FROM metric_points WHERE run_key = ?"
#: Epoch microseconds DuckDB's BIGINT holds, and those a Python datetime can show.
_INT64 = (-(1 << 63), (1 << 63) - 1)
_DATETIME_US = (-62_135_596_800_000_000, 253_402_300_799_999_999)


def _one_run_points(
    con: DuckDBPyConnection, run: RunRef, keys: list[str] | None, max_points: int | None,
    x: str,
) -> list[tuple[str, int, int | None, float | None]] | None:
    """One run's points as (key, step, epoch µs, value) ordered by key, x, step, in one
    statement on the run's key (no list to bind, so DuckDB skips other row groups by their
    min/max); None when there are more than SMALL_HISTORY of them, or more than
    `max_points` (which then may need downsampling), for the caller's general path.

    Points a series keeps whole under `max_points` are exactly the downsampled answer:
    a series no longer than `max_points` is never cut."""
    sql = _ONE_RUN_SQL
    params: list[object] = [run.run_key]
    if keys and len(keys) == 1:
        sql, params = sql + " AND key = ?", [run.run_key, keys[0]]
    elif keys:
        sql, params = sql + " AND list_contains(?, key)", [run.run_key, list(keys)]
    limit = SMALL_HISTORY if max_points is None else int(max_points)
    found = con.execute(sql, params).fetchmany(limit + 1)
    if len(found) > limit:
        return None
    # polars' and DuckDB's order: NaN after every number
    at = 2 if x == "time" else 1
    found.sort(key=lambda r: (r[0], r[at] != r[at], r[at], r[1]))
    return [(key, step, _epoch_us(ts), value) for key, step, ts, value in found]


def _epoch_us(ts: float) -> int | None:
    """A point's time as epoch microseconds, truncated as DuckDB's trunc(ts * 1e6)::BIGINT;
    None when it is not finite or out of BIGINT's range (as the frame path's cast does)."""
    if not math.isfinite(ts):
        return None
    us = int(ts * 1000000)
    return us if _INT64[0] <= us <= _INT64[1] else None


def _small_frame(run: RunRef, points: list[tuple[str, int, int | None, float | None]]
                 ) -> pl.DataFrame:
    """HISTORY_COLUMNS from _one_run_points' tuples (no sort, no Arrow)."""
    import polars as pl

    run_id, run_name, key, step, timestamp, value = HISTORY_COLUMNS
    n = len(points)
    keys, steps, stamps, values = zip(*points, strict=True) if n else ((), (), (), ())
    return pl.DataFrame([
        pl.Series(run_id, [run.id] * n, pl.String),
        pl.Series(run_name, [run.name] * n, pl.String),
        pl.Series(key, keys, pl.String),
        pl.Series(step, steps, pl.Int64),
        pl.Series(timestamp, stamps, pl.Int64).cast(pl.Datetime("us")),
        pl.Series(value, values, pl.Float64),
    ])


def metric_history_rows(
    cat: Source,
    run_ids: list[str] | str,
    keys: list[str] | None = None,
    max_points: int | None = None,
    x: str = "step",
) -> Rows:
    """metric_history as plain rows (same columns, order and values), sorted and timestamped
    inside DuckDB: no polars on this path."""
    _check(max_points, x)
    with open_source(cat) as con:
        runs = resolve_refs(con, as_list(run_ids))
        if len(runs) == 1:
            points = _one_run_points(con, runs[0], keys, max_points, x)
            if points is not None and all(
                us is None or _DATETIME_US[0] <= us <= _DATETIME_US[1] for _, _, us, _ in points
            ):
                run = runs[0]
                return Rows(list(HISTORY_COLUMNS), [
                    (run.id, run.name, key, step,
                     None if us is None else _EPOCH + timedelta(microseconds=us), value)
                    for key, step, us, value in points
                ])  # fmt: skip
        points_sql, params = _points_sql(runs, keys, max_points, x)
        found = fetch_all(
            con,
            f"""
            SELECT run_key, key, step,
                   CASE WHEN isfinite(ts) THEN make_timestamp(trunc(ts * 1000000)::BIGINT)
                   END AS timestamp, value
            FROM ({points_sql}) ORDER BY list_position($keys, run_key), key, x, step
            """,
            params,
        )
    names = {r.run_key: (r.id, r.name) for r in runs}
    return Rows(
        list(HISTORY_COLUMNS),
        [(*names[run_key], key, step, ts, value) for run_key, key, step, ts, value in found],
    )


_EPOCH = datetime(1970, 1, 1)


def _downsampled(points: str) -> str:
    """SQL keeping, of each series in `points` longer than $maxp, the first, lowest and
    highest point of each of $nb buckets along x, and its last point."""
    point = "{'step': step, 'ts': ts, 'value': value, 'x': x}"
    return f"""
        WITH pts AS ({points}),
        stats AS (SELECT run_key, key, min(x) AS x0, max(x) AS x1, count(*) AS n
                  FROM pts GROUP BY run_key, key),
        bucketed AS (
            SELECT p.*, least($nb - 1, CAST(floor((p.x - s.x0) * $nb
                   / CASE WHEN s.x1 > s.x0 THEN s.x1 - s.x0 ELSE 1 END) AS BIGINT)) AS b
            FROM pts p JOIN stats s USING (run_key, key) WHERE s.n > $maxp),
        agg AS (
            SELECT run_key, key, b, arg_min({point}, x) AS f, arg_min({point}, value) AS lo,
                   arg_max({point}, value) AS hi, arg_max({point}, x) AS la
            FROM bucketed GROUP BY run_key, key, b),
        picked AS (
            SELECT DISTINCT run_key, key,
                   unnest(CASE WHEN b = $nb - 1 THEN [f, lo, hi, la] ELSE [f, lo, hi] END) AS pt
            FROM agg)
        SELECT p.run_key, p.key, p.step, p.ts, p.value, p.x
        FROM pts p JOIN stats s USING (run_key, key) WHERE s.n <= $maxp
        UNION ALL SELECT run_key, key, pt.step, pt.ts, pt.value, pt.x FROM picked
    """


def _in_order(found: pl.DataFrame, runs: list[RunRef]) -> pl.DataFrame:
    """The points as HISTORY_COLUMNS, ordered by the runs as given, then key, x, step
    (sorting on small integers, not strings)."""
    import polars as pl

    run_pos = {r.run_key: i for i, r in enumerate(runs)}
    key_pos = {k: i for i, k in enumerate(sorted(found["key"].unique().to_list()))}
    stamp = (
        pl.when(pl.col("ts").is_finite())
        .then((pl.col("ts") * 1_000_000).cast(pl.Int64, strict=False))
        .cast(pl.Datetime("us"))
    )
    ordered = found.with_columns(
        pl.col("run_key").replace_strict(run_pos, return_dtype=pl.Int32).alias("_run"),
        pl.col("key").replace_strict(key_pos, return_dtype=pl.Int32).alias("_key"),
    ).sort(["_run", "_key", "x", "step"])
    run_id, run_name, key, step, timestamp, value = HISTORY_COLUMNS
    return ordered.select(
        pl.col("run_key")
        .replace_strict({r.run_key: r.id for r in runs}, return_dtype=pl.String)
        .alias(run_id),
        pl.col("run_key")
        .replace_strict({r.run_key: r.name for r in runs}, return_dtype=pl.String)
        .alias(run_name),
        pl.col("key").alias(key),
        pl.col("step").alias(step),
        stamp.alias(timestamp),
        pl.col("value").alias(value),
    )
