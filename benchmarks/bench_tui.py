"""Benchmark the terminal app with Pilot: start to first painted runs table, sort and filter repaint.

    python benchmarks/bench_tui.py                 # 100,000-run catalog + a 200-run one
    python benchmarks/bench_tui.py --runs 20000 --cache /tmp/wb-bench-tui

Targets: 100k runs first paint < 1.5 s, sort/filter keystroke to repaint < 150 ms,
demo-sized catalog first paint < 0.8 s. Catalogs are cached under --cache between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def build(cache: Path, runs: int) -> Path:
    """A catalog of `runs` generated run folders (built once, then reused)."""
    from generate import Workload, generate

    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    folder = cache / f"runs-{runs}"
    db = cache / f"catalog-{runs}.duckdb"
    if db.exists() and (cache / f"done-{runs}").exists():
        return db
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    generate(Workload(runs=runs, params=8, metrics=4, steps=3, projects=8), folder)
    t1 = time.perf_counter()
    ingest_paths(Catalog(db), [folder])
    t2 = time.perf_counter()
    (cache / f"done-{runs}").write_text("ok")
    print(f"  built {runs} runs: write {t1 - t0:.1f}s, ingest {t2 - t1:.1f}s", flush=True)
    return db


async def measure(db: Path, *, interactions: bool) -> dict[str, float]:
    from workbench.tui.app import make_app
    from workbench.tui.screens.runs import RunsScreen

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while not (
            isinstance(app.screen, RunsScreen)
            and app.screen.frame is not None
            and app.screen.table.row_count > 0
        ):
            await asyncio.sleep(0.005)
        await pilot.pause()  # one more refresh: the table is painted
        out["first_paint"] = time.perf_counter() - t0
        if not interactions:
            return out
        screen = app.screen
        n = screen.table.row_count
        sorts = []
        for key in ("o", "o", "O", "o", "O"):
            t = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            sorts.append(time.perf_counter() - t)
        out["sort_median"] = statistics.median(sorts)
        out["sort_best"] = min(sorts)
        filters = []
        for expr in ("metrics.m0 > 0.5", "params.p1 < 1000 or metrics.m1 < 0.2", ""):
            screen.filter_bar.filter_input.value = expr
            screen.filter_bar.filter_input.focus()
            token = screen._load_token
            t = time.perf_counter()
            await pilot.press("enter")
            while (
                screen._load_token == token
                or screen.query_spec.filter != (expr or None)
                or any(w.group == "runs" and w.is_running for w in app.workers)
            ):
                await asyncio.sleep(0.002)
            await pilot.pause()
            filters.append(time.perf_counter() - t)
        out["filter_median"] = statistics.median(filters)
        out["filter_best"] = min(filters)
        out["rows"] = n
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", default="/tmp/wb-bench-tui")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)

    for runs, interactions, target in ((args.small, False, 0.8), (args.runs, True, 1.5)):
        db = build(cache, runs)
        results = [asyncio.run(measure(db, interactions=interactions)) for _ in range(args.repeat)]
        paint = sorted(r["first_paint"] for r in results)
        print(
            f"{runs:>7} runs: first paint best {paint[0]:.3f}s median {statistics.median(paint):.3f}s"
            f" (target < {target}s)"
        )
        if interactions:
            sort_best = min(r["sort_best"] for r in results)
            sort_med = statistics.median(r["sort_median"] for r in results)
            f_best = min(r["filter_best"] for r in results)
            f_med = statistics.median(r["filter_median"] for r in results)
            print(
                f"{'':>7}       sort keystroke -> repaint best {sort_best * 1000:.0f} ms"
                f" median {sort_med * 1000:.0f} ms (target < 150 ms)"
            )
            print(
                f"{'':>7}       filter Enter -> repaint best {f_best * 1000:.0f} ms"
                f" median {f_med * 1000:.0f} ms (target < 150 ms)"
            )


if __name__ == "__main__":
    main()
