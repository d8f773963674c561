"""Benchmark hostile filters: deep nesting, long chains, 600 keys, `in` lists of 100,000.

    python benchmarks/bench_filters.py [--runs 1000]
Each filter runs through list_runs on a catalog of RUNS runs with 20 metrics and 5 params,
and is printed with its wall and CPU time, its ratio to a plain `metrics.m0 > 0.5` measured
in the same run and its share of its limit: every one ends (a result or one
FilterSyntaxError) within 5 s, and 1,000 `and`ed conditions within 1 s. An `in` list is also
set against the time to parse its text (parse_filter alone) and json.loads of the same
values: the list should cost about what reading it does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _timing import Clock, load_average, ratio  # noqa: E402

#: Seconds a filter may take; any other ends (a result or a refusal) within the default.
LIMITS = {"1,000 anded conditions": 1.0}
LIMIT_S = 5.0

FILTERS = {
    "400 nested parentheses": "(" * 400 + "metrics.m0 > 0.5" + ")" * 400,
    "not x 1000": "not " * 1000 + "metrics.m0 > 0.5",
    "1,000 anded conditions": " and ".join(f"metrics.m{i % 20} > {i / 10000}" for i in range(1000)),
    "600 ored metric keys": " or ".join(f"metrics.k{i} > 0.5" for i in range(600)),
    "in with 100,000 values": "params.p0 in (" + ",".join(str(i) for i in range(100_000)) + ")",
    "name in 100,000 quoted": "name in (" + ",".join(f"'r{i}'" for i in range(100_000)) + ")",
    "in with 1,100,000 values (refused)": "params.p0 in (" + ",".join("7" * 1_100_000) + ")",
    "400 alternating levels (refused)": "".join(
        f"(name = x{i} {'and' if i % 2 else 'or'} " for i in range(400)
    ) + "name = y" + ")" * 400,
}


def timed(fn) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, outcome) of one filter: how many runs matched, or the
    one-sentence refusal."""
    from workbench.errors import FilterSyntaxError

    clock = Clock()
    try:
        outcome = f"{fn().height} runs"
    except FilterSyntaxError as exc:
        outcome = f"one sentence: {str(exc)[:70]}"
    return *clock.read(), outcome


def reading_peers(text: str, cpu: float) -> str:
    """For an `in` list: the whole filter's CPU time against parsing its text alone
    (parse_filter), and that against json.loads of the same values (the floor for reading
    that many values in Python)."""
    import json

    from workbench.catalog.filters import parse_filter

    clock = Clock()
    parse_filter(text)
    parse_cpu = clock.cpu
    values = "[" + text[text.index("(") + 1 : text.rindex(")")].replace("'", '"') + "]"
    clock.restart()
    json.loads(values)
    json_cpu = clock.cpu
    return (f"parse alone cpu {parse_cpu:.3f} s: the whole filter {ratio(cpu, parse_cpu)} it;"
            f" json.loads of the values cpu {json_cpu:.3f} s: the parse {ratio(parse_cpu, json_cpu, 1)} it")


def main() -> None:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    from _runfolders import build_catalog, write_run

    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog
    from workbench.catalog.filters.parse import MAX_FILTER_CHARS

    def write(root: Path) -> None:
        for r in range(args.runs):
            write_run(root, f"r{r}", params={f"p{i}": (r + i) % 7 for i in range(5)},
                      metrics={f"m{i}": [((r * 7 + i) % 100) / 100] for i in range(20)})

    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalog(build_catalog(Path(tmp), write)[0])
        since = os.getloadavg()
        queries.list_runs(cat, filter="metrics.m0 > 0.5")  # warm
        peer, peer_cpu, _ = timed(lambda: queries.list_runs(cat, filter="metrics.m0 > 0.5"))
        print(f"plain filter on {args.runs} runs: {peer:.3f} s (cpu {peer_cpu:.3f})")
        for label, text in FILTERS.items():
            seconds, cpu, outcome = timed(lambda text=text: queries.list_runs(cat, filter=text))
            limit = LIMITS.get(label, LIMIT_S)
            print(f"{label}: {seconds:.3f} s, cpu {cpu:.3f} ({outcome}); {ratio(seconds, peer, 1)}"
                  f" the plain filter, {seconds / limit:.2f} of the {limit:g} s limit")
            if " in (" in text and len(text) <= MAX_FILTER_CHARS:
                print(f"    {reading_peers(text, cpu)}")
        print(load_average(since))


if __name__ == "__main__":
    main()
