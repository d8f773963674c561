"""A metrics.jsonl replaced by rename is told by its identity (device, inode), not its size or
first bytes: the new file is read from the start and replaces the old one's points."""

from __future__ import annotations

import os

from _runfolders import point_line, rows, write_run

from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths, ingest_roots


def test_longer_file_with_the_same_first_bytes_renamed_over(tmp_path, runs_root):
    folder = write_run(runs_root, "r1")
    metrics = folder / "metrics.jsonl"
    first = point_line("loss", 1.0, 0, ts=5.0)
    metrics.write_text(first + point_line("loss", 2.0, 1, ts=5.0))
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    # Same first line (so the same head signature), then other values, and longer.
    tmp = folder / "metrics.jsonl.new"
    tmp.write_text(first + point_line("loss", 9.0, 1, ts=5.0) + point_line("loss", 8.0, 2, ts=5.0))
    os.replace(tmp, metrics)
    report = ingest_roots(cat)
    assert report.errors == 0, report.error_list
    assert rows(cat, "SELECT step, value FROM metric_points ORDER BY step") == [
        (0, 1.0), (1, 9.0), (2, 8.0)
    ]  # fmt: skip
    assert rows(cat, "SELECT last_value, count, max_value FROM metric_summary") == [(8.0, 3, 9.0)]
    # and from then on, appends to the new file are read as appends
    with open(metrics, "a") as fh:
        fh.write(point_line("loss", 7.0, 3, ts=5.0))
    assert ingest_roots(cat).points == 1
    assert rows(cat, "SELECT count(*) FROM metric_points") == [(4,)]


def test_same_size_and_mtime_replacement_is_noticed(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    metrics = folder / "metrics.jsonl"
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    st = metrics.stat()
    tmp = folder / "new.jsonl"
    tmp.write_bytes(metrics.read_bytes().replace(b"1.0", b"3.0"))
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, metrics)
    ingest_roots(cat)
    assert rows(cat, "SELECT value FROM metric_points") == [(3.0,)]


def test_params_file_replaced_with_same_size_and_mtime(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", params={"lr": 1})
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    params = folder / "params.json"
    st = params.stat()
    tmp = folder / "p.tmp"
    tmp.write_text(params.read_text().replace("1", "2"))
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, params)
    ingest_roots(cat)
    assert rows(cat, "SELECT value_num FROM params") == [(2.0,)]
