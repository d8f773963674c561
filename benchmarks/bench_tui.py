"""Benchmark the terminal app with Pilot: start to first painted runs table, sort and filter repaint.

    python benchmarks/bench_tui.py                 # 100,000-run catalog + a 200-run one
    python benchmarks/bench_tui.py --runs 20000 --cache /tmp/wb-bench-tui

Targets: 100k runs first paint < 1.5 s, a sort keystroke to the repainted table < 100 ms,
a filter's Enter to the repainted first screenful < 150 ms, demo-sized catalog first paint
< 0.8 s. Every timing ends on a state, not on a pause: the table's first row is the run the
catalog itself puts first for that sort or filter (computed beforehand with list_runs). Wall
and CPU time (time.process_time of the whole process) are printed; on a shared machine wall
time is mostly waiting for a core. Catalogs are written straight into DuckDB
(bench_queries.direct_catalog: the tables ingest writes) and cached under --cache.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import Clock, best_median, load_average  # noqa: E402

FILTERS = ("metrics.metric_0 > 0.5", "params.p1 < 1000 or metrics.metric_1 < 0.2", "")


def build(cache: Path, runs: int) -> Path:
    """A catalog of `runs` runs × 8 params × 4 metrics (latest values only), built once."""
    from bench_queries import direct_catalog

    db = cache / f"catalog-direct-{runs}.duckdb"
    if db.exists() and (cache / f"done-direct-{runs}").exists():
        return db
    db.unlink(missing_ok=True)
    clock = Clock()
    direct_catalog(db, runs, 8, 4, 0)
    (cache / f"done-direct-{runs}").write_text("ok")
    print(f"  built {runs} runs directly in {clock.wall:.1f}s", flush=True)
    return db


def first_id(db: Path, filter_: str | None, sort: list[str]) -> str:
    """The run the catalog puts first for this filter and sort (ties broken by id)."""
    from workbench.catalog import queries
    from workbench.catalog.connection import Catalog

    frame = queries.list_runs(Catalog(db), filter=filter_ or None, sort=[*sort, "id"], limit=1)
    return str(frame["id"][0])


async def until(pilot, condition, limit: float = 60.0) -> None:
    """Let the app (same event loop) run until `condition()` holds (bounded)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app never reached the expected state")
        await asyncio.sleep(0.002)


async def press_until(pilot, key: str, condition) -> None:
    """Press `key` and return as soon as `condition()` holds. Pilot's press itself returns
    only once the app is idle (after every worker's result is handled), so it runs as a
    task beside the poll."""
    task = asyncio.ensure_future(pilot.press(key))
    await until(pilot, condition)
    await task


async def measure(db: Path, *, interactions: bool) -> dict[str, list[tuple[float, float]]]:
    from workbench.tui.app import make_app
    from workbench.tui.runs_view import sort_spec, sortable_columns
    from workbench.tui.screens.runs import RunsScreen

    out: dict[str, list[tuple[float, float]]] = {"first_paint": [], "sort": [], "filter": [],
                                                  "filter_all": []}
    clock = Clock()
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RunsScreen)
                    and app.screen.frame is not None and app.screen.table.row_count > 0)
        out["first_paint"].append(clock.read())
        if not interactions:
            return out
        screen = app.screen
        await until(pilot, lambda: not screen.partial)
        for key in ("o", "o", "O", "o", "O"):
            state = screen.state
            if key == "o":
                cols = sortable_columns(screen.frame, state)
                nxt = cols[(cols.index(state.sort) + 1) % len(cols)] if state.sort in cols else cols[0]
                desc = nxt in ("started_at", "duration_s", "ended_at")
            else:
                nxt, desc = state.sort, not state.descending
            want = first_id(db, screen.query_spec.filter, [("-" if desc else "") + nxt])
            clock.restart()
            await press_until(pilot, key, lambda w=want, c=nxt, d=desc: screen.state.sort == c
                              and screen.state.descending == d and screen.table.row_ids[:1] == [w])
            out["sort"].append(clock.read())
        for expr in FILTERS:
            want = first_id(db, expr, sort_spec(screen.state))
            screen.filter_bar.filter_input.value = expr
            screen.filter_bar.filter_input.focus()
            await pilot.pause()
            before = screen.frame
            clock.restart()
            task = asyncio.ensure_future(pilot.press("enter"))
            # a new result is shown (the previous one may already lead with the same run)
            await until(pilot, lambda w=want, b=before: screen.frame is not b
                        and screen.table.row_ids[:1] == [w])
            out["filter"].append(clock.read())
            await task
            await until(pilot, lambda: not screen.partial
                        and not any(w.group == "runs" and w.is_running for w in app.workers))
            out["filter_all"].append(clock.read())
    return out


def line(label: str, values: list[tuple[float, float]], target: str) -> str:
    wall, wall_median = best_median(v[0] * 1000 for v in values)
    cpu, cpu_median = best_median(v[1] * 1000 for v in values)
    return (f"  {label:<34} wall best {wall:7.0f} median {wall_median:7.0f} ms"
            f" | CPU best {cpu:6.0f} median {cpu_median:6.0f} ms  ({target})")


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

    load = os.getloadavg()
    print(load_average())
    for runs, interactions, target in ((args.small, False, 0.8), (args.runs, True, 1.5)):
        db = build(cache, runs)
        merged: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for key, values in asyncio.run(measure(db, interactions=interactions)).items():
                merged.setdefault(key, []).extend(values)
        print(f"{runs} runs:")
        print(line("start to first painted table", merged["first_paint"], f"< {target * 1000:.0f} ms"))
        if interactions:
            print(line("sort keystroke to repaint", merged["sort"], "< 100 ms"))
            print(line("filter Enter to first screenful", merged["filter"], "< 150 ms"))
            print(line("filter Enter to the full result", merged["filter_all"], ""))
    print(load_average(since=load))


if __name__ == "__main__":
    main()
