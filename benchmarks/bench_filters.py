"""Benchmark hostile filters: deep nesting, long chains, 600 keys, `in` lists of 100,000.

    python benchmarks/bench_filters.py [--runs 1000]
Each filter runs through list_runs on a catalog of RUNS runs with 20 metrics and 5 params,
and is printed with its time and its ratio to a plain `metrics.m0 > 0.5` measured in the
same run. Target: every one ends (a result or one FilterSyntaxError) within 5 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _timing import Clock, ratio  # noqa: E402

FILTERS = {
    "400 nested parentheses": "(" * 400 + "metrics.m0 > 0.5" + ")" * 400,
    "not x 1000": "not " * 1000 + "metrics.m0 > 0.5",
    "1,000 anded conditions": " and ".join(f"metrics.m{i % 20} > {i / 10000}" for i in range(1000)),
    "600 ored metric keys": " or ".join(f"metrics.k{i} > 0.5" for i in range(600)),
    "in with 100,000 values": "params.p0 in (" + ",".join(str(i) for i in range(100_000)) + ")",
    "400 alternating levels (refused)": "".join(
        f"(name = x{i} {'and' if i % 2 else 'or'} " for i in range(400)
    ) + "name = y" + ")" * 400,
}


def timed(fn) -> tuple[float, str]:
    """(seconds, outcome) of one filter: how many runs matched, or the one-sentence refusal."""
    from workbench.errors import FilterSyntaxError

    clock = Clock()
    try:
        outcome = f"{fn().height} runs"
    except FilterSyntaxError:
        outcome = "one sentence"
    return clock.wall, outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    from _runfolders import build_catalog, write_run

    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog

    def write(root: Path) -> None:
        for r in range(args.runs):
            write_run(root, f"r{r}", params={f"p{i}": (r + i) % 7 for i in range(5)},
                      metrics={f"m{i}": [((r * 7 + i) % 100) / 100] for i in range(20)})

    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalog(build_catalog(Path(tmp), write)[0])
        queries.list_runs(cat, filter="metrics.m0 > 0.5")  # warm
        peer, _ = timed(lambda: queries.list_runs(cat, filter="metrics.m0 > 0.5"))
        print(f"plain filter on {args.runs} runs: {peer:.3f} s")
        for label, text in FILTERS.items():
            seconds, outcome = timed(lambda text=text: queries.list_runs(cat, filter=text))
            print(f"{label}: {seconds:.3f} s ({outcome}); {ratio(seconds, peer, 1)} the plain filter,"
                  f" {seconds / 5.0:.2f} of the 5 s limit")


if __name__ == "__main__":
    main()
