"""Read-side benchmarks: list, filter+sort, metric history, a 100k-run catalog, and MLflow.

Usage: python benchmarks/bench_queries.py [--repeat 7] [--source ingest|direct]
       [--mlflow-runs 2000] [--mlflow-long-steps 20000] [--no-mlflow] [--data DIR]

Catalogs are built once under benchmarks/_data/ (git-ignored) and reused. "medium" and
"long" come from benchmarks/generate.py run folders + ingest (or, with --source direct,
the same shapes written straight into DuckDB); the 100,000-run catalog is always written
directly with bulk INSERT ... SELECT (no metric points: listing reads metric_summary).
The same medium data is loaded into MLflow 3.x with a sqlite store and a file store
(MLflowClient.log_batch, one batch per run); --mlflow-runs scales that down (the output
says so). Each timing is the best and the median of --repeat calls, in milliseconds,
including opening and closing the catalog, as a CLI or TUI call would.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _timing import Clock, ratio, repeat_ms, time_call  # noqa: E402

FILTER = "metrics.metric_0 > 0.5 and (params.p2 = 'v2' or params.p1 >= 100)"
SORT = ["-metrics.metric_1"]
MLFLOW_FILTER = "metrics.metric_0 > 0.5 and params.p2 = 'v2'"
#: MLflow's two local stores, by the URI of each under a folder
MLFLOW_URIS = {
    "sqlite": lambda folder: f"sqlite:///{folder}/mlflow.db",
    "file": lambda folder: Path(folder, "mlruns").as_uri(),
}


# -- building catalogs ---------------------------------------------------------------------


def direct_catalog(path: Path, runs: int, params: int, metrics: int, steps: int) -> None:
    """Write a catalog of the generate.py shape straight into DuckDB with bulk statements."""
    from workbench.catalog.connection import Catalog

    cat = Catalog(path)
    with cat.connect() as con:
        con.execute("BEGIN")
        con.execute(
            f"""
            INSERT INTO runs (run_key, run_id, project, name, status, started_at, ended_at,
                              heartbeat_at, path, root, host, user_name, python, command)
            SELECT i + 1, printf('run%06d', i), 'proj' || (i % 4), 'run-' || i,
                   CASE WHEN i % 50 = 7 THEN 'failed' ELSE 'finished' END,
                   TIMESTAMP '2025-11-23 12:00:00' + to_seconds(i * 100),
                   TIMESTAMP '2025-11-23 12:01:00' + to_seconds(i * 100),
                   TIMESTAMP '2025-11-23 12:01:00' + to_seconds(i * 100),
                   '/bench/run' || i, '/bench', 'bench-host', 'bench', '3.11.7', '["train.py"]'
            FROM range({runs}) t(i)
            """
        )
        con.execute(
            f"""
            INSERT INTO params
            SELECT i + 1, 'p' || j,
                   CASE j % 3 WHEN 0 THEN CAST(hash(i, j) % 100000 / 100000.0 AS VARCHAR)
                              WHEN 1 THEN CAST(j * i AS VARCHAR) ELSE 'v' || j END,
                   CASE j % 3 WHEN 0 THEN hash(i, j) % 100000 / 100000.0
                              WHEN 1 THEN j * i END,
                   CASE j % 3 WHEN 2 THEN 'string' ELSE 'number' END
            FROM range({runs}) t(i), range({params}) u(j)
            """
        )
        con.execute(
            f"INSERT INTO tags SELECT i + 1, 'kind', 'bench' FROM range({runs}) t(i)"
            f" UNION ALL SELECT i + 1, 'seed', CAST(i AS VARCHAR) FROM range({runs}) t(i)"
        )
        if steps:
            con.execute(
                f"""
                INSERT INTO metric_points
                SELECT i + 1, 'metric_' || m, s, 1763900000.0 + i * 100 + s * 0.01, random()
                FROM range({runs}) t(i), range({metrics}) mm(m), range({steps}) ss(s)
                """
            )
            con.execute(
                """
                INSERT INTO metric_summary
                SELECT run_key, key, arg_max(value, step), max(step), arg_max(ts, step),
                       min(value), max(value), count(*)
                FROM metric_points GROUP BY run_key, key
                """
            )
        else:
            con.execute(
                f"""
                INSERT INTO metric_summary
                SELECT i + 1, 'metric_' || m, random(), 99, 1763900000.0 + i * 100,
                       random() / 2, 0.5 + random() / 2, 100
                FROM range({runs}) t(i), range({metrics}) mm(m)
                """
            )
        con.execute("UPDATE catalog_state SET value = value + 1 WHERE key = 'data_version'")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")


def ingested_catalog(path: Path, workload: str, data: Path) -> float:
    """generate.py run folders + ingest_paths; returns the ingest seconds."""
    import generate

    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    root = data / f"runs-{workload}"
    if not (root / ".complete").exists():
        generate.generate(workload, root)
        (root / ".complete").write_text("")
    seconds, _ = time_call(lambda: ingest_paths(Catalog(path), [root]))
    return seconds


def build(data: Path, name: str, shape: tuple[int, int, int, int], source: str) -> Path:
    path = data / f"{name}-{source}.duckdb"
    if path.exists():
        return path
    clock = Clock()
    if source == "ingest" and name in ("medium", "long"):
        try:
            seconds = ingested_catalog(path, name, data)
            print(f"  built {name} by ingest in {seconds:.1f} s")
            return path
        except Exception as exc:  # noqa: BLE001 - fall back and say so
            print(f"  ingest of {name} failed ({exc}); writing it directly instead")
            for stale in data.glob(f"{name}-{source}.duckdb*"):
                stale.unlink()
    direct_catalog(path, *shape)
    print(f"  built {name} directly in {clock.wall:.1f} s")
    return path


# -- workbench reads -----------------------------------------------------------------------


LONG_IDS = [f"run{i:06d}" for i in range(20)]


def bench_workbench(data: Path, source: str, repeat: int) -> dict[str, tuple]:
    """Build (once) the medium, long and 100k-run catalogs and time every read on them:
    {label: (best ms, median ms, target ms or None, rows, note)}."""
    from workbench.catalog.connection import Catalog

    print("building catalogs (cached in", data, ")")
    medium = Catalog(build(data, "medium", (2000, 20, 5, 100), source))
    long = Catalog(build(data, "long", (20, 10, 5, 20000), source))
    huge = Catalog(build(data, "huge", (100_000, 20, 5, 0), "direct"))
    results: dict[str, tuple] = {}

    def record(label: str, fn, target: float | None = None, note: str = "") -> None:
        best, median, result = repeat_ms(fn, repeat)
        rows = getattr(result, "height", None)
        results[label] = (best, median, target, rows, note)
        flag = "" if target is None else ("ok" if median < target else "SLOW")
        print(f"  {label:<52} best {best:8.1f}  median {median:8.1f} ms  rows {rows}  {flag}")

    print("workbench (DuckDB catalog)")
    catalog_reads(record, medium, long, huge)
    print("workbench, query work only (one catalog connection kept open)")
    open_connection_reads(record, medium, long, huge)
    results["open+close"] = open_close(medium, repeat)
    return results


def catalog_reads(record, medium, long, huge) -> None:
    """Each read as a CLI or app call makes it: the catalog opened and closed around it."""
    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog

    record("medium: list all runs + latest metrics", lambda: queries.list_runs(medium), 30)
    record(
        "medium: filter + sort, top 50",
        lambda: queries.list_runs(medium, filter=FILTER, sort=SORT, limit=50),
        20,
    )
    record(
        "medium: filter + sort, top 50, new Catalog per call",
        lambda: queries.list_runs(Catalog(medium.path), filter=FILTER, sort=SORT, limit=50),
    )
    record(
        "medium: runs_to_records (all, for --json)",
        lambda: queries.runs_to_records(queries.list_runs(medium)),
    )
    record("medium: get_run", lambda: queries.get_run(medium, "run000123"))
    record(
        "medium: compare 5 runs",
        lambda: queries.compare_runs(medium, [f"run{i:06d}" for i in range(5)]),
    )
    record("long: metric_keys of 20 runs", lambda: queries.metric_keys(long, LONG_IDS))
    record(
        "long: metric_0 history of 20 runs (400k pts), full",
        lambda: queries.metric_history(long, LONG_IDS, keys=["metric_0"]),
        200,
    )
    record(
        "long: same, downsampled to 200 pts per run",
        lambda: queries.metric_history(long, LONG_IDS, keys=["metric_0"], max_points=200),
        50,
    )
    record(
        "long: one run-key (20k pts), downsampled to 200",
        lambda: queries.metric_history(long, ["run000003"], keys=["metric_0"], max_points=200),
    )
    record(
        "100k runs: filter + sort, top 50",
        lambda: queries.list_runs(huge, filter=FILTER, sort=SORT, limit=50),
        300,
    )
    record(
        "100k runs: filter + sort, all matches (wide)",
        lambda: queries.list_runs(huge, filter=FILTER, sort=SORT),
        300,
    )
    record("100k runs: list everything (wide, 100k x 32)", lambda: queries.list_runs(huge))
    record("100k runs: list_projects", lambda: queries.list_projects(huge))


def open_connection_reads(record, medium, long, huge) -> None:
    """The same reads on a connection kept open: the query work alone."""
    from workbench.catalog import queries

    with medium.connect(read_only=True) as con:
        record("open: medium list all runs", lambda: queries.list_runs(con))
        record(
            "open: medium filter + sort, top 50",
            lambda: queries.list_runs(con, filter=FILTER, sort=SORT, limit=50),
        )
        record("open: medium get_run", lambda: queries.get_run(con, "run000123"))
    with long.connect(read_only=True) as con:
        record(
            "open: long 400k pts full",
            lambda: queries.metric_history(con, LONG_IDS, keys=["metric_0"]),
        )
        record(
            "open: long downsampled to 200 per run",
            lambda: queries.metric_history(con, LONG_IDS, keys=["metric_0"], max_points=200),
        )
    with huge.connect(read_only=True) as con:
        record(
            "open: 100k filter + sort, top 50",
            lambda: queries.list_runs(con, filter=FILTER, sort=SORT, limit=50),
        )


def open_close(medium, repeat: int) -> tuple:
    """What opening and closing the catalog alone costs (the results row "open+close")."""
    from workbench.catalog.connection import Catalog

    clock = Clock()
    for _ in range(repeat):
        with medium.connect(read_only=True):
            pass
    open_ms = clock.wall * 1000 / repeat
    print(f"  opening + closing the catalog alone: {open_ms:.1f} ms on average")
    clock.restart()
    for _ in range(repeat):
        with Catalog(medium.path).connect(read_only=True):
            pass
    fresh_ms = clock.wall * 1000 / repeat
    print(f"  the same with a new Catalog each time (schema check): {fresh_ms:.1f} ms on average")
    return (open_ms, open_ms, None, None, "")


# -- MLflow --------------------------------------------------------------------------------


def mlflow_installed() -> bool:
    """Whether MLflow (the `bench` extra) is installed; says how to install it if not."""
    try:
        import mlflow  # noqa: F401
    except ImportError:
        print("(MLflow not installed: pip install -e '.[bench]' to compare)")
        return False
    return True


def quiet_mlflow() -> None:
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # nothing leaves the machine
    os.environ.setdefault("DO_NOT_TRACK", "true")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")
    warnings.filterwarnings("ignore")
    import mlflow  # noqa: F401 - configures its loggers on import; quiet them afterwards

    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.ERROR)


def catalog_rows(cat_path: Path, runs: int):
    """Medium data read back from the workbench catalog, for loading into MLflow."""
    from workbench.catalog.connection import Catalog

    with Catalog(cat_path).connect(read_only=True) as con:
        keys = con.execute(
            "SELECT run_key, run_id, name, epoch(started_at) FROM runs ORDER BY run_key LIMIT ?",
            [runs],
        ).fetchall()
        top = max(k[0] for k in keys)
        params = con.execute(
            "SELECT run_key, key, value_text FROM params WHERE run_key <= ? ORDER BY run_key", [top]
        ).fetchall()
        tags = con.execute(
            "SELECT run_key, key, value FROM tags WHERE run_key <= ? ORDER BY run_key", [top]
        ).fetchall()
        points = con.execute(
            "SELECT run_key, key, step, ts, value FROM metric_points WHERE run_key <= ?"
            " ORDER BY run_key, step",
            [top],
        ).fetchall()
    by_run: dict[int, dict] = {k[0]: {"params": [], "tags": [], "points": []} for k in keys}
    for row in params:
        by_run.get(row[0], {}).get("params", []).append(row[1:])
    for row in tags:
        by_run.get(row[0], {}).get("tags", []).append(row[1:])
    for row in points:
        by_run.get(row[0], {}).get("points", []).append(row[1:])
    return keys, by_run


def load_mlflow(uri: str, keys, by_run, max_batch: int = 1000) -> float:
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    exp = client.create_experiment("bench")
    clock = Clock()
    for run_key, _run_id, name, started in keys:
        data = by_run[run_key]
        run = client.create_run(exp, start_time=int(started * 1000), run_name=name)
        rid = run.info.run_id
        params = [Param(k, v) for k, v in data["params"]]
        tags = [RunTag(k, v) for k, v in data["tags"]]
        metrics = [Metric(k, v, int(ts * 1000), s) for k, s, ts, v in data["points"]]
        first = max_batch - len(params) - len(tags)
        client.log_batch(rid, metrics=metrics[:first], params=params, tags=tags)
        for i in range(first, len(metrics), max_batch):
            client.log_batch(rid, metrics=metrics[i : i + max_batch])
        client.set_terminated(rid, "FINISHED", end_time=int(started * 1000) + 60_000)
    return clock.wall


def time_mlflow_store(store: str, uri: str, long_uri: str, repeat: int) -> dict[str, tuple]:
    """Time the MLflow reads that mirror the workbench ones, on one store."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    long_client = MlflowClient(long_uri)
    exp = client.get_experiment_by_name("bench").experiment_id
    long_exp = long_client.get_experiment_by_name("bench").experiment_id
    long_ids = [r.info.run_id for r in long_client.search_runs([long_exp], max_results=100)]
    one_id = client.search_runs([exp], max_results=1)[0].info.run_id
    res: dict[str, tuple] = {}

    def record(label, fn, rows_of=len):
        best, median, result = repeat_ms(fn, repeat)
        res[label] = (best, median, rows_of(result))
        print(f"  mlflow {store:<6} {label:<44} best {best:9.1f}  median {median:9.1f} ms")

    record(
        "list all runs + latest metrics",
        lambda: client.search_runs([exp], max_results=50000),
    )
    record(
        "filter + sort, top 50",
        lambda: client.search_runs(
            [exp], filter_string=MLFLOW_FILTER, order_by=["metrics.metric_1 DESC"],
            max_results=50,
        ),
    )  # fmt: skip
    record(
        "get_run",
        lambda: client.get_run(one_id),
        rows_of=lambda r: 1,
    )
    record(
        "metric_0 history of 20 runs, full",
        lambda: [long_client.get_metric_history(rid, "metric_0") for rid in long_ids],
        rows_of=lambda r: sum(len(h) for h in r),
    )
    return res


def bench_mlflow(data: Path, medium_path: Path, long_path: Path, args) -> dict[str, dict]:
    quiet_mlflow()

    keys, by_run = catalog_rows(medium_path, args.mlflow_runs)
    n = len(keys)
    long_keys, long_runs = catalog_rows(long_path, 20)
    for data_ in long_runs.values():  # one key, optionally fewer steps
        data_["points"] = [
            p for p in data_["points"] if p[0] == "metric_0" and p[1] < args.mlflow_long_steps
        ]
        data_["params"], data_["tags"] = [], []
    out: dict[str, dict] = {}
    for store, make_uri in MLFLOW_URIS.items():
        folder = data / f"mlflow-{store}-{n}-{args.mlflow_long_steps}"
        done = folder / ".complete"
        uri, long_uri = make_uri(folder / "medium"), make_uri(folder / "long")
        if not done.exists():
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            (folder / "medium").mkdir(parents=True)
            (folder / "long").mkdir(parents=True)
            print(f"  loading {n} medium runs into MLflow ({store}) ...", flush=True)
            secs = load_mlflow(uri, keys, by_run)
            print(f"  loaded in {secs:.1f} s; loading long metric_0 ...", flush=True)
            secs_long = load_mlflow(long_uri, long_keys, long_runs)
            print(f"  loaded long in {secs_long:.1f} s")
            done.write_text(f"{secs:.1f} {secs_long:.1f}")
        out[store] = time_mlflow_store(store, uri, long_uri, args.mlflow_repeat)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--mlflow-repeat", type=int, default=3)
    parser.add_argument("--source", choices=["ingest", "direct"], default="ingest")
    parser.add_argument("--mlflow-runs", type=int, default=2000)
    parser.add_argument("--mlflow-long-steps", type=int, default=20000)
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--data", type=Path, default=HERE / "_data")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    wb = bench_workbench(args.data, args.source, args.repeat)
    if args.no_mlflow:
        return
    medium = args.data / f"medium-{args.source}.duckdb"
    long = args.data / f"long-{args.source}.duckdb"
    ml = bench_mlflow(args.data, medium, long, args)
    pairs = [
        ("list all runs + latest metrics", "medium: list all runs + latest metrics",
         "open: medium list all runs"),
        ("filter + sort, top 50", "medium: filter + sort, top 50",
         "open: medium filter + sort, top 50"),
        ("get_run", "medium: get_run", "open: medium get_run"),
        ("metric_0 history of 20 runs, full",
         "long: metric_0 history of 20 runs (400k pts), full", "open: long 400k pts full"),
    ]  # fmt: skip
    scale = ""
    if args.mlflow_runs < 2000 or args.mlflow_long_steps < 20000:
        scale = (
            f" (MLflow scaled down: {args.mlflow_runs} medium runs, "
            f"{args.mlflow_long_steps} steps per long run)"
        )

    print(f"\nside by side, median ms; ratio = MLflow time / workbench time{scale}")
    print(
        f"  {'read':<36} {'workbench':>10} {'(open con)':>10} {'mlflow sqlite':>14}"
        f" {'ratio':>7} {'mlflow file':>12} {'ratio':>7}"
    )
    for ml_label, wb_label, open_label in pairs:
        w, wo = wb[wb_label][1], wb[open_label][1]
        sq, fi = ml["sqlite"][ml_label][1], ml["file"][ml_label][1]
        print(
            f"  {ml_label:<36} {w:10.1f} {wo:10.1f} {sq:14.1f} {ratio(sq, w, 1):>7}"
            f" {fi:12.1f} {ratio(fi, w, 1):>7}"
        )


if __name__ == "__main__":
    main()
