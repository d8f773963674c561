"""Benchmark ingest: full ingest of each workload (points/s) and the no-op re-ingest time.

    python benchmarks/bench_ingest.py [small medium long] [--repeat 3] [--dir /tmp/wb-bench]
    python benchmarks/bench_ingest.py medium --stages [--profile 25]
Targets: >= 1,000,000 points/s on medium; no-op re-ingest of medium < 0.5 s; a full ingest
within 1.5x of the peer.
Imports are warmed first, so the numbers are the ingest, not Python start-up. "cpu s" is the
process CPU time (all threads): a load-independent cross-check on a shared machine.

Two references are measured in the same run, on the same files:
- peer: DuckDB's own read_json of every metrics.jsonl into a table of a fresh catalog file
  (parse + insert + checkpoint, no run.json/params, no offsets, no summaries);
- parse: reading every metrics.jsonl and parsing it in memory with the ingester's parser alone
  (one thread): the floor for parsing, with no catalog at all.

--stages adds, per workload, where a full ingest spends its wall and CPU time (planning,
identity checks, reading and parsing, building frames, each table's DuckDB statements,
commit and close), measured on a pass whose thread pools run inline so that every stage is
its own (benchmarks/ingest_stages.py), beside DuckDB's read_json split the same way;
--profile N adds the top N functions of a cProfile of such a pass.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402


def duckdb_read_json(root: Path, db: Path) -> tuple[float, float]:
    """Seconds (wall, process CPU) for DuckDB to read every metrics.jsonl under root into a
    table of a new catalog file."""
    import duckdb

    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    pattern = str(root / "**" / "metrics.jsonl")
    t0, c0 = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE points AS SELECT filename, key, step, timestamp AS ts, value FROM read_json("
        "?, format = 'newline_delimited', filename = true, columns = {key: 'VARCHAR', "
        "value: 'DOUBLE', step: 'BIGINT', timestamp: 'DOUBLE'})",
        [pattern],
    )
    con.close()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    db.unlink()
    return seconds, cpu


def parse_only(root: Path) -> tuple[float, float]:
    """Seconds (wall, process CPU) to read every metrics.jsonl and parse it in memory (one
    Python thread, no catalog)."""
    from workbench.formats import runfolder

    t0, c0 = time.perf_counter(), time.process_time()
    chunks = [(i, p.read_bytes()) for i, p in enumerate(sorted(root.rglob("metrics.jsonl")))]
    runfolder.parse_metric_chunks(chunks)
    return time.perf_counter() - t0, time.process_time() - c0


def bench(name: str, base: Path, repeat: int) -> dict:
    import duckdb  # noqa: F401 - warm imports
    import polars  # noqa: F401
    import pyarrow  # noqa: F401

    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths, ingest_roots

    root = base / name
    if not (root / ".complete").exists():
        t0 = time.perf_counter()
        workload = generate.generate(name, root)
        (root / ".complete").write_text("")
        print(f"  generated {name}: {workload.points:,} points in {time.perf_counter() - t0:.1f} s")
    workload = generate.WORKLOADS[name]
    full, noop, cpu, peer, peer_cpu, parse, parse_cpu = [], [], [], [], [], [], []
    for i in range(repeat):
        seconds, cpu_s = duckdb_read_json(root, base / f"{name}-peer.duckdb")
        peer.append(seconds)
        peer_cpu.append(cpu_s)
        seconds, cpu_s = parse_only(root)
        parse.append(seconds)
        parse_cpu.append(cpu_s)
        db = base / f"{name}-{i}.duckdb"
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
        cat = Catalog(db)
        t0, c0 = time.perf_counter(), time.process_time()
        report = ingest_paths(cat, [root])
        full.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert report.points == workload.points, (report.points, workload.points)
        t0 = time.perf_counter()
        again = ingest_roots(cat)
        noop.append(time.perf_counter() - t0)
        assert again.points == 0
        db.unlink()
    best = min(full)
    return {
        "workload": name,
        "points": workload.points,
        "full_best_s": best,
        "full_median_s": statistics.median(full),
        "points_per_s_best": workload.points / best,
        "cpu_best_s": min(cpu),
        "noop_best_s": min(noop),
        "noop_median_s": statistics.median(noop),
        "peer_best_s": min(peer),
        "parse_best_s": min(parse),
        "parse_cpu_best_s": min(parse_cpu),
        "ratio": best / min(peer),
        "cpu_ratio": min(cpu) / min(peer_cpu),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workloads", nargs="*", default=["small", "medium", "long"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "wb-bench"))
    parser.add_argument("--stages", action="store_true", help="print the stage breakdown")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="with --stages: print the top N functions of a cProfile")  # fmt: skip
    args = parser.parse_args(argv)
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {load} (timings are noisy when it is high)")
    print(
        f"{'workload':<8} {'points':>10} {'full best':>10} {'median':>8} {'points/s':>12} {'cpu s':>6} {'no-op best':>11} {'median':>8}"
        f" {'read_json':>10} {'parse':>7} {'cpu':>5} {'ratio':>6} {'cpu ratio':>9}"
    )
    results = []
    for name in args.workloads:
        r = bench(name, base, args.repeat)
        results.append(r)
        print(
            f"{r['workload']:<8} {r['points']:>10,} {r['full_best_s']:>9.2f}s {r['full_median_s']:>7.2f}s "
            f"{r['points_per_s_best']:>12,.0f} {r['cpu_best_s']:>6.2f} {r['noop_best_s']:>10.3f}s {r['noop_median_s']:>7.3f}s"
            f" {r['peer_best_s']:>9.2f}s {r['parse_best_s']:>6.2f}s {r['parse_cpu_best_s']:>5.2f}"
            f" {r['ratio']:>5.2f}x"
            f" {r['cpu_ratio']:>8.2f}x"
        )
    print("ratio: full ingest best / DuckDB read_json best, wall time (target <= 1.5x);")
    print("cpu ratio: the same with process CPU time (steadier when the machine is busy);")
    print("parse, cpu: reading and parsing the metrics alone in memory, wall and CPU time")
    if args.stages:
        for r in results:
            print_stages(r, base, args.profile)


def print_stages(r: dict, base: Path, profile: int) -> None:
    """The stage table of one workload, with read_json split the same way, in this run."""
    import ingest_stages

    root = base / r["workload"]
    db = base / f"{r['workload']}-stages.duckdb"
    passes = [ingest_stages.staged_pass(root, db) for _ in range(2)]
    timers, wall, cpu = min(passes, key=lambda p: p[2])  # the pass with the least CPU
    peer = ingest_stages.read_json_parts(root, db)
    print(f"\n{r['workload']}: where a full ingest spends its time (pools inline, best of 2 by CPU)")
    print("\n".join(ingest_stages.stage_table(timers, wall, cpu)))
    print(f"  {'overlapped pass (best of the runs above)':<46} {r['full_best_s']:>7.3f} "
          f"{'':>6} {r['cpu_best_s']:>7.3f}")  # fmt: skip
    print("\n  DuckDB read_json of the same metrics.jsonl files, in this run:")
    for label in ("memory", "file"):
        print(
            f"    into {label + ':':<8} statement {peer[label + '_statement_wall']:.3f} s wall / "
            f"{peer[label + '_statement_cpu']:.3f} s cpu, close {peer[label + '_close_wall']:.3f}"
            f" / {peer[label + '_close_cpu']:.3f}; total {peer[label + '_wall']:.3f} / "
            f"{peer[label + '_cpu']:.3f}"
        )
    print(
        f"  inline pass / read_json into a file: {wall / peer['file_wall']:.2f}x wall, "
        f"{cpu / peer['file_cpu']:.2f}x cpu; overlapped pass: "
        f"{r['full_best_s'] / peer['file_wall']:.2f}x wall, "
        f"{r['cpu_best_s'] / peer['file_cpu']:.2f}x cpu"
    )
    print(
        f"  reading + parsing the metrics alone in memory: {r['parse_cpu_best_s']:.3f} s cpu; "
        f"the overlapped pass is {r['cpu_best_s'] / r['parse_cpu_best_s']:.2f}x that"
    )
    if profile:
        print(f"\n  cProfile of an inline pass, top {profile} by own time:")
        print(ingest_stages.profiled_pass(root, db, profile))


if __name__ == "__main__":
    main()
