"""Ingest in parsed pieces: many runs split over pieces give the same rows and summaries."""

from __future__ import annotations

import math
import random

import pytest
from _runfolders import append_raw, point_line, rows, write_json, write_run

from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths, ingest_roots

SUMMARY = (
    "SELECT r.run_id, s.key, s.last_value::VARCHAR, s.last_step, s.last_ts, s.min_value,"
    " s.max_value, s.count FROM metric_summary s JOIN runs r USING (run_key) ORDER BY ALL"
)


def _expected_summary(points_by_run: dict) -> list[tuple]:
    """metric_summary per the contract, computed in Python from the lines as written."""
    out = []
    for run_id, points in points_by_run.items():
        by_key: dict[str, list] = {}
        for line_no, (key, value, step) in enumerate(points):
            by_key.setdefault(key, []).append((step, line_no, float(value), 1000.0 + step))
        for key, pts in by_key.items():
            step, _line, value, ts = max(pts)  # greatest step, then the later line
            finite = [v for _s, _l, v, _t in pts if not math.isnan(v)]
            out.append(
                (
                    run_id, key, str(value) if not math.isnan(value) else "nan", step, ts,
                    min(finite) if finite else None, max(finite) if finite else None, len(pts),
                )
            )  # fmt: skip
    return sorted(out, key=lambda r: tuple("" if v is None else str(v) for v in r))


def _write_runs(root, seed: int) -> dict:
    rnd = random.Random(seed)
    points_by_run = {}
    for i in range(12):
        points = []
        for _ in range(rnd.randint(0, 40)):
            value = rnd.choice([rnd.uniform(-5, 5), rnd.uniform(-5, 5), "NaN", "Infinity"])
            points.append((rnd.choice(["loss", "acc", "lr"]), value, rnd.randint(0, 8)))
        write_run(root, f"r{i:02d}", params={"i": i}, points=points)
        points_by_run[f"r{i:02d}"] = points
    return points_by_run


@pytest.mark.parametrize("group_bytes", [1, 700, 1 << 23])
def test_summaries_over_pieces_match_the_contract(tmp_path, runs_root, monkeypatch, group_bytes):
    import workbench.ingest.reader as ing

    monkeypatch.setattr(ing, "GROUP_BYTES", group_bytes)
    points_by_run = _write_runs(runs_root, seed=group_bytes)
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert report.points == sum(len(p) for p in points_by_run.values())
    got = sorted(
        (tuple(r) for r in rows(cat, SUMMARY)),
        key=lambda r: tuple("" if v is None else str(v) for v in r),
    )
    expected = _expected_summary({k: v for k, v in points_by_run.items() if v})
    assert [r[:2] + r[3:] for r in got] == [r[:2] + r[3:] for r in expected]
    for g, e in zip(got, expected, strict=True):  # last_value as text: NaN/inf spelled by DuckDB
        assert float(g[2]) == float(e[2]) or (math.isnan(float(g[2])) and e[2] == "nan")


def test_bad_lines_and_replaced_file_across_pieces(tmp_path, runs_root, monkeypatch):
    import workbench.ingest.reader as ing

    monkeypatch.setattr(ing, "GROUP_BYTES", 1)  # every file its own piece
    a = write_run(runs_root, "a", points=[("loss", 1.0, 0), ("loss", 2.0, 1)])
    b = write_run(runs_root, "b", points=[("loss", 5.0, 0)])
    append_raw(b, b"{oops\n")
    append_raw(b, point_line("loss", 4.0, 1).encode())
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert (report.points, report.errors) == (4, 1)
    assert rows(cat, "SELECT path LIKE '%/b/metrics.jsonl', line FROM ingest_errors") == [(True, 2)]
    # replace a's metrics with a different file of the same size: read again from scratch
    (a / "metrics.jsonl").write_text(
        point_line("loss", 7.0, 0, ts=1000.0) + point_line("loss", 8.0, 1, ts=1001.0)
    )
    append_raw(b, point_line("loss", 3.0, 2).encode())
    report = ingest_roots(cat)
    assert report.points == 3
    summary = "SELECT r.run_id, last_value, count FROM metric_summary JOIN runs r USING (run_key)"
    assert sorted(rows(cat, summary)) == [("a", 8.0, 2), ("b", 3.0, 3)]


def test_huge_integer_param_is_kept_as_text(tmp_path, runs_root):
    folder = write_run(runs_root, "r1")
    write_json(folder / "params.json", {"big": 10**400, "n": 3, "x": 0.5, "s": " 2 "})
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert report.errors == 0
    got = rows(cat, "SELECT key, value_text, value_num, value_type FROM params ORDER BY key")
    assert got == [
        ("big", str(10**400), None, "number"),
        ("n", "3", 3.0, "number"),
        ("s", " 2 ", 2.0, "string"),
        ("x", "0.5", 0.5, "number"),
    ]


def test_a_failing_batch_commits_nothing_and_the_next_pass_recovers(
    tmp_path, runs_root, monkeypatch
):
    import threading

    import workbench.catalog.ingest_store as store
    import workbench.ingest.batch as batch
    import workbench.ingest.reader as ing

    monkeypatch.setattr(ing, "GROUP_BYTES", 1)
    monkeypatch.setattr(batch, "INSERT_ROWS", 1)  # one INSERT per piece: the 3rd one fails
    points_by_run = _write_runs(runs_root, seed=7)
    cat = Catalog(tmp_path / "c.duckdb")
    real_insert = store.insert_points
    calls = []

    def failing_insert(con, frame):
        calls.append(frame.height)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_insert(con, frame)

    monkeypatch.setattr(store, "insert_points", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_paths(cat, [runs_root])
    with cat.connect(read_only=True) as con:
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("runs", "metric_points", "ingest_files")]  # fmt: skip
    assert counts == [0, 0, 0]
    monkeypatch.setattr(store, "insert_points", real_insert)
    report = ingest_paths(cat, [runs_root])
    assert report.points == sum(len(p) for p in points_by_run.values())
    assert ingest_roots(cat).points == 0
    for _ in range(100):  # the reader's threads end once their work is done
        if not any(t.name.startswith("workbench-ingest") for t in threading.enumerate()):
            break
        threading.Event().wait(0.02)
    assert not any(t.name.startswith("workbench-ingest") for t in threading.enumerate())


@pytest.mark.parametrize("insert_rows", [1, 60, 1 << 19])
def test_pieces_are_inserted_together_and_every_point_lands(
    tmp_path, runs_root, monkeypatch, insert_rows
):
    import workbench.catalog.ingest_store as store
    import workbench.ingest.batch as batch
    import workbench.ingest.reader as ing

    monkeypatch.setattr(ing, "GROUP_BYTES", 1)  # every file its own piece
    monkeypatch.setattr(batch, "INSERT_ROWS", insert_rows)
    points_by_run = _write_runs(runs_root, seed=11)
    real_insert = store.insert_points
    sizes = []

    def counting_insert(con, frame):
        sizes.append(frame.height)
        real_insert(con, frame)

    monkeypatch.setattr(store, "insert_points", counting_insert)
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    total = sum(len(p) for p in points_by_run.values())
    assert report.points == sum(sizes) == total
    pieces_with_points = sum(1 for p in points_by_run.values() if p)
    if insert_rows == 1:
        assert len(sizes) == pieces_with_points
    elif insert_rows == 60:
        assert all(s >= 60 for s in sizes[:-1]) and len(sizes) < pieces_with_points
    else:
        assert sizes == [total]  # one statement for the whole batch
    got = rows(cat, "SELECT r.run_id, count(*) FROM metric_points JOIN runs r USING (run_key)"
                    " GROUP BY ALL ORDER BY ALL")  # fmt: skip
    assert got == sorted((k, len(v)) for k, v in points_by_run.items() if v)
