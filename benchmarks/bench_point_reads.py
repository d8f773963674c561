"""One run, in process: `get_run` and one metric's 100-point history, beside MLflow's client.

    python benchmarks/bench_point_reads.py [--repeat 50] [--runs 50] [--mlflow-runs 2000] [--data DIR]
                                          [--source ingest|direct]

The medium catalog (benchmarks/_data, built by bench_queries.py) and the same runs loaded
into MLflow's sqlite and file stores (the first --mlflow-runs of them; loading all 2,000
takes minutes) are read side by side, interleaved call by call, so a load spike hits every
reader alike. Workbench calls include opening and closing the catalog (a `Catalog` kept by
the process, as the app keeps one). Each call reads the next of --runs different runs, so no
reader answers from what it read the call before. Workbench is measured twice: "in a burst"
(just after another read, whose read-only attach lingers 0.2 s, as when the app moves
through runs: the untimed read before it is the same read of another run) and "alone"
(nothing attached: the call attaches and detaches the file). Prints best and median
ms and the ratio to the fastest peer measured in this run, in wall time and in CPU time
(time.process_time: on a machine shared with other jobs, wall time is mostly waiting for a
core). trackio is not wired in yet.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _timing import Clock, best_median, load_average, ratio  # noqa: E402
from bench_queries import MLFLOW_URIS, mlflow_installed  # noqa: E402


def mlflow_store(data: Path, medium: Path, runs: int, store: str) -> str:
    """The URI of an MLflow store ("sqlite" or "file") holding the first `runs` medium runs
    (their params, tags and every metric point), loaded once under `data`."""
    import bench_queries

    bench_queries.quiet_mlflow()
    folder = data / f"mlflow-points-{store}-{runs}"
    uri = MLFLOW_URIS[store](folder)
    if not (folder / ".complete").exists():
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        keys, by_run = bench_queries.catalog_rows(medium, runs)
        print(f"  loading {runs} runs into MLflow ({store}) ...", flush=True)
        seconds = bench_queries.load_mlflow(uri, keys, by_run)
        (folder / ".complete").write_text(f"{seconds:.1f}")
    return uri


def mlflow_readers(data: Path, medium: Path, runs: int, run_names: list[str]) -> dict:
    """{label: callable} for MLflow's stores (loaded once under `data`), or {} without it;
    each call reads the next of `run_names`."""
    if not mlflow_installed():
        return {}
    from mlflow.tracking import MlflowClient

    readers = {}
    for store in MLFLOW_URIS:
        client = MlflowClient(mlflow_store(data, medium, runs, store))
        exp = client.get_experiment_by_name("bench").experiment_id
        ids = []
        for name in run_names:
            found = client.search_runs([exp], filter_string=f"attributes.run_name = '{name}'")
            ids.append(found[0].info.run_id)
        readers[f"MLflow {store}: get_run"] = cycling(lambda r, c=client: c.get_run(r), ids)
        readers[f"MLflow {store}: metric_0 history"] = cycling(
            lambda r, c=client: c.get_metric_history(r, "metric_0"), ids
        )
    return readers


def cycling(read, items: list, linger: str | None = None):
    """A reader that reads the next of `items` at each call (with $WORKBENCH_READ_LINGER set
    to `linger` during the call, when given)."""
    position = [0]

    def call():
        item = items[position[0] % len(items)]
        position[0] += 1
        if linger is None:
            return read(item)
        before = os.environ.get("WORKBENCH_READ_LINGER")
        os.environ["WORKBENCH_READ_LINGER"] = linger
        try:
            return read(item)
        finally:
            if before is None:
                del os.environ["WORKBENCH_READ_LINGER"]
            else:
                os.environ["WORKBENCH_READ_LINGER"] = before

    return call


#: Untimed, before each workbench call: "in a burst" reads just after the same read of another
#: run (as the app moving through runs, or a script reading run after run: the attach
#: lingers and the tables the read touches are warm); "alone" reads with nothing attached.
def _in_a_burst(read, run_ids: list[str]):
    half = len(run_ids) // 2
    return cycling(read, run_ids[half:] + run_ids[:half])  # never the run read next


def _alone():
    from workbench.catalog.connection import release_lingering

    return release_lingering


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--mlflow-runs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50, help="different runs read in turn")
    parser.add_argument("--data", type=Path, default=HERE / "_data")
    parser.add_argument("--source", choices=["ingest", "direct"], default="ingest",
                        help="build the medium catalog from run folders or straight in DuckDB")
    args = parser.parse_args(argv)

    import bench_queries

    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog

    medium = bench_queries.build(args.data, "medium", (2000, 20, 5, 100), args.source)
    cat = Catalog(medium)
    n = min(args.mlflow_runs, 2000)
    with cat.connect(read_only=True) as con:  # runs MLflow has too (loaded in key order)
        picked = con.execute(
            "SELECT run_id, name FROM runs ORDER BY run_key LIMIT ? OFFSET ?",
            [args.runs, max(0, n // 2 - args.runs // 2)],
        ).fetchall()
    run_ids = [r[0] for r in picked]
    readers = {}
    prepare = {}
    reads = {
        "get_run": lambda r: queries.get_run(cat, r),
        "metric_0 history (frame, as the app)":
            lambda r: queries.metric_history(cat, [r], keys=["metric_0"]),
        "metric_0 history (rows, as the CLI)":
            lambda r: queries.metric_history_rows(cat, [r], keys=["metric_0"]),
    }
    for label, linger in ((" in a burst", None), (" alone", "0")):
        for name, read in reads.items():
            readers[f"workbench{label}: {name}"] = cycling(read, run_ids, linger)
            prepare[f"workbench{label}: {name}"] = (
                _in_a_burst(read, run_ids) if linger is None else _alone()
            )
    readers |= mlflow_readers(args.data, medium, n, [r[1] for r in picked])

    load = os.getloadavg()
    wall: dict[str, list[float]] = {label: [] for label in readers}
    cpu: dict[str, list[float]] = {label: [] for label in readers}
    for fn in readers.values():
        fn()  # warm-up: first calls of a process
    for _ in range(args.repeat):
        for label, fn in readers.items():
            if label in prepare:
                prepare[label]()
            clock = Clock()
            fn()
            wall_s, cpu_s = clock.read()
            cpu[label].append(cpu_s * 1000)
            wall[label].append(wall_s * 1000)
    print(f"\none run of the medium catalog ({n} runs in MLflow), {args.repeat} interleaved calls,"
          f" {load_average(since=load)}; ms")
    for clock, times in (("wall", wall), ("CPU", cpu)):
        print(f"\n{clock} time\n")
        for kind in ("get_run", "history"):
            report(times, kind)


def report(times: dict[str, list[float]], kind: str) -> None:
    """One table: best and median of each reader of `kind`, and ratios to the fastest peer."""
    rows = {k: v for k, v in times.items() if kind in k}
    peers = [v for k, v in rows.items() if not k.startswith("workbench")]
    fastest = min(min(v) for v in peers) if peers else None
    peer_median = min(statistics.median(v) for v in peers) if peers else None
    print("| read | best ms | median ms | best / fastest peer's best"
          " | median / fastest peer's median |")
    print("|---|---|---|---|---|")
    for label, values in rows.items():
        best, median = best_median(values)
        ratio_b = ratio(best, fastest) if fastest else ""
        ratio_m = ratio(median, peer_median) if peer_median else ""
        print(f"| {label} | {best:.2f} | {median:.2f} | {ratio_b} | {ratio_m} |")
    print()

if __name__ == "__main__":
    main()
