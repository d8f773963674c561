"""The demo sweep: the command lines of ~30 sample runs, and a small runner for them.

`sweep_plan()` returns argv lists (a script path, then its arguments); run each with the
Python interpreter, e.g. `[sys.executable, *argv]`, with WORKBENCH_RUNS set to the root.
One run fails on purpose (--fail-at-epoch) so the demo shows a failed run.

Standalone: python sweep.py ROOT [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sweep_plan() -> list[list[str]]:
    """Return the argv lists of the demo sweep (script path + args), about 30 runs in all."""
    classifier = str(HERE / "classifier_sweep.py")
    regression = str(HERE / "diabetes_regression.py")
    model = str(HERE / "model_and_dataset.py")
    plan: list[list[str]] = []
    # 18 classifier runs in 6 processes: each process sweeps three learning rates.
    for dataset in ("digits", "breast_cancer"):
        for penalty, alpha in (("l2", "0.0001"), ("l2", "0.01"), ("l1", "0.0001")):
            plan.append(
                [
                    classifier,
                    "--dataset",
                    dataset,
                    "--penalty",
                    penalty,
                    "--alpha",
                    alpha,
                    "--lr",
                    "0.001",
                    "0.01",
                    "0.1",
                    "--epochs",
                    "15",
                ]
            )
    plan.append(
        [classifier, "--dataset", "wine", "--lr", "0.05", "--epochs", "20", "--fail-at-epoch", "7"]
    )
    # 4 regression runs.
    for name, alphas in (
        ("ridge", ["0.01", "0.1", "1", "10", "100"]),
        ("lasso", ["0.001", "0.01", "0.1", "1"]),
    ):
        for folds in ("3", "5"):
            plan.append([regression, "--model", name, "--folds", folds, "--alphas", *alphas])
    # 4 runs with datasets and models (one with drifted "current" data).
    plan.append([model, "--model", "logreg", "--C", "1.0"])
    plan.append([model, "--model", "logreg", "--C", "0.05"])
    plan.append([model, "--model", "forest", "--n-estimators", "40", "--max-depth", "5"])
    plan.append([model, "--model", "forest", "--n-estimators", "80", "--drift", "0.8"])
    return plan


def run_sweep(root: str | os.PathLike[str], jobs: int = 2) -> list[int]:
    """Run the plan with `jobs` parallel processes writing into `root`; return exit codes."""
    env = dict(os.environ, WORKBENCH_RUNS=str(root))

    def one(argv: list[str]) -> int:
        return subprocess.run(
            [sys.executable, *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        ).returncode

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, sweep_plan()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="runs root to write into")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    codes = run_sweep(args.root, args.jobs)
    failed = sum(code != 0 for code in codes)
    print(
        f"{len(codes)} processes in {time.perf_counter() - started:.1f} s; "
        f"{failed} exited non-zero (1 is expected: the --fail-at-epoch run)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
