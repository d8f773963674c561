"""Logging throughput: workbench's tracking API against MLflow's local file store, same workload.

Usage: python benchmarks/bench_tracking.py [--runs 20] [--metrics 5] [--steps 20000]
       [--mlflow-steps 2000] [--repeat 3] [--no-mlflow]

The workbench timing covers start_run, every log_metrics call and the final flush (the
`with` block's exit). MLflow is much slower, so by default it runs a scaled-down number of
steps per run and its points/s is measured on that smaller workload (said in the output).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import Clock, load_average, ratio  # noqa: E402


def workload_values(step: int, n_metrics: int) -> dict[str, float]:
    """Return the metrics logged at `step`: a few realistic-looking floats."""
    base = {
        "loss": 1.0 / (step + 1),
        "acc": 1.0 - math.exp(-step / 5000.0),
        "val_loss": 1.2 / (step + 1) + 0.01,
        "val_acc": 0.98 - math.exp(-step / 4000.0),
        "lr": 0.1 * 0.999 ** (step // 100),
    }
    keys = list(base)
    return {
        (keys[i] if i < len(keys) else f"metric_{i}"): base[keys[i % len(keys)]] + i
        for i in range(n_metrics)
    }


def bench_workbench(root: Path, runs: int, n_metrics: int, steps: int) -> tuple[float, int]:
    """Log the workload with workbench; return (seconds, points)."""
    import workbench as wb

    rows = [workload_values(step, n_metrics) for step in range(steps)]
    clock = Clock()
    for index in range(runs):
        with wb.start_run(project="bench", name=f"run-{index}", root=root) as run:
            log = run.log_metrics
            for step in range(steps):
                log(rows[step], step=step)
    return clock.wall, runs * n_metrics * steps


def check_workbench_output(root: Path, runs: int, n_metrics: int, steps: int) -> None:
    """Fail loudly if a run folder is missing lines (the timing would then be meaningless)."""
    folders = list((root / "bench").iterdir())
    assert len(folders) == runs, f"expected {runs} run folders, found {len(folders)}"
    for folder in folders:
        with open(folder / "metrics.jsonl", "rb") as handle:
            count = sum(1 for _ in handle)
        assert count == n_metrics * steps, f"{folder}: {count} lines, expected {n_metrics * steps}"


def bench_mlflow(root: Path, runs: int, n_metrics: int, steps: int) -> tuple[float, int]:
    """Log the workload with MLflow's file store; return (seconds, points)."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import logging

    import mlflow

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    mlflow.set_tracking_uri(f"file:{root}")
    mlflow.set_experiment("bench")
    rows = [workload_values(step, n_metrics) for step in range(steps)]
    clock = Clock()
    for index in range(runs):
        with mlflow.start_run(run_name=f"run-{index}"):
            for step in range(steps):
                mlflow.log_metrics(rows[step], step=step)
    return clock.wall, runs * n_metrics * steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--metrics", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument(
        "--mlflow-steps",
        type=int,
        default=2_000,
        help="steps per run for MLflow (default 2000: a scaled-down workload)",
    )
    parser.add_argument(
        "--mlflow-runs", type=int, default=None, help="runs for MLflow (default: same as --runs)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the workbench timing")
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args(argv)

    print(
        f"workload: {args.runs} runs x {args.metrics} metrics x {args.steps:,} steps "
        f"= {args.runs * args.metrics * args.steps:,} points; {load_average()}"
    )
    rates = []
    for attempt in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
            root = Path(tmp)
            seconds, points = bench_workbench(root, args.runs, args.metrics, args.steps)
            check_workbench_output(root, args.runs, args.metrics, args.steps)
        rates.append(points / seconds)
        print(
            f"  workbench attempt {attempt + 1}: {seconds:.2f} s, {points / seconds:,.0f} points/s"
        )
    best = max(rates)
    print(
        f"workbench: best {best:,.0f} points/s, median {statistics.median(rates):,.0f} points/s "
        f"(target >= 500,000)"
    )

    if args.no_mlflow:
        return 0 if best >= 500_000 else 1
    mlflow_runs = args.mlflow_runs or args.runs
    scaled = args.mlflow_steps != args.steps or mlflow_runs != args.runs
    with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as tmp:
        seconds, points = bench_mlflow(Path(tmp), mlflow_runs, args.metrics, args.mlflow_steps)
    mlflow_rate = points / seconds
    note = (
        f" (scaled down: {mlflow_runs} runs x {args.metrics} x {args.mlflow_steps:,} steps = "
        f"{points:,} points in {seconds:.1f} s; the full workload would take about "
        f"{args.runs * args.metrics * args.steps / mlflow_rate:,.0f} s at this rate)"
        if scaled
        else f" ({points:,} points in {seconds:.1f} s)"
    )
    print(f"mlflow file store: {mlflow_rate:,.0f} points/s{note}")
    print(f"ratio: workbench is {ratio(best, mlflow_rate, 1)} MLflow (target >= 25x)")
    return 0 if best >= 500_000 and best / mlflow_rate >= 25 else 1


if __name__ == "__main__":
    sys.exit(main())
