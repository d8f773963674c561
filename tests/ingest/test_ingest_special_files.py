"""FIFOs, devices, links to /dev/zero, link loops and oversized files in a run folder: each is
skipped with an error row, and ingest never blocks or blows up on one. Each ingest runs in a
real subprocess with a timeout, so a hang fails the test instead of hanging the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _runfolders import rows, write_run

from workbench.catalog.connection import Catalog
from workbench.formats import spec
from workbench.ingest import ingest_paths, ingest_roots

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def ingest_in_subprocess(db: Path, root: Path, timeout: float = 60) -> dict:
    """`workbench ingest --json` in its own process; fails (not hangs) if it blocks."""
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli.main", "--db", str(db), "ingest", "--json",
         str(root)],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def _special(kind: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev_zero_link":
        path.symlink_to("/dev/zero")
    elif kind == "dev_null_link":
        path.symlink_to("/dev/null")


SPECIAL = ["fifo", "dev_zero_link"]
FILES = ["params.json", "tags.json", "notes.md", "metrics.jsonl", "datasets.jsonl",
         "artifacts/model.bin"]  # fmt: skip


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("name", FILES)
def test_special_file_is_skipped_with_an_error(tmp_path, runs_root, kind, name):
    folder = write_run(runs_root, "r1", params={"lr": 0.1}, points=[("loss", 1.0, 0)],
                       artifacts={"ok.txt": b"fine"})  # fmt: skip
    target = folder / name
    target.parent.mkdir(exist_ok=True)
    _special(kind, target)
    db = tmp_path / "c.duckdb"
    report = ingest_in_subprocess(db, runs_root)
    errors = [(e["path"], e["message"]) for e in report["error_list"]]
    assert len(errors) == 1 and errors[0][0] == str(target), errors
    assert "not a regular file" in errors[0][1] or (
        name.startswith("artifacts/") and errors[0][1] == "symlink points outside the run folder"
    )
    cat = Catalog(db)
    assert rows(cat, "SELECT name FROM runs") == [("r1",)]
    # everything else of the run arrived
    if name != "metrics.jsonl":
        assert rows(cat, "SELECT count(*) FROM metric_points") == [(1,)]
    if name != "params.json":
        assert rows(cat, "SELECT key FROM params") == [("lr",)]
    assert ("ok.txt",) in rows(cat, "SELECT path FROM artifacts")
    assert all(p != "model.bin" for (p,) in rows(cat, "SELECT path FROM artifacts"))
    # reported once, not on every pass
    again = ingest_in_subprocess(db, runs_root)
    assert again["errors"] == 0


@pytest.mark.parametrize("kind", [*SPECIAL, "dev_null_link"])
def test_special_run_json_skips_the_folder(tmp_path, runs_root, kind):
    write_run(runs_root, "good")
    folder = write_run(runs_root, "bad")
    _special(kind, folder / "run.json")
    db = tmp_path / "c.duckdb"
    report = ingest_in_subprocess(db, runs_root)
    assert [e["path"] for e in report["error_list"]] == [str(folder / "run.json")]
    assert rows(Catalog(db), "SELECT run_id FROM runs") == [("good",)]


def test_metrics_file_that_becomes_a_fifo_and_back(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    metrics = folder / "metrics.jsonl"
    saved = metrics.read_bytes()
    _special("fifo", metrics)
    report = ingest_roots(cat)  # in-process: a blocking open would hang right here
    assert report.errors == 1 and "a FIFO" in report.error_list[0][2]
    assert rows(cat, "SELECT count(*) FROM metric_points") == [(1,)]  # kept
    metrics.unlink()
    metrics.write_bytes(saved + saved.replace(b'"value": 1.0', b'"value": 2.0'))
    report = ingest_roots(cat)
    assert report.errors == 0
    assert rows(cat, "SELECT value FROM metric_points ORDER BY value") == [(1.0,), (2.0,)]


def test_artifact_symlink_loops_are_not_followed(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", artifacts={"a/b/c.txt": b"x"})
    art = folder / "artifacts"
    # Loops that, followed naively, make the scan exponential (each level doubles).
    (art / "self").symlink_to(".", target_is_directory=True)
    for d in (art / "a", art / "a" / "b"):
        (d / "up1").symlink_to(".", target_is_directory=True)
        (d / "up2").symlink_to("..", target_is_directory=True)
    db = tmp_path / "c.duckdb"
    started = time.monotonic()
    report = ingest_in_subprocess(db, runs_root, timeout=60)
    assert time.monotonic() - started < 30
    assert rows(Catalog(db), "SELECT path FROM artifacts") == [("a/b/c.txt",)]
    messages = {e["message"] for e in report["error_list"]}
    assert messages <= {"symlink loops back to a folder already listed",
                        "symlink points outside the run folder"}  # fmt: skip


def test_oversized_small_files_are_refused(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", params={"lr": 0.1}, tags={"a": "b"})
    (folder / "params.json").write_text(
        json.dumps({"blob": "x" * (spec.MAX_PARAMS_FILE_BYTES + 10)})
    )
    (folder / "notes.md").write_bytes(b"n" * (spec.MAX_NOTES_FILE_BYTES + 1))
    big = write_run(runs_root, "r2")
    obj = json.loads((big / "run.json").read_text())
    (big / "run.json").write_text(json.dumps({**obj, "pad": "p" * spec.MAX_RUN_FILE_BYTES}))
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    by_path = {p: m for p, _l, m in report.error_list}
    assert set(by_path) == {str(folder / "params.json"), str(folder / "notes.md"),
                            str(big / "run.json")}  # fmt: skip
    assert all("-byte limit for this file" in m for m in by_path.values())
    assert rows(cat, "SELECT run_id FROM runs") == [("r1",)]
    assert rows(cat, "SELECT count(*) FROM params") == [(0,)]
    assert rows(cat, "SELECT key, value FROM tags") == [("a", "b")]


def test_fifty_megabyte_name_is_cut_and_reported(tmp_path, runs_root):
    """A run.json within its cap cannot carry a huge name; a long name is cut and reported."""
    name = "n" * 50_000_000
    folder = write_run(runs_root, "r1", name=name)
    long_ok = write_run(runs_root, "r2", name="m" * 5000)
    obj = json.loads((long_ok / "run.json").read_text())
    (long_ok / "run.json").write_text(json.dumps({**obj, "project": "p" * 900}))
    cat = Catalog(tmp_path / "c.duckdb")
    started = time.monotonic()
    report = ingest_paths(cat, [runs_root])
    from workbench.catalog import queries

    queries.list_runs(cat)
    queries.get_run(cat, "r2")
    assert time.monotonic() - started < 15
    messages = {p: m for p, _l, m in report.error_list}
    assert "over the 1,048,576-byte limit" in messages[str(folder / "run.json")]
    assert rows(cat, "SELECT length(name), length(project) FROM runs") == [
        (spec.MAX_NAME_LENGTH, spec.MAX_NAME_LENGTH)
    ]
    errors = rows(cat, "SELECT message FROM ingest_errors WHERE path = ? ORDER BY message",
                  [str(long_ok / "run.json")])  # fmt: skip
    assert errors == [
        ("the run's name is 5,000 characters long; kept the first 500",),
        ("the run's project is 900 characters long; kept the first 500",),
    ]
    # A heartbeat rewrite of run.json replaces those rows instead of adding more.
    os.utime(long_ok / "run.json", (1, 1))
    ingest_roots(cat)
    assert rows(cat, "SELECT count(*) FROM ingest_errors WHERE path = ?",
                [str(long_ok / "run.json")]) == [(2,)]  # fmt: skip


def test_long_param_keys_and_values_are_capped(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", params={"k" * 300: 1, "v": "x" * (spec.MAX_VALUE_LENGTH + 5),
                                                "ok": 2},
                       tags={"t" * 251: "a"})  # fmt: skip
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert sorted(p for p, _l, _m in report.error_list) == [
        str(folder / "params.json"), str(folder / "params.json"), str(folder / "tags.json")
    ]  # fmt: skip
    assert rows(cat, "SELECT key, length(value_text) FROM params ORDER BY key") == [
        ("ok", 1), ("v", spec.MAX_VALUE_LENGTH)
    ]  # fmt: skip
    assert rows(cat, "SELECT count(*) FROM tags") == [(0,)]
