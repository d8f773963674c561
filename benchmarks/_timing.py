"""Measuring helpers shared by the benchmark scripts: wall and CPU clocks, best and median of
repeated calls, a child process's time, peak memory, the load average line and ratios.

Scripts import it as `import _timing` (their own folder is on sys.path when run as
`python benchmarks/bench_x.py`; each script also puts it there for imports by file path).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple


class Clock:
    """Wall seconds (time.perf_counter) and CPU seconds of this process (time.process_time:
    user + system, all threads) since it was made or last restarted. On a machine shared with
    other jobs, wall time is mostly waiting for a core; CPU time moves much less with load."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    @property
    def wall(self) -> float:
        return time.perf_counter() - self._wall

    @property
    def cpu(self) -> float:
        return time.process_time() - self._cpu

    def read(self) -> tuple[float, float]:
        """(wall seconds, CPU seconds) since the start; the clock keeps running."""
        return self.wall, self.cpu


def time_call(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, result) of one call of `fn`."""
    clock = Clock()
    result = fn()
    return clock.wall, result


def best_median(values: Iterable[float]) -> tuple[float, float]:
    """(smallest, median) of the values: the best case and the typical one."""
    values = list(values)
    return min(values), statistics.median(values)


class Repeated(NamedTuple):
    """Best and median milliseconds of repeated calls, and the last call's result."""

    best: float
    median: float
    result: Any


def repeat_ms(fn: Callable[[], Any], repeat: int, *, warm_up: bool = True) -> Repeated:
    """Call `fn` `repeat` times (after one untimed warm-up call unless warm_up=False) and
    return the best and median wall milliseconds and the last result."""
    result = fn() if warm_up else None
    times = []
    for _ in range(repeat):
        clock = Clock()
        result = fn()
        times.append(clock.wall * 1000)
    return Repeated(*best_median(times), result)


def time_process(argv: list[str], env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds from start to exit, CPU seconds the child used: user + system) of one
    process, its output captured to a pipe. A failing process ends the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    clock = Clock()
    proc = subprocess.run(argv, env=env, capture_output=True)
    elapsed = clock.wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average(since: tuple[float, float, float] | None = None) -> str:
    """`load average 1.52 on 2 cores` (the 1-minute figure), or with `since` (an earlier
    os.getloadavg()) `load average 0.90 -> 1.52 on 2 cores`: timings are noisy when it is
    high, and the machine may be shared."""
    now = os.getloadavg()[0]
    before = f"{since[0]:.2f} -> " if since is not None else ""
    return f"load average {before}{now:.2f} on {os.cpu_count()} cores"


def ratio(value: float, peer: float, digits: int = 2) -> str:
    """`value / peer` as `1.23x`; `n/a` when the peer took no measurable time."""
    if not peer:
        return "n/a"
    return f"{value / peer:.{digits}f}x"
