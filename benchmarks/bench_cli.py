"""The CLI as a person meets it: each read command as a fresh process on the medium catalog.

    python benchmarks/bench_cli.py [--repeat 5] [--data DIR] [--no-mlflow] [--mlflow-runs N]

Every command is timed end to end (process start to exit, output to a pipe) and printed
with its ratio to `python -c "import duckdb"` measured in the same run, interleaved with
the commands (machines here differ 2-3x from day to day; the ratios do not). The medium
catalog (2,000 runs x 20 params x 5 metrics x 100 steps) is built once under
benchmarks/_data/ by bench_queries.py's builder. With the `bench` extra installed, the same
listing through MLflow's client (sqlite and file stores, loaded once by
bench_point_reads.py; --mlflow-runs to load fewer) is timed the same way. Byte-code is compiled first (as `pip install` does), so no command pays
for compiling the package's sources.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _timing import best_median, load_average, ratio, time_process  # noqa: E402

FILTER = "metrics.metric_0 > 0.5 and (params.p2 = 'v2' or params.p1 >= 100)"
#: (label, workbench arguments, target seconds, target ratio to the DuckDB import)
COMMANDS = [
    ("--version", ["--version"], None, None),
    ("runs --filter ... --sort ... --limit 50", ["runs", "--filter", FILTER, "--sort",
                                                 "-metrics.metric_1", "--limit", "50"], 0.5, 2.0),
    ("show RUN", ["show", "run-1234"], 0.5, 2.0),
    ("metrics RUN metric_0 --json", ["metrics", "run-1234", "metric_0", "--json"], 0.5, 2.0),
    ("compare RUN RUN", ["compare", "run-1234", "run-1235"], None, None),
    ("projects", ["projects"], None, None),
    ("sql 'SELECT count(*) ...'", ["sql", "SELECT count(*) FROM runs_view"], None, None),
    ("runs --json (2,000 runs)", ["runs", "--json"], 0.6, None),
    ("runs --csv (2,000 runs)", ["runs", "--csv"], 0.6, None),
    ("runs (table, 2,000 runs)", ["runs"], 0.7, None),
]

MLFLOW_LIST = """
import os, sys, warnings
os.environ.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true",
                  MLFLOW_LOGGING_LEVEL="ERROR", MLFLOW_ALLOW_FILE_STORE="true")
warnings.filterwarnings("ignore")
from mlflow.tracking import MlflowClient
client = MlflowClient(sys.argv[1])
exp = client.get_experiment_by_name("bench").experiment_id
runs = client.search_runs([exp], max_results=50000)
for r in runs:
    print(r.info.run_id, r.info.run_name, r.info.status, *r.data.metrics.values())
"""


def bench(programs: dict[str, list[str]], repeat: int, env: dict[str, str]) -> dict[str, list]:
    """Run every program once per round (round-robin, after one warm-up round)."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in programs}
    for round_ in range(repeat + 1):
        for label, argv in programs.items():
            seconds = time_process(argv, env)
            if round_:
                times[label].append(seconds)
    return times


def mlflow_programs(data: Path, medium: Path, runs: int) -> dict[str, list[str]]:
    """The MLflow listing per store, when the bench extra is installed (stores load once)."""
    from bench_point_reads import mlflow_store
    from bench_queries import MLFLOW_URIS, mlflow_installed

    if not mlflow_installed():
        return {}

    return {
        f"MLflow {store}: search_runs, all {runs} runs": [
            sys.executable, "-c", MLFLOW_LIST, mlflow_store(data, medium, runs, store)
        ]
        for store in MLFLOW_URIS
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=HERE / "_data")
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--mlflow-runs", type=int, default=2000,
                        help="runs loaded into MLflow (loading all 2,000 takes minutes)")
    parser.add_argument("--columns", type=int, default=120, help="terminal width for tables")
    args = parser.parse_args(argv)

    import bench_queries

    args.data.mkdir(parents=True, exist_ok=True)
    medium = bench_queries.build(args.data, "medium", (2000, 20, 5, 100), "ingest")
    env = dict(os.environ, COLUMNS=str(args.columns), WORKBENCH_DB=str(medium))
    # as installed: byte-code compiled once (pip does it at install), not on every start
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    import compileall

    import workbench

    compileall.compile_dir(Path(workbench.__file__).parent, quiet=1)
    workbench = [sys.executable, "-m", "workbench.cli.main"]
    programs = {"python -c 'import duckdb'": [sys.executable, "-c", "import duckdb"]}
    programs |= {label: [*workbench, *cmd] for label, cmd, _, _ in COMMANDS}
    if not args.no_mlflow:
        programs |= mlflow_programs(args.data, medium, args.mlflow_runs)
    load = os.getloadavg()
    times = bench(programs, args.repeat, env)
    base = statistics.median(w for w, _ in times["python -c 'import duckdb'"])
    base_cpu = statistics.median(c for _, c in times["python -c 'import duckdb'"])
    targets = {label: (secs, limit) for label, _, secs, limit in COMMANDS}
    print(f"\nmedium catalog, {args.repeat} rounds, {load_average(since=load)};"
          " wall and CPU seconds, median (best)\n")
    print("| command | wall s | × import duckdb | CPU s | × import duckdb | target |")
    print("|---|---|---|---|---|---|")
    for label, values in times.items():
        best, median = best_median(w for w, _ in values)
        best_cpu, cpu = best_median(c for _, c in values)
        secs, limit = targets.get(label, (None, None))
        target = ""
        if secs is not None:
            target = f"≤ {secs} s" + (f" (≤ {limit:g}×)" if limit else "")
        print(
            f"| {label} | {median:.3f} ({best:.3f}) | {ratio(median, base)} "
            f"| {cpu:.3f} ({best_cpu:.3f}) | {ratio(cpu, base_cpu)} | {target} |"
        )

if __name__ == "__main__":
    main()
