"""Benchmark ingest: full ingest of each workload (points/s) and the no-op re-ingest time.

    python benchmarks/bench_ingest.py [small medium long] [--repeat 3] [--dir /tmp/wb-bench]
Targets: >= 1,000,000 points/s on medium; no-op re-ingest of medium < 0.5 s; a full ingest
within 1.5x of the peer.
Imports are warmed first, so the numbers are the ingest, not Python start-up. "cpu s" is the
process CPU time (all threads): a load-independent cross-check on a shared machine.

Two references are measured in the same run, on the same files:
- peer: DuckDB's own read_json of every metrics.jsonl into a table of a fresh catalog file
  (parse + insert + checkpoint, no run.json/params, no offsets, no summaries);
- parse: reading every metrics.jsonl and parsing it in memory with the ingester's parser alone
  (one thread): the floor for parsing, with no catalog at all.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from _timing import Clock, best_median, load_average, ratio, time_call  # noqa: E402


def duckdb_read_json(root: Path, db: Path) -> tuple[float, float]:
    """Seconds (wall, process CPU) for DuckDB to read every metrics.jsonl under root into a
    table of a new catalog file."""
    import duckdb

    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    pattern = str(root / "**" / "metrics.jsonl")
    clock = Clock()
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE points AS SELECT filename, key, step, timestamp AS ts, value FROM read_json("
        "?, format = 'newline_delimited', filename = true, columns = {key: 'VARCHAR', "
        "value: 'DOUBLE', step: 'BIGINT', timestamp: 'DOUBLE'})",
        [pattern],
    )
    con.close()
    seconds, cpu = clock.read()
    db.unlink()
    return seconds, cpu


def parse_only(root: Path) -> float:
    """Seconds to read every metrics.jsonl and parse it in memory (one thread, no catalog)."""
    from workbench.formats import runfolder

    clock = Clock()
    chunks = [(i, p.read_bytes()) for i, p in enumerate(sorted(root.rglob("metrics.jsonl")))]
    runfolder.parse_metric_chunks(chunks)
    return clock.wall


def bench(name: str, base: Path, repeat: int) -> dict:
    import duckdb  # noqa: F401 - warm imports
    import polars  # noqa: F401
    import pyarrow  # noqa: F401

    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths, ingest_roots

    root = base / name
    if not (root / ".complete").exists():
        seconds, workload = time_call(lambda: generate.generate(name, root))
        (root / ".complete").write_text("")
        print(f"  generated {name}: {workload.points:,} points in {seconds:.1f} s")
    workload = generate.WORKLOADS[name]
    full, noop, cpu, peer, peer_cpu, parse = [], [], [], [], [], []
    for i in range(repeat):
        seconds, cpu_s = duckdb_read_json(root, base / f"{name}-peer.duckdb")
        peer.append(seconds)
        peer_cpu.append(cpu_s)
        parse.append(parse_only(root))
        db = base / f"{name}-{i}.duckdb"
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
        cat = Catalog(db)
        clock = Clock()
        report = ingest_paths(cat, [root])
        seconds, cpu_s = clock.read()
        full.append(seconds)
        cpu.append(cpu_s)
        assert report.points == workload.points, (report.points, workload.points)
        seconds, again = time_call(lambda cat=cat: ingest_roots(cat))
        noop.append(seconds)
        assert again.points == 0
        db.unlink()
    best, median = best_median(full)
    noop_best, noop_median = best_median(noop)
    return {
        "workload": name,
        "points": workload.points,
        "full_best_s": best,
        "full_median_s": median,
        "points_per_s_best": workload.points / best,
        "cpu_best_s": min(cpu),
        "noop_best_s": noop_best,
        "noop_median_s": noop_median,
        "peer_best_s": min(peer),
        "parse_best_s": min(parse),
        "ratio": ratio(best, min(peer)),
        "cpu_ratio": ratio(min(cpu), min(peer_cpu)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workloads", nargs="*", default=["small", "medium", "long"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "wb-bench"))
    args = parser.parse_args(argv)
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    print(f"{load_average()} (timings are noisy when it is high)")
    print(
        f"{'workload':<8} {'points':>10} {'full best':>10} {'median':>8} {'points/s':>12} {'cpu s':>6} {'no-op best':>11} {'median':>8}"
        f" {'read_json':>10} {'parse':>7} {'ratio':>6} {'cpu ratio':>9}"
    )
    for name in args.workloads:
        r = bench(name, base, args.repeat)
        print(
            f"{r['workload']:<8} {r['points']:>10,} {r['full_best_s']:>9.2f}s {r['full_median_s']:>7.2f}s "
            f"{r['points_per_s_best']:>12,.0f} {r['cpu_best_s']:>6.2f} {r['noop_best_s']:>10.3f}s {r['noop_median_s']:>7.3f}s"
            f" {r['peer_best_s']:>9.2f}s {r['parse_best_s']:>6.2f}s {r['ratio']:>6}"
            f" {r['cpu_ratio']:>9}"
        )
    print("ratio: full ingest best / DuckDB read_json best, wall time (target <= 1.5x);")
    print("cpu ratio: the same with process CPU time (steadier when the machine is busy)")


if __name__ == "__main__":
    main()
