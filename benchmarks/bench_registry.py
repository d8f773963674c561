"""Registry benchmark: `promote` through 5 gates, end to end, in a fresh process and in-process.

Usage: python benchmarks/bench_registry.py [--repeat 7] [--events 0]

A catalog of 3 runs that logged a model is built in a temporary folder; the model has 3
versions and 5 gates (two filters, a `beats`, `has notes`, a metric bound). Each promotion
moves `champion` between v2 and v3 (both pass every gate). Timings are best and median of
--repeat, in milliseconds. The peer measured in the same run is `workbench runs --json`
(a fresh process) and `queries.list_runs` (in-process): the ratio says what a promotion
costs next to the cheapest read. --events N first pads the log with N gate events, to see
how replaying a longer log scales.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GATES = [
    ("metrics.auc >= 0.5", "champion"),
    ("params.data = 'v3'", "champion"),
    ("beats challenger on metrics.auc", "champion"),
    ("has notes", "champion"),
    ("metrics.loss < 0.9", None),
]


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times)


def build(folder: Path, padding: int):
    import workbench as wb
    from workbench import registry
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    model = folder / "model.bin"
    model.write_bytes(b"\x00" * 4096)
    root = folder / "runs"
    ids = []
    for auc in (0.6, 0.9, 0.95):
        with wb.start_run(project="churn", root=root, notes="bench",
                          capture_requirements=False) as run:  # fmt: skip
            run.log_metrics({"auc": auc, "loss": 1 - auc})
            run.log_params({"data": "v3"})
            run.log_model(model, "clf", flavor="sklearn")
            ids.append(run.id)
    cat = Catalog(folder / "catalog.duckdb")
    ingest_paths(cat, [root])
    for run_id in ids:
        registry.register(cat, run_id, "churn")
    for i in range(padding):
        registry.change_gate(cat, "churn", f"metrics.auc >= {i / (padding * 10):.6f}",
                             alias="pad")  # fmt: skip
    for expr, alias in GATES:
        registry.change_gate(cat, "churn", expr, alias=alias)
    registry.promote(cat, "churn", 1, "challenger", "baseline")
    return cat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--events", type=int, default=0)
    args = parser.parse_args()
    from workbench import registry
    from workbench.catalog import queries

    with tempfile.TemporaryDirectory() as tmp:
        cat = build(Path(tmp), args.events)
        turn = [2]

        def promote_in_process() -> None:
            turn[0] = 5 - turn[0]
            done = registry.promote(cat, "churn", turn[0], "champion", "bench")
            assert len(done.check.gates) == 5 and done.check.allowed

        exe = [sys.executable, "-m", "workbench.cli.main", "--db", str(cat.path)]

        def promote_process() -> None:
            turn[0] = 5 - turn[0]
            subprocess.run([*exe, "models", "promote", "churn", str(turn[0]), "--to", "champion",
                            "--reason", "bench"], check=True, capture_output=True)  # fmt: skip

        def runs_process() -> None:
            subprocess.run([*exe, "runs", "--json"], check=True, capture_output=True)

        rows = [
            ("promote, 5 gates, fresh process", promote_process),
            ("peer: workbench runs --json, fresh process", runs_process),
            ("promote, 5 gates, in-process", promote_in_process),
            ("peer: queries.list_runs, in-process", lambda: queries.list_runs(cat)),
        ]
        results = {}
        for label, fn in rows:
            results[label] = timed(fn, args.repeat)
            best, median = results[label]
            print(f"{label:<46} best {best:8.1f} ms   median {median:8.1f} ms")
        events = len(registry.event_log(cat).read())
        fresh = results[rows[0][0]][1] / results[rows[1][0]][1]
        inproc = results[rows[2][0]][1] / results[rows[3][0]][1]
        print(f"log length at the end: {events} events")
        print(f"ratio promote / runs (fresh process, medians): {fresh:.2f}x")
        print(f"ratio promote / list_runs (in-process, medians): {inproc:.2f}x")


if __name__ == "__main__":
    main()
