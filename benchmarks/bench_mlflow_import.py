"""Benchmark `workbench import mlflow` on the medium workload, from an mlruns/ folder and from
an mlflow.db, against MLflow's own search_runs on the same stores.

    python benchmarks/bench_mlflow_import.py [--workload medium] [--dir /tmp/wb-bench-mlflow]
Needs the `bench` extra (MLflow). Target: each import (run folders written + ingested) < 10 s.
Measured in the same run, on the same stores: MLflow's `search_runs` listing every run (with
params, metrics and tags), and our `list_runs` of the catalog after the import.

The stores are written directly in MLflow's layouts (experiments created by MLflow's client,
runs as MLflow's file store writes them / rows of its SQLite tables): logging 1M points through
the client would take many minutes. MLflow's search_runs reading every run back checks them.
"cpu" is the process CPU time (all threads): a cross-check on a shared, loaded machine.

    python benchmarks/bench_mlflow_import.py --rss
measures memory instead: each store read (every run with its points, nothing written) and
each whole import in a process of its own, printing its peak RSS above what it held before
(VmHWM), and the mlflow.db reader's against the mlruns/ reader's (both read a batch of
runs at a time: ~1x when neither holds the whole store).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from _timing import Clock, load_average, ratio, time_call  # noqa: E402

T0 = 1_700_000_000_000
SCRIPT = str(Path(__file__).resolve())


def _runs(workload: generate.Workload, experiments: list[str]):
    """(run id, experiment id, index, params, metric points) for every run, reproducibly."""
    rng = random.Random(7)
    for i in range(workload.runs):
        run_id = uuid.UUID(int=rng.getrandbits(128)).hex
        params = {f"p{j}": str(rng.choice([0.1, 0.01, 32, "adam", "sgd"])) for j in range(workload.params)}
        points = [
            (f"m{k}", rng.random(), T0 + i * 1000 + s, s)
            for k in range(workload.metrics)
            for s in range(workload.steps)
        ]
        yield run_id, experiments[i % len(experiments)], i, params, points


def _meta(fields: dict) -> str:
    return "".join(f"{k}: {v}\n" for k, v in fields.items())


def write_file_store(root: Path, workload: generate.Workload) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=root.as_uri())
    exps = [client.create_experiment(f"project-{p}") for p in range(workload.projects)]
    for run_id, exp, i, params, points in _runs(workload, exps):
        run = root / exp / run_id
        for sub in ("params", "metrics", "tags", "artifacts"):
            (run / sub).mkdir(parents=True)
        (run / "meta.yaml").write_text(_meta({
            "artifact_uri": (run / "artifacts").as_uri(), "end_time": T0 + i * 1000 + 999,
            "entry_point_name": "''", "experiment_id": f"'{exp}'", "lifecycle_stage": "active",
            "run_id": run_id, "run_name": f"run-{i}", "run_uuid": run_id, "source_name": "''",
            "source_type": 4, "source_version": "''", "start_time": T0 + i * 1000,
            "status": 3, "tags": "[]", "user_id": "bench",
        }))  # fmt: skip
        for key, value in params.items():
            (run / "params" / key).write_text(value)
        (run / "tags" / "mlflow.runName").write_text(f"run-{i}")
        (run / "tags" / "mlflow.user").write_text("bench")
        by_key: dict[str, list[str]] = {}
        for key, value, ts, step in points:
            by_key.setdefault(key, []).append(f"{ts} {value} {step}\n")
        for key, lines in by_key.items():
            (run / "metrics" / key).write_text("".join(lines))


def write_sqlite_store(db: Path, workload: generate.Workload) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    exps = [client.create_experiment(f"project-{p}") for p in range(workload.projects)]
    con = sqlite3.connect(db)
    with con:
        for run_id, exp, i, params, points in _runs(workload, exps):
            con.execute(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,"
                " user_id, status, start_time, end_time, source_version, lifecycle_stage,"
                " artifact_uri, experiment_id) VALUES (?, ?, 'LOCAL', '', '', 'bench',"
                " 'FINISHED', ?, ?, '', 'active', ?, ?)",
                [run_id, f"run-{i}", T0 + i * 1000, T0 + i * 1000 + 999,
                 f"{db.parent}/artifacts/{exp}/{run_id}/artifacts", int(exp)],
            )  # fmt: skip
            con.executemany(
                "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
                [(k, v, run_id) for k, v in params.items()],
            )
            con.executemany(
                "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
                [("mlflow.runName", f"run-{i}", run_id), ("mlflow.user", "bench", run_id)],
            )
            con.executemany(
                "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                " VALUES (?, ?, ?, ?, ?, 0)",
                [(k, v, ts, run_id, s) for k, v, ts, s in points],
            )
            last = {k: (k, v, ts, s, 0, run_id) for k, v, ts, s in points}
            con.executemany(
                "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                list(last.values()),
            )
    con.close()


def mlflow_search(uri: str) -> tuple[float, int]:
    """Seconds for MLflow's client to list every run with its data; and how many it found."""
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    client = MlflowClient(tracking_uri=uri)
    clock = Clock()
    exps = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    runs = client.search_runs(exps, run_view_type=ViewType.ALL, max_results=50_000)
    return clock.wall, len(runs)


def our_import(uri: str, work: Path) -> tuple[float, float, int, object]:
    """(import seconds, list_runs seconds after it, runs listed, the report)."""
    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog
    from workbench.interop.mlflow_import import import_mlflow

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cat = Catalog(work / "catalog.duckdb")
    clock = Clock()
    report = import_mlflow(cat, uri)
    seconds, cpu = clock.read()
    list_s, listed = time_call(lambda: queries.list_runs(cat))
    return seconds, cpu, list_s, listed.height, report


def _peak_mb() -> float:
    """This process's peak RSS so far: VmHWM (ru_maxrss may carry over the parent's peak)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(what: str, uri: str, work: Path) -> int:
    """In a process of its own: read the store (`read`) or import it (`import`); prints the
    peak RSS above the RSS before, as JSON."""
    import workbench.ingest.batch  # noqa: F401 - loaded before the baseline
    from workbench.interop import mlflow_files, mlflow_import, mlflow_sqlite  # noqa: F401
    from workbench.interop.mlflow_store import open_store

    before = _peak_mb()
    t0 = time.perf_counter()
    if what == "read":
        store = open_store(uri)
        points = sum(run.metrics.height for run in store.runs() if run.metrics is not None)
        store.close()
    else:
        points = our_import(uri, work)[4].points_added
    print(json.dumps({"before": before, "peak": _peak_mb(), "points": points,
                      "seconds": time.perf_counter() - t0}))  # fmt: skip
    return 0


def measure_rss(stores: dict[str, Path], base: Path, workload: generate.Workload) -> int:
    """Peak RSS of reading, and of importing, each store in a fresh process."""
    grown: dict[tuple[str, str], float] = {}
    for what in ("read", "import"):
        for label, path in stores.items():
            uri = path.as_uri() if path.is_dir() else f"sqlite:///{path}"
            out = subprocess.run(
                [sys.executable, SCRIPT, "--child", what, uri, str(base / f"rss-{path.name}")],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            got = json.loads(out.strip().splitlines()[-1])
            assert got["points"] == workload.points, got
            grown[what, label] = got["peak"] - got["before"]
            print(f"{label:10s} {what:6s} peak RSS {got['peak']:7.1f} MB, "
                  f"{grown[what, label]:7.1f} MB above the {got['before']:.1f} MB before it "
                  f"({got['seconds']:.1f} s)")  # fmt: skip
        ratio = grown[what, "mlflow.db"] / grown[what, "mlruns/"]
        print(f"{what}: mlflow.db / mlruns/ peak RSS growth: {ratio:.2f}x")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="medium", choices=sorted(generate.WORKLOADS))
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--limit", type=float, default=10.0, help="seconds an import may take")
    parser.add_argument("--rss", action="store_true", help="measure peak memory instead")
    parser.add_argument("--child", nargs=3, metavar=("WHAT", "URI", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    load = os.getloadavg()
    if args.child:
        return child(args.child[0], args.child[1], Path(args.child[2]))
    workload = generate.WORKLOADS[args.workload]
    base = args.dir or Path(tempfile.gettempdir()) / f"wb-bench-mlflow-{args.workload}"
    stores = {"mlruns/": base / "mlruns", "mlflow.db": base / "mlflow.db"}
    if not (base / "done").exists():
        shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    os.chdir(base)  # MLflow's client may create an mlflow.db in the working folder
    if not (base / "done").exists():
        t0 = time.perf_counter()
        write_file_store(stores["mlruns/"], workload)
        write_sqlite_store(stores["mlflow.db"], workload)
        (base / "done").write_text("")
        print(f"stores written in {time.perf_counter() - t0:.1f} s under {base}")
    if args.rss:
        return measure_rss(stores, base, workload)
    import workbench.ingest.batch  # noqa: F401 - warm imports: time the import, not start-up

    print(f"workload {args.workload}: {workload.runs:,} runs x {workload.params} params x "
          f"{workload.metrics} metrics x {workload.steps} steps = {workload.points:,} points")  # fmt: skip
    worst = 0.0
    for label, path in stores.items():
        uri = path.as_uri() if path.is_dir() else f"sqlite:///{path}"
        work = base / f"work-{path.name}"
        seconds, cpu, list_s, listed, report = our_import(uri, work)
        search_s, found = mlflow_search(uri)
        assert listed == found == workload.runs, (listed, found)
        assert report.points_added == workload.points and not report.problems
        again_s, _ = time_call(lambda u=uri, w=work: our_import_again(u, w))
        worst = max(worst, seconds / args.limit)
        print(f"{label:10s} import {seconds:6.2f} s (cpu {cpu:5.2f} s; limit {args.limit:.0f} s: "
              f"{ratio(seconds, args.limit)})  re-import {again_s:5.2f} s  "
              f"{workload.points / seconds:,.0f} points/s")  # fmt: skip
        print(f"{'':10s} listing {found:,} runs: MLflow search_runs {search_s:6.2f} s, "
              f"our list_runs {list_s:6.3f} s (ours/MLflow {ratio(list_s, search_s, 3)}); our whole "
              f"import / MLflow's listing alone: {ratio(seconds, search_s)}")  # fmt: skip
    print(f"worst import / limit: {worst:.2f}x " + ("(ok)" if worst < 1 else "(OVER)"))
    print(f"while measuring: {load_average(since=load)}")
    return 0 if worst < 1 else 1


def our_import_again(uri: str, work: Path) -> object:
    """A no-op re-import into the same catalog (nothing new in the store)."""
    from workbench.catalog.connection import Catalog
    from workbench.interop.mlflow_import import import_mlflow

    return import_mlflow(Catalog(work / "catalog.duckdb"), uri)


if __name__ == "__main__":
    sys.exit(main())
