"""The SQL console's price for running each statement in a locked-down DuckDB instance.

Usage: python benchmarks/bench_sql_console.py [--runs 200] [--repeat 15]

Builds a small catalog (run folders, ingested) in a temporary folder and times, in the same
process: `queries.run_sql` (a fresh sandboxed instance per statement, the catalog attached
read-only) against `queries.list_runs` (the shared read-only attach every service uses) and
the same SELECT run through that shared connection. Prints best and median milliseconds and
the ratios, so the numbers compare on a machine of any speed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from _timing import ratio, repeat_ms  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    from _runfolders import build_catalog, write_run

    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog

    def write(root: Path) -> None:
        for i in range(args.runs):
            write_run(root, f"run{i:05d}", name=f"r{i}", start=1767225600.0 + i,
                      params={"lr": 0.1 * i, "seed": i}, metrics={"loss": [1.0, 0.5, 0.1 * i]})

    with tempfile.TemporaryDirectory() as tmp:
        db, _ = build_catalog(Path(tmp), write)
        cat = Catalog(db)
        text = "SELECT run_id, name, status FROM runs_view"

        def shared() -> None:
            with cat.connect(read_only=True) as con:
                con.sql(text).to_arrow_table()

        rows = [
            ("run_sql (sandboxed instance)", repeat_ms(lambda: queries.run_sql(cat, text), args.repeat)),
            ("same SELECT, shared read-only attach", repeat_ms(shared, args.repeat)),
            ("list_runs (shared read-only attach)", repeat_ms(lambda: queries.list_runs(cat), args.repeat)),
        ]
    print(f"{args.runs} runs, {args.repeat} calls each (ms)")
    for label, timing in rows:
        print(f"  {label:40s} best {timing.best:8.2f}  median {timing.median:8.2f}")
    sandbox, plain, listing = (timing.median for _, timing in rows)
    print(f"ratio run_sql / same SELECT shared: {ratio(sandbox, plain, 1)};"
          f" run_sql / list_runs: {ratio(sandbox, listing, 1)}")


if __name__ == "__main__":
    main()
