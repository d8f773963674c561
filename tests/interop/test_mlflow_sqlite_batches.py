"""The mlflow.db reader holds one batch of runs' metric points at a time, never the store's."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.interop import mlflow_sqlite_points as points
from workbench.interop.mlflow_store import open_store

RUNS, STEPS, KEYS = 30, 20, 2  # 40 points a run


def _add_runs(db) -> tuple[list[str], str]:
    """RUNS runs of RUNS*KEYS points in the copy, and an orphan's points (a run that is gone)."""
    con = sqlite3.connect(db)
    with con:
        exp = con.execute("SELECT experiment_id FROM experiments LIMIT 1").fetchone()[0]
        ids = [f"{i:032x}" for i in range(1, RUNS + 1)]
        for i, run_id in enumerate(ids):
            con.execute(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,"
                " user_id, status, start_time, end_time, source_version, lifecycle_stage,"
                " artifact_uri, experiment_id) VALUES (?, ?, 'LOCAL', '', '', 'u', 'FINISHED',"
                " 0, 1, '', 'active', '', ?)",
                [run_id, f"r{i}", exp],
            )
        orphan = f"{RUNS // 2:031x}8"  # sorts between two of them
        rows = [(f"k{k}", i + s / 100, 1000 * s + k, run_id, s)
                for i, run_id in enumerate([*ids, orphan]) for s in range(STEPS)
                for k in range(KEYS)]  # fmt: skip
        con.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            rows,
        )
    con.close()
    return ids, orphan


def _read(uri: str) -> dict[str, list[str]]:
    store = open_store(uri)
    try:
        return {run.run_id: run.lines for run in store.runs()}
    finally:
        store.close()


def test_points_are_read_a_bounded_batch_at_a_time(sqlite_copy, monkeypatch):
    ids, orphan = _add_runs(sqlite_copy["path"])
    whole = _read(sqlite_copy["uri"])  # the default batches: all of these runs in one
    monkeypatch.setattr(points, "BATCH_POINTS", 100)  # two runs of 40 points a batch
    monkeypatch.setattr(points, "FETCH_ROWS", 30)
    streams: list[points.PointStream] = []

    class Recording(points.PointStream):
        def __init__(self, con):
            super().__init__(con)
            streams.append(self)

    monkeypatch.setattr(points, "PointStream", Recording)
    store = open_store(sqlite_copy["uri"])
    total = RUNS * STEPS * KEYS + sum(len(v) for k, v in whole.items() if k not in ids)
    ahead = []  # rows read from the store beyond those of the runs handed out so far
    handed = 0
    got = {}
    for run in store.runs():
        got[run.run_id] = run.lines
        handed += len(run.lines)
        ahead.append(streams[0].fetched - handed)
    store.close()
    assert got == whole and orphan not in got
    assert len(got[ids[0]]) == STEPS * KEYS and got[ids[0]][0].startswith('{"key":"k0","value":0.0')
    # at most one batch (100 points) and one fetch (30 rows) ahead, plus the orphan's 40 rows
    assert max(ahead) <= 100 + 30 + STEPS * KEYS
    assert streams[0].fetched == total + STEPS * KEYS


def test_batches_are_bounded_by_runs_and_points(monkeypatch):
    monkeypatch.setattr(points, "BATCH_RUNS", 3)
    monkeypatch.setattr(points, "BATCH_POINTS", 100)
    counts = {"a": 10, "b": 10, "c": 10, "d": 10, "e": 500, "f": 60, "g": 50}
    cut = list(points.batches(sorted(counts), counts))
    assert cut == [["a", "b", "c"], ["d"], ["e"], ["f"], ["g"]]
    assert list(points.batches([], {})) == []
    with pytest.raises(StopIteration):
        next(points.batches([], counts))
