"""The logging benchmark's workbench half runs on a tiny workload and checks its own output."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
BENCH = REPO / "benchmarks" / "bench_tracking.py"


def test_benchmark_workload_writes_every_point(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_tracking", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    seconds, points = bench.bench_workbench(tmp_path, runs=3, n_metrics=7, steps=200)
    assert points == 3 * 7 * 200 and seconds > 0
    bench.check_workbench_output(tmp_path, runs=3, n_metrics=7, steps=200)
    assert len(bench.workload_values(0, 7)) == 7
