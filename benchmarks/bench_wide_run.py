"""Benchmark one run with 10,000 metric keys: the runs table's pivot and `show`'s tables.

    python benchmarks/bench_wide_run.py [--keys 10000]
Prints list_runs (scatter pivot) against polars' pivot of the same rows, and `show`'s
plain-text metrics table against a Rich table of the same rows, each measured in the same
run, with the ratio. Target: list_runs and show's table each under 1 s, at least 5x faster than the peer.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _timing import ratio, time_call  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=10_000)
    args = parser.parse_args()
    from _runfolders import build_catalog, write_run

    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog
    from workbench.catalog.queries import runs_pivot
    from workbench.cli.output import make_console, render_table
    from workbench.cli.table import TextOut

    def write(root: Path) -> None:
        write_run(root, "wide", metrics={f"m/{i:05d}": [0.5, 0.25] for i in range(args.keys)})
        for i in range(5):
            write_run(root, f"narrow{i}", metrics={"acc": [0.5]})

    with tempfile.TemporaryDirectory() as tmp:
        db, _ = build_catalog(Path(tmp), write)
        cat = Catalog(db)
        queries.list_runs(cat)  # warm
        ours, _ = time_call(lambda: queries.list_runs(cat))
        saved = runs_pivot._MANY_KEYS
        runs_pivot._MANY_KEYS = 10**9  # the polars pivot, as before
        try:
            peer, _ = time_call(lambda: queries.list_runs(cat))
        finally:
            runs_pivot._MANY_KEYS = saved
        print(f"list_runs, {args.keys} keys: {ours:.2f} s; polars pivot {peer:.2f} s;"
              f" {ratio(peer, ours, 1)} faster")
        rows = [m.__dict__ for m in queries.get_run(cat, "wide").metrics]
        ours, _ = time_call(lambda: render_table(rows, TextOut(), title="Metrics"))
        peer, _ = time_call(lambda: rich_table(rows, make_console(file=io.StringIO(), width=100)))
        print(f"show's metrics table, {len(rows)} rows: {ours:.2f} s; Rich table {peer:.2f} s;"
              f" {ratio(peer, ours, 1)} faster")


def rich_table(rows: list[dict], console) -> None:
    """The peer: the same rows laid out by a Rich Table (what `show` printed before)."""
    from rich.table import Table
    from rich.text import Text

    table = Table()
    for name in rows[0]:
        table.add_column(name, no_wrap=True)
    for row in rows:
        table.add_row(*(Text(str(v)) for v in row.values()))
    console.print(table)

if __name__ == "__main__":
    main()
