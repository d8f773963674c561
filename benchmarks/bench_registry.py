"""Registry benchmark: `promote` through 5 gates, end to end, in a fresh process and in-process.

Usage: python benchmarks/bench_registry.py [--repeat 7] [--events 0]

A catalog of 3 runs that logged a model is built in a temporary folder; the model has 3
versions and 5 gates (two filters, a `beats`, `has notes`, a metric bound). Each promotion
moves `champion` between v2 and v3 (both pass every gate). Timings are best and median of
--repeat, in milliseconds. The peer measured in the same run is `workbench runs --json`
(a fresh process) and `queries.list_runs` (in-process): the ratio says what a promotion
costs next to the cheapest read. --events N first pads the log with N gate events, to see
how replaying a longer log scales.

--drift-rows N (default 100000; 0 skips it) adds the `no drift` gate: a model trained on an
N-row Parquet file with a production batch of N rows. It times promote through 5 gates with
`no drift` among them (the stored report reused), the gate's first judgement of a new batch
(a drift check runs and is stored) against `check_drift` alone on the same data (the peer:
a copy of the batch, so neither has its hash remembered; both reuse the cached reference
summary), and the gate reusing the stored report.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import best_median, ratio, repeat_ms, time_call  # noqa: E402

GATES = [
    ("metrics.auc >= 0.5", "champion"),
    ("params.data = 'v3'", "champion"),
    ("beats challenger on metrics.auc", "champion"),
    ("has notes", "champion"),
    ("metrics.loss < 0.9", None),
]


def timed(fn, repeat: int) -> tuple[float, float]:
    """(best ms, median ms) of `repeat` calls after a warm-up call."""
    best, median, _ = repeat_ms(fn, repeat)
    return best, median


def registered_model(folder: Path, train: Path | None = None):
    """Model `churn` v1..v3 from three runs that logged it (trained on `train` when given),
    in a new catalog under `folder`; returns (catalog, runs root)."""
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
            if train is not None:
                run.log_dataset(train, name="train-set", role="train")
            run.log_model(model, "clf", flavor="sklearn")
            ids.append(run.id)
    cat = Catalog(folder / "catalog.duckdb")
    ingest_paths(cat, [root])
    for run_id in ids:
        registry.register(cat, run_id, "churn")
    return cat, root


def build(folder: Path, padding: int):
    """The model with its 5 gates, the log first padded with `padding` gate events."""
    from workbench import registry

    cat, _ = registered_model(folder)
    for i in range(padding):
        registry.change_gate(cat, "churn", f"metrics.auc >= {i / (padding * 10):.6f}",
                             alias="pad")  # fmt: skip
    for expr, alias in GATES:
        registry.change_gate(cat, "churn", expr, alias=alias)
    registry.promote(cat, "churn", 1, "challenger", "baseline")
    return cat


def frame(rows: int, seed: int):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "tenure": rng.normal(10, 3, rows), "spend": rng.gamma(2.0, 50.0, rows),
        "age": rng.normal(40, 10, rows), "visits": rng.poisson(4, rows),
        "plan": rng.choice(["basic", "plus", "pro"], rows),
    })  # fmt: skip


def build_drift(folder: Path, rows: int):
    """Model `churn` v1..v3 trained on one N-row file, v1 champion, one production batch."""
    from workbench import registry

    train = folder / "train.parquet"
    frame(rows, 0).write_parquet(train)
    cat, root = registered_model(folder, train)
    for expr, alias in [*GATES[:4], ("no drift", "champion")]:
        registry.change_gate(cat, "churn", expr, alias=alias)
    registry.promote(cat, "churn", 1, "challenger", "baseline")
    return cat, root


def bench_drift(folder: Path, rows: int, repeat: int) -> None:
    import workbench as wb
    from workbench import registry
    from workbench.drift.refs import production_batch, training_data
    from workbench.drift.service import check_drift
    from workbench.ingest import ingest_paths
    from workbench.registry.gates import drift_gate_result

    cat, root = build_drift(folder, rows)
    version = registry.get_version(cat, "churn@3")
    first, peer = [], []
    for seed in range(1, repeat + 1):  # a new batch each time: no stored report to reuse
        wb.log_predictions("churn@challenger", frame(rows, seed), root=root,
                           registry=registry.event_log(cat).directory, name=f"batch-{seed}")  # fmt: skip
        ingest_paths(cat, [root])
        seconds, gate = time_call(lambda: drift_gate_result(cat, version))
        first.append(seconds * 1000)
        assert gate.status == "pass" and "stored report" not in gate.detail, gate
        train, batch = training_data(cat, version).data, production_batch(cat, "churn").data
        fresh = shutil.copy(batch, folder / f"peer-{seed}.parquet")  # a hash not yet remembered
        seconds, _ = time_call(lambda t=train, f=fresh: check_drift(cat, t, f, store=False))
        peer.append(seconds * 1000)
    reused = timed(lambda: drift_gate_result(cat, version), repeat)
    turn = [2]

    def promote() -> None:
        turn[0] = 5 - turn[0]
        done = registry.promote(cat, "churn", turn[0], "champion", "bench")
        assert len(done.check.gates) == 5 and done.check.allowed, done.check.gates

    promoted = timed(promote, repeat)
    print(f"\nno drift gate on {rows:,} rows x 5 columns (training data vs production batch)")
    rows_out = [
        ("promote, 5 gates incl. no drift (reused)", promoted),
        ("no drift gate, first judgement of a batch", best_median(first)),
        ("peer: check_drift alone, same files", best_median(peer)),
        ("no drift gate, stored report reused", reused),
    ]
    for label, (best, median) in rows_out:
        print(f"{label:<46} best {best:8.1f} ms   median {median:8.1f} ms")
    print(f"ratio first judgement / check_drift alone (medians): "
          f"{ratio(rows_out[1][1][1], rows_out[2][1][1])}")  # fmt: skip
    print(f"ratio reused / first judgement (medians): {ratio(reused[1], rows_out[1][1][1], 3)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--drift-rows", type=int, default=100_000)
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
        fresh = ratio(results[rows[0][0]][1], results[rows[1][0]][1])
        inproc = ratio(results[rows[2][0]][1], results[rows[3][0]][1])
        print(f"log length at the end: {events} events")
        print(f"ratio promote / runs (fresh process, medians): {fresh}")
        print(f"ratio promote / list_runs (in-process, medians): {inproc}")
    if args.drift_rows:
        with tempfile.TemporaryDirectory() as tmp:
            bench_drift(Path(tmp), args.drift_rows, args.repeat)


if __name__ == "__main__":
    main()
