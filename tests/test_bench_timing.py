"""benchmarks/_timing.py, the measuring helpers every benchmark script prints with."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

REPO = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
spec = importlib.util.spec_from_file_location("_timing", REPO / "benchmarks" / "_timing.py")
assert spec is not None and spec.loader is not None
timing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(timing)


def test_repeat_ms_warms_up_once_then_times_each_call() -> None:
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        time.sleep(0.01)
        return len(calls)

    out = timing.repeat_ms(work, 3)
    assert len(calls) == 4 and out.result == 4
    assert 10 <= out.best <= out.median
    assert timing.repeat_ms(work, 2, warm_up=False).result == 6


def test_best_median_ratio_and_load_line() -> None:
    assert timing.best_median([3.0, 1.0, 2.0, 10.0]) == (1.0, 2.5)
    assert timing.ratio(3.0, 2.0) == "1.50x"
    assert timing.ratio(1.0, 3.0, 3) == "0.333x"
    assert timing.ratio(1.0, 0.0) == "n/a"
    line = timing.load_average(since=(9.5, 0.0, 0.0))
    assert line.startswith("load average 9.50 -> ") and line.endswith(" cores")


def test_time_process_counts_the_childs_cpu_and_refuses_a_failure() -> None:
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.2: pass"
    wall, cpu = timing.time_process([sys.executable, "-c", burn])
    assert cpu >= 0.2 and wall >= cpu * 0.5
    try:
        timing.time_process([sys.executable, "-c", "raise SystemExit(3)"])
    except SystemExit as exc:
        assert "failed" in str(exc)
    else:
        raise AssertionError("a failing process must end the benchmark")


def test_clock_reads_wall_and_cpu_and_restarts() -> None:
    clock = timing.Clock()
    t = time.process_time()
    while time.process_time() - t < 0.05:
        pass
    wall, cpu = clock.read()
    assert cpu >= 0.05 and wall >= cpu * 0.5
    clock.restart()
    assert clock.cpu < 0.05
