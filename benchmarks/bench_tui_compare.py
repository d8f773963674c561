"""How long the compare screen takes to draw 10 runs x 100,000 steps (target: < 300 ms).

    python benchmarks/bench_tui_compare.py [--repeat 5] [--size 160x48]

Writes 10 run folders (keys loss and acc, 100,000 steps each: 2M points) once, ingests them
into benchmarks/_data/tui-compare/catalog.duckdb, then measures with Pilot the time from
pushing CompareScreen to its chart having been drawn (table loaded, history downsampled in
DuckDB, curves built by plotext), plus the time to switch metric and to change the x axis.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import Clock, best_median, load_average, ratio  # noqa: E402

DATA = Path(__file__).parent / "_data" / "tui-compare"
RUNS = 10
STEPS = 100_000
T0 = 1_763_924_223.0


def write_runs(root: Path) -> list[str]:
    """Ten finished runs with `loss` and `acc` logged at every step."""
    ids = []
    for r in range(RUNS):
        run_id = f"bench-compare-{r:02d}"
        ids.append(run_id)
        folder = root / "bench" / run_id
        folder.mkdir(parents=True, exist_ok=True)
        started = T0 + r * 600
        iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
        (folder / "run.json").write_text(
            json.dumps(
                {
                    "format_version": 1,
                    "id": run_id,
                    "project": "bench",
                    "name": f"lr-{r}",
                    "status": "finished",
                    "started_at": iso,
                    "ended_at": iso,
                }
            )
        )
        (folder / "params.json").write_text(json.dumps({"lr": 10 ** -(1 + r / 3), "seed": r}))
        scale = 1 + r / 10
        lines = []
        for step in range(STEPS):
            ts = started + step * 0.05
            loss = scale * math.exp(-step / 20_000) + 0.05 * math.sin(step / 50)
            if step % 9973 == 0:
                loss *= 4  # spikes the downsampling must keep
            acc = 1 - loss / 4
            lines.append(
                f'{{"key":"loss","value":{loss:.6f},"step":{step},"timestamp":{ts:.3f}}}\n'
            )
            lines.append(f'{{"key":"acc","value":{acc:.6f},"step":{step},"timestamp":{ts:.3f}}}\n')
        (folder / "metrics.jsonl").write_text("".join(lines))
    return ids


def prepare() -> tuple[object, list[str]]:
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    db = DATA / "catalog.duckdb"
    ids = [f"bench-compare-{r:02d}" for r in range(RUNS)]
    if not db.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        clock = Clock()
        write_runs(DATA / "runs")
        print(f"wrote {RUNS} runs x {STEPS:,} steps x 2 keys in {clock.wall:.1f} s")
        clock.restart()
        ingest_paths(Catalog(db), [DATA / "runs"])
        print(f"ingested in {clock.wall:.1f} s")
    return Catalog(db), ids


async def measure_once(catalog, ids: list[str], size: tuple[int, int]) -> dict[str, float]:
    from textual.app import App

    from workbench.tui.screens.compare import CompareScreen

    class Host(App[None]):
        pass

    app = Host()
    out: dict[str, float] = {}
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = CompareScreen(catalog, ids)
        started = time.perf_counter()
        app.push_screen(screen)
        plot = None
        while True:
            await asyncio.sleep(0.002)
            if screen.is_mounted and screen.chart.plot.draw_count > 0:
                plot = screen.chart.plot
                break
            if time.perf_counter() - started > 30:
                raise RuntimeError("the chart was never drawn")
        out["first_draw_ms"] = (plot.last_drawn_at - started) * 1000
        out["table_loaded_ms"] = (screen.timings["table"] - started) * 1000
        out["history_loaded_ms"] = (screen.timings["history"] - started) * 1000
        out["plotext_build_ms"] = plot.last_draw_s * 1000
        out["points_drawn"] = sum(s.points for s in screen.chart.series)

        for action, name in (("right_square_bracket", "switch_metric_ms"), ("x", "x_axis_ms")):
            count = plot.draw_count
            started = time.perf_counter()
            await pilot.press(action)
            while plot.draw_count == count:
                await asyncio.sleep(0.002)
                if time.perf_counter() - started > 30:
                    raise RuntimeError(f"{action} never redrew the chart")
            out[name] = (plot.last_drawn_at - started) * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", default="160x48", help="terminal WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    catalog, ids = prepare()
    results = [asyncio.run(measure_once(catalog, ids, (width, height))) for _ in range(args.repeat)]
    print(f"compare {RUNS} runs x {STEPS:,} steps at {width}x{height}, {args.repeat} runs,"
          f" {load_average()}:")
    for key in results[0]:
        values = [r[key] for r in results]
        if key == "points_drawn":
            print(f"  {key:18} {int(values[0]):,}")
            continue
        best, median = best_median(values)
        print(f"  {key:18} best {best:7.1f}  median {median:7.1f}")
    best = min(r["first_draw_ms"] for r in results)
    print(f"target first_draw < 300 ms: {'met' if best < 300 else 'NOT met'}"
          f" (best / target {ratio(best, 300)})")


if __name__ == "__main__":
    main()
