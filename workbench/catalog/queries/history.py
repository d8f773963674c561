"""Metric history: which metrics runs logged, and their points (downsampled inside DuckDB)."""

from __future__ import annotations

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
            rows = _one_run_rows(con, *_points_sql(runs, keys, max_points, x))
            if rows is not None:
                return _small_frame(runs[0], rows)
        found = _query(con, *_points_sql(runs, keys, max_points, x))
    return _in_order(found, runs)


#: Up to this many points, one run's history is fetched as tuples and ordered in Python:
#: for a point read, the polars round trip (Arrow, integer codes, a sort) costs more than
#: the query. Beyond it the frame path below is cheaper.
SMALL_HISTORY = 5000


def _one_run_rows(con: DuckDBPyConnection, points: str, params: Params) -> Rows | None:
    """One run's points as (key, step, epoch µs, value, x) rows ordered by key, x, step;
    None when there are more than SMALL_HISTORY of them (the caller reads them again as
    a frame: rare, and small beside reading that many points)."""
    cursor = con.execute(
        f"""SELECT key, step, CASE WHEN isfinite(ts) THEN trunc(ts * 1000000)::BIGINT END,
                   value, x FROM ({points})""",
        params,
    )
    found = cursor.fetchmany(SMALL_HISTORY + 1)
    if len(found) > SMALL_HISTORY:
        return None
    # polars' order: NaN after every number
    found.sort(key=lambda r: (r[0], r[4] != r[4], r[4], r[1]))
    return Rows(["key", "step", "us", "value", "x"], found)


def _small_frame(run: RunRef, rows: Rows) -> pl.DataFrame:
    """HISTORY_COLUMNS from _one_run_rows' tuples (no sort, no Arrow)."""
    import polars as pl

    run_id, run_name, key, step, timestamp, value = HISTORY_COLUMNS
    n = len(rows.rows)
    keys, steps, stamps, values, _ = zip(*rows.rows, strict=True) if n else ([], [], [], [], [])
    return pl.DataFrame(
        {
            run_id: [run.id] * n,
            run_name: [run.name] * n,
            key: list(keys),
            step: list(steps),
            timestamp: pl.Series(timestamp, list(stamps), pl.Int64).cast(pl.Datetime("us")),
            value: list(values),
        },
        schema={run_id: pl.String, run_name: pl.String, key: pl.String, step: pl.Int64,
                timestamp: pl.Datetime("us"), value: pl.Float64},
    )


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
        points, params = _points_sql(runs, keys, max_points, x)
        found = fetch_all(
            con,
            f"""
            SELECT run_key, key, step,
                   CASE WHEN isfinite(ts) THEN make_timestamp(trunc(ts * 1000000)::BIGINT)
                   END AS timestamp, value
            FROM ({points}) ORDER BY list_position($keys, run_key), key, x, step
            """,
            params,
        )
    names = {r.run_key: (r.id, r.name) for r in runs}
    return Rows(
        list(HISTORY_COLUMNS),
        [(*names[run_key], key, step, ts, value) for run_key, key, step, ts, value in found],
    )


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
