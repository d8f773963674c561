"""Watching: new points land within a second; a writer process and `workbench watch` agree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from _runfolders import append_points, rows, write_run

from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths
from workbench.ingest.watch import RESCAN_S, RootWatcher


def _wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def _count(cat) -> int:
    if not cat.exists():
        return 0
    return rows(cat, "SELECT count(*) FROM metric_points")[0][0]


@pytest.mark.parametrize("poll", [False, True])
def test_new_points_land_within_a_second(tmp_path, runs_root, poll):
    cat = Catalog(tmp_path / "c.duckdb")
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    ingest_paths(cat, [runs_root])
    reports = []
    watcher = RootWatcher(cat, None, on_ingest=reports.append, poll=poll, interval=0.2)
    with watcher:
        time.sleep(0.3)
        append_points(folder, [("loss", 0.5, 1), ("loss", 0.25, 2)])
        elapsed = _wait_for(lambda: _count(cat) == 3, 10.0)
        # about 0.3 s on a quiet machine; far below the 30 s rescan either way (a busy machine
        # adds scheduling delay, so the bound is generous)
        assert elapsed < RESCAN_S / 6
        new = write_run(runs_root / "later", "r2", points=[("acc", 0.9, 0)])
        _wait_for(lambda: _count(cat) == 4, 10.0)
    assert any(r.points for r in reports)
    assert rows(cat, "SELECT run_id FROM runs ORDER BY run_id") == [("r1",), ("r2",)]
    assert new.exists()
    assert watcher.mode == ("poll" if poll else "events")


def test_falls_back_to_polling_when_events_fail(tmp_path, runs_root, monkeypatch):
    import watchdog.observers

    class Broken:
        def schedule(self, *a, **k):
            raise OSError("inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers, "Observer", Broken)
    cat = Catalog(tmp_path / "c.duckdb")
    folder = write_run(runs_root, "r1")
    ingest_paths(cat, [runs_root])
    with RootWatcher(cat, [str(runs_root)], interval=0.1) as watcher:
        append_points(folder, [("loss", 1.0, 0)])
        _wait_for(lambda: _count(cat) == 1, 20.0)
    assert watcher.mode.startswith("poll")


WRITER = textwrap.dedent(
    """
    import json, os, sys, time
    root, n_runs, n_steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    folders = []
    for r in range(n_runs):
        d = os.path.join(root, "p", f"w{r}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "run.json.tmp"), "w") as fh:
            json.dump({"format_version": 1, "id": f"w{r}", "project": "p", "name": f"w{r}",
                       "status": "running", "started_at": "2025-01-01T00:00:00Z"}, fh)
        os.replace(os.path.join(d, "run.json.tmp"), os.path.join(d, "run.json"))
        folders.append(open(os.path.join(d, "metrics.jsonl"), "a"))
    for step in range(n_steps):
        for fh in folders:
            line = json.dumps({"key": "loss", "value": step * 0.5, "step": step, "timestamp": time.time()})
            # write each line in two pieces so the watcher sees partial lines
            fh.write(line[:7]); fh.flush(); fh.write(line[7:] + "\\n"); fh.flush()
        time.sleep(0.002)
    print("done", flush=True)
    """
)


@pytest.mark.slow
def test_writer_process_and_watch_process_agree(tmp_path, runs_root):
    db = tmp_path / "c.duckdb"
    env = {**os.environ, "WORKBENCH_DB": str(db)}
    watch = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli.main", "watch", str(runs_root)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert "watching" in watch.stdout.readline() + watch.stdout.readline()
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, str(runs_root), "4", "400"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert writer.stdout.strip() == "done", writer.stderr
        cat = Catalog(db, busy_timeout=10)
        _wait_for(lambda: _count(cat) == 1600, 20.0)
        time.sleep(0.5)  # nothing more arrives, nothing is doubled
        assert rows(cat, "SELECT count(*), sum(value) FROM metric_points") == [
            (1600, 4 * sum(s * 0.5 for s in range(400)))
        ]
        assert rows(cat, "SELECT sum(count) FROM metric_summary") == [(1600,)]
        assert rows(cat, "SELECT count(*) FROM ingest_errors") == [(0,)]
    finally:
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=15)
    assert "stopped watching" in out
    assert "Traceback" not in err


def test_catalog_inside_a_root_does_not_loop(tmp_path, runs_root):
    cat = Catalog(runs_root / "catalog.duckdb")
    folder = write_run(runs_root, "r1")
    ingest_paths(cat, [runs_root])
    with RootWatcher(cat, None) as watcher:
        append_points(folder, [("loss", 1.0, 0)])
        _wait_for(lambda: _count(cat) == 1, 20.0)
        time.sleep(1.0)
        passes = watcher.passes
        time.sleep(1.0)
        assert watcher.passes == passes  # quiet: our own writes do not wake us


def test_watcher_and_manual_ingest_in_one_process_do_not_double(tmp_path, runs_root):
    import threading

    cat = Catalog(tmp_path / "c.duckdb")
    folders = [write_run(runs_root, f"r{i}") for i in range(5)]
    ingest_paths(cat, [runs_root])
    with RootWatcher(cat, None, debounce=0.01):
        stop = threading.Event()

        def manual():
            while not stop.is_set():
                ingest_paths(cat, [runs_root])

        thread = threading.Thread(target=manual)
        thread.start()
        for step in range(100):
            for folder in folders:
                append_points(folder, [("loss", 1.0, step)])
        stop.set()
        thread.join()
        _wait_for(lambda: _count(cat) == 500, 20.0)
    assert rows(cat, "SELECT count(*), sum(count) FROM metric_summary") == [(5, 500)]


def test_add_root_while_watching(tmp_path, runs_root):
    cat = Catalog(tmp_path / "c.duckdb")
    write_run(runs_root, "r1")
    ingest_paths(cat, [runs_root])
    other = tmp_path / "other"
    other.mkdir()
    with RootWatcher(cat, [str(runs_root)]) as watcher:
        ingest_paths(cat, [other])
        watcher.add_root(str(other))
        time.sleep(0.3)
        folder = write_run(other, "r2")
        append_points(folder, [("loss", 1.0, 0)])
        _wait_for(lambda: _count(cat) == 1, 20.0)
