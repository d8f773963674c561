"""Benchmark datasets: fingerprint speed, profile time and memory, cached profile, scan.

    python benchmarks/bench_datasets.py [--rows 10000000] [--files 10000] [--dir /tmp/wb-ds]
                                        [--only big|scan]
Targets (10M rows x 20 columns Parquet): profile < 10 s with peak RSS < 1.5 GB, and at most
1.5x polars computing the same statistics directly in the same run; fingerprint >= 500 MB/s
(and its ratio to `sha256sum` on the same file); a cached profile < 50 ms (in process; a
fresh CLI process is also timed against `workbench --version`); `datasets scan` of 10,000
small files < 5 s (against `find | xargs sha256sum` over the same files, in process and as a
fresh CLI process). The load average is printed before and after: the machine may be shared.
The generated files are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import Clock, load_average, ratio, repeat_ms, time_call, time_process  # noqa: E402

_CHILD_PROFILE = """
import sys, time
from pathlib import Path
from workbench.datasets.profile import compute_profile
t = time.perf_counter()
p = compute_profile(Path(sys.argv[1]), "parquet")
print(time.perf_counter() - t)
"""

_CHILD_POLARS = """
import sys, time
import polars as pl
Q = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
t = time.perf_counter()
lf = pl.scan_parquet(sys.argv[1])
schema = lf.collect_schema()
exprs = []
for n, dt in schema.items():
    c = pl.col(n)
    exprs += [c.null_count().alias(n + "n"), c.approx_n_unique().alias(n + "d"),
              c.min().alias(n + "lo"), c.max().alias(n + "hi")]
    if dt.is_numeric():
        exprs += [c.mean().alias(n + "m"), c.std().alias(n + "s")]
        exprs += [c.quantile(q).alias(f"{n}q{q}") for q in Q]
stats = lf.select(exprs).collect().row(0, named=True)
for n, dt in schema.items():
    c = pl.col(n)
    if dt.is_numeric():
        lo, hi = stats[n + "lo"], stats[n + "hi"]
        w = (hi - lo) / 20 or 1.0
        lf.select(((c - lo) / w).floor().clip(0, 19).value_counts()).collect()
    else:
        lf.select(c.value_counts(sort=True).head(10)).collect()
print(time.perf_counter() - t)
"""


def _child(code: str, path: Path) -> tuple[float, float, float]:
    """(seconds the child reports, its peak RSS in MB, its CPU seconds: user + system, all
    threads), measured in a fresh process. CPU time moves less than wall time with load."""
    wrapper = (
        "import resource, runpy, sys\n"
        f"exec(compile({code!r}, 'bench', 'exec'))\n"
        "use = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(use.ru_maxrss / 1024, use.ru_utime + use.ru_stime)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def generate_wide(path: Path, rows: int) -> None:
    """10 numeric and 10 text columns, written in row groups to bound memory."""
    import numpy as np
    import polars as pl
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    writer = None
    step = 1_000_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        cols: dict[str, object] = {}
        for i in range(5):
            cols[f"f{i}"] = rng.normal(i, 1 + i, n)
            cols[f"i{i}"] = rng.integers(0, 10 ** (i + 2), n)
        for i in range(10):
            cols[f"s{i}"] = pl.Series(rng.integers(0, 10 ** (1 + i % 5), n)).cast(pl.String)
        table = pl.DataFrame(cols).with_columns(
            pl.when(pl.col("f1") > 3).then(None).otherwise(pl.col("f1")).alias("f1")
        ).to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def bench_fingerprint(path: Path) -> None:
    from workbench.formats.fingerprint import fingerprint

    size_mb = path.stat().st_size / 1e6
    ours, theirs = [], []
    for _ in range(3):
        ours.append(time_call(lambda: fingerprint(path))[0])
        theirs.append(time_process(["sha256sum", str(path)])[0])
    a, b = min(ours), min(theirs)
    print(f"fingerprint  {size_mb:,.0f} MB: {size_mb / a:,.0f} MB/s (target >= 500);"
          f" sha256sum {size_mb / b:,.0f} MB/s; ratio ours/sha256sum time {ratio(a, b)}")


def _cli(*args: str) -> float:
    """Seconds a fresh `workbench ...` process takes, start to exit."""
    script = Path(sys.executable).with_name("workbench")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "workbench.cli.main"]
    return time_process([*command, *args])[0]


def bench_profile(path: Path, base: Path) -> None:
    ours, rss, cpu = _child(_CHILD_PROFILE, path)
    peer, peer_rss, peer_cpu = _child(_CHILD_POLARS, path)
    print(f"profile      {ours:.2f} s (target < 10), peak RSS {rss:,.0f} MB (target < 1500);"
          f" polars directly {peer:.2f} s, {peer_rss:,.0f} MB; ratio {ratio(ours, peer)} (aim <= 1.5)")
    print(f"profile CPU  {cpu:.1f} s user+system (all threads); polars directly {peer_cpu:.1f} s;"
          f" ratio {ratio(cpu, peer_cpu)}")
    from workbench.catalog.connection import Catalog
    from workbench.datasets.profiles import profile_version
    from workbench.datasets.scan import scan_paths

    db = base / "catalog.duckdb"
    cat = Catalog(db)
    scan_paths(cat, [path])
    cached = repeat_ms(lambda: profile_version(cat, path.stem), 7)  # the warm-up call profiles
    assert cached.result[1].cached
    print(f"cached       {cached.median:.1f} ms in process, median of 7 (best"
          f" {cached.best:.1f}); ratio to the 50 ms target {ratio(cached.median, 50)}")
    fresh = statistics.median(_cli("--db", str(db), "dataset", "profile", path.stem, "--json")
                              for _ in range(3))  # fmt: skip
    floor = statistics.median(_cli("--version") for _ in range(3))
    print(f"cached, CLI  {fresh * 1000:.0f} ms a fresh process, median of 3; `workbench --version`"
          f" {floor * 1000:.0f} ms; ratio {ratio(fresh, floor)}, {(fresh - floor) * 1000:.0f} ms"
          " over start-up")


def _many_small_files(folder: Path, files: int) -> None:
    for i in range(files):
        sub = folder / f"d{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i:05d}.csv").write_text(f"a,b\n{i},x{i}\n{i + 1},y\n")
    old = time.time() - 60
    for file in folder.rglob("*.csv"):
        os.utime(file, (old, old))


def bench_scan(base: Path, files: int) -> None:
    from workbench.catalog.connection import Catalog
    from workbench.datasets.scan import scan_paths

    folder = base / "many"
    _many_small_files(folder, files)
    peer, _ = time_call(lambda: subprocess.run(
        f"find {folder} -type f -print0 | xargs -0 sha256sum > /dev/null", shell=True, check=True
    ))  # fmt: skip
    cat = Catalog(base / "scan.duckdb")
    first, report = time_call(lambda: scan_paths(cat, [folder]))
    again, again_report = time_call(lambda: scan_paths(cat, [folder]))
    assert len(report.files) == files, report.errors[:3]
    assert again_report.unchanged == files
    print(f"scan         {files:,} files in process: {first:.2f} s first (target < 5),"
          f" {again:.2f} s again; ratio to target {ratio(first, 5)}; `find | xargs sha256sum`"
          f" {peer:.2f} s, ratio {ratio(first, peer)}")
    db = str(base / "scan-cli.duckdb")
    first_cli = _cli("--db", db, "datasets", "scan", str(folder))
    again_cli = _cli("--db", db, "datasets", "scan", str(folder))
    floor = _cli("--version")
    print(f"scan, CLI    a fresh `workbench datasets scan`: {first_cli:.2f} s first,"
          f" {again_cli:.2f} s again; `workbench --version` {floor:.2f} s;"
          f" ratio to target {ratio(first_cli, 5)}")


def _big(base: Path, rows: int) -> None:
    """Generate the wide Parquet file, then measure fingerprint, profile and cached profile."""
    path = base / "wide.parquet"
    clock = Clock()
    generate_wide(path, rows)
    print(f"generated    {rows:,} x 20 Parquet, {path.stat().st_size / 1e6:,.0f} MB"
          f" in {clock.wall:.1f} s")
    old = time.time() - 60  # older than the fingerprint cache's racy window
    os.utime(path, (old, old))
    bench_fingerprint(path)
    bench_profile(path, base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--only", choices=("big", "scan"), default=None,
                        help="only the 10M-row file's measures, or only the scan")  # fmt: skip
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="wb-ds-", dir=args.dir))
    os.environ.setdefault("WORKBENCH_CACHE_DIR", str(base / "cache"))
    load = os.getloadavg()
    print(load_average())
    try:
        if args.only != "scan":
            _big(base, args.rows)
        if args.only != "big":
            bench_scan(base, args.files)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(load_average(since=load))


if __name__ == "__main__":
    main()
