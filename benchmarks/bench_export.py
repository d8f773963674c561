"""Benchmark export and restore: `export metrics`, `export catalog` and `import catalog` on a
workload, each against a peer measured in the same run on the same catalog.

    python benchmarks/bench_export.py [small|medium] [--dir /tmp/wb-bench-export]

Peers:
- export metrics: DuckDB's own COPY of the same query to Parquet (no streaming through Arrow);
- import catalog: ingesting the workload's run folders into a fresh catalog (the rebuild a
  restore saves); a restore should cost a fraction of it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from _timing import ratio, time_call  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", nargs="?", default="small", choices=["small", "medium"])
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)

    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths
    from workbench.interop.catalog_dump import export_catalog, import_catalog
    from workbench.interop.export import export_metrics

    work = args.dir or Path(tempfile.mkdtemp(prefix="wb-bench-export-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    root = work / "runs"
    generate.generate(args.workload, root)
    cat = Catalog(work / "catalog.duckdb")
    ingest_s, _ = time_call(lambda: ingest_paths(cat, [root]))

    ours_s, written = time_call(lambda: export_metrics(cat, work / "points.parquet"))
    peer_sql = (
        "COPY (SELECT r.run_id, r.project, r.name AS run_name, m.key, m.step,"
        " make_timestamp(CAST(m.ts * 1000000 AS BIGINT)) AS timestamp, m.value"
        " FROM metric_points m JOIN runs r USING (run_key) ORDER BY r.run_id, m.key, m.step, m.ts)"
        f" TO '{work / 'peer.parquet'}' (FORMAT parquet)"
    )

    def peer() -> None:
        with cat.connect(read_only=True) as con:
            con.execute(peer_sql)

    peer_s, _ = time_call(peer)
    print(f"export metrics: {written.rows:,} points in {ours_s:.2f} s"
          f" ({written.rows / ours_s:,.0f} points/s); DuckDB COPY {peer_s:.2f} s;"
          f" ratio {ratio(ours_s, peer_s)}")

    dump_s, dump = time_call(lambda: export_catalog(cat, work / "export"))
    target = Catalog(work / "restored" / "catalog.duckdb")
    restore_s, _ = time_call(lambda: import_catalog(target, work / "export"))
    rows = sum(dump.tables.values())
    print(f"export catalog: {rows:,} rows in {dump_s:.2f} s; import catalog {restore_s:.2f} s;"
          f" ingest from run folders {ingest_s:.2f} s;"
          f" restore / ingest ratio {ratio(restore_s, ingest_s)}")


if __name__ == "__main__":
    main()
