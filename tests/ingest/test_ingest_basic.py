"""Ingest: discovery, params/tags/metrics, incremental reads, replaced files, missing runs."""

from __future__ import annotations

import json
import math
import os
import time

import pytest
from _runfolders import append_points, append_raw, point_line, rows, scalar, write_json, write_run

from workbench.catalog.connection import Catalog
from workbench.errors import NotFoundError
from workbench.ingest import ingest_paths, ingest_roots


@pytest.fixture
def cat(tmp_path):
    return Catalog(tmp_path / "cat" / "catalog.duckdb")


def test_first_ingest_reads_everything(cat, runs_root):
    write_run(
        runs_root, "r1", params={"lr": 0.1, "opt": "sgd", "wd": "1e-3", "flag": True, "none": None},
        tags={"team": "a"}, points=[("loss", 1.0, 0), ("loss", 0.5, 1), ("acc", 0.7, 1)],
        heartbeat_at="2025-01-01T00:01:00Z", git={"commit": "abc", "branch": "main", "dirty": True},
        command=["train.py", "--lr", "0.1"],
    )  # fmt: skip
    write_run(runs_root / "deep" / "er", "r2", project="q", points=[("loss", 2.0, 0)])
    report = ingest_paths(cat, [runs_root])
    assert (report.runs_seen, report.runs_new, report.points, report.errors) == (2, 2, 4, 0)
    assert rows(cat, "SELECT path FROM roots") == [(str(runs_root.resolve()),)]
    run = rows(
        cat,
        "SELECT project, name, status, git_commit, git_dirty, command FROM runs WHERE run_id='r1'",
    )
    assert run == [("p", "r1", "finished", "abc", True, '["train.py", "--lr", "0.1"]')]
    params = dict(
        (k, (t, n, ty))
        for k, t, n, ty in rows(cat, "SELECT key, value_text, value_num, value_type FROM params")
    )
    assert params["lr"] == ("0.1", 0.1, "number")
    assert params["opt"] == ("sgd", None, "string")
    assert params["wd"] == ("1e-3", 0.001, "string")
    assert params["flag"] == ("true", None, "bool")
    assert params["none"] == ("null", None, "null")
    assert rows(cat, "SELECT key, value FROM tags") == [("team", "a")]
    summary = rows(
        cat, "SELECT key, last_value, last_step, min_value, max_value, count FROM latest_metrics "
        "WHERE run_id='r1' ORDER BY key",
    )  # fmt: skip
    assert summary == [("acc", 0.7, 1, 0.7, 0.7, 1), ("loss", 0.5, 1, 0.5, 1.0, 2)]
    assert scalar(cat, "SELECT count(*) FROM metric_history WHERE run_id='r2'") == 1
    assert scalar(cat, "SELECT value FROM catalog_state WHERE key='data_version'") == 1


def test_reingest_unchanged_is_noop_and_reads_nothing(cat, runs_root, monkeypatch):
    write_run(runs_root, "r1", params={"a": 1}, points=[("loss", 1.0, 0)])
    ingest_paths(cat, [runs_root])
    version = cat.data_version()
    import workbench.formats.runfolder as rf

    def boom(*a, **k):
        raise AssertionError("read a file on a no-op pass")

    for name in ("read_run_json", "read_params", "read_complete_lines", "head_signature"):
        monkeypatch.setattr(rf, name, boom)
    report = ingest_roots(cat)
    assert (report.runs_seen, report.runs_new, report.runs_updated, report.points) == (1, 0, 0, 0)
    assert cat.data_version() == version


def test_appended_points_and_partial_line(cat, runs_root):
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    ingest_paths(cat, [runs_root])
    line = point_line("loss", 0.25, 1)
    append_raw(folder, line[:10].encode())  # the writer is mid-line
    report = ingest_roots(cat)
    assert report.points == 0 and report.errors == 0
    append_raw(folder, line[10:].encode())
    report = ingest_roots(cat)
    assert report.points == 1
    assert rows(cat, "SELECT step, value FROM metric_points ORDER BY step") == [(0, 1.0), (1, 0.25)]
    assert rows(cat, "SELECT last_value, count FROM metric_summary") == [(0.25, 2)]
    assert rows(cat, "SELECT \"offset\", lines FROM ingest_files WHERE kind='metrics'") == [
        (os.path.getsize(folder / "metrics.jsonl"), 2)
    ]


def test_non_finite_values(cat, runs_root):
    write_run(
        runs_root,
        "r1",
        points=[("l", "NaN", 0), ("l", "Infinity", 1), ("l", "-Infinity", 2), ("l", 3.0, 3)],
    )
    report = ingest_paths(cat, [runs_root])
    assert report.points == 4 and report.errors == 0
    values = [v for (v,) in rows(cat, "SELECT value FROM metric_points ORDER BY step")]
    assert math.isnan(values[0]) and values[1:] == [math.inf, -math.inf, 3.0]
    # min/max ignore NaN
    assert rows(cat, "SELECT min_value, max_value, last_value FROM metric_summary") == [
        (-math.inf, math.inf, 3.0)
    ]


def test_params_tags_notes_rewritten(cat, runs_root):
    folder = write_run(runs_root, "r1", params={"a": 1, "b": 2}, tags={"t": "x"})
    ingest_paths(cat, [runs_root])
    time.sleep(0.01)
    write_json(folder / "params.json", {"a": 5})
    write_json(folder / "tags.json", {"t": "y", "u": "z"})
    (folder / "notes.md").write_text("hello [red]not markup[/]")
    report = ingest_roots(cat)
    assert report.runs_updated == 1
    assert rows(cat, "SELECT key, value_num FROM params") == [("a", 5.0)]
    assert sorted(rows(cat, "SELECT key, value FROM tags")) == [("t", "y"), ("u", "z")]
    assert scalar(cat, "SELECT notes FROM runs") == "hello [red]not markup[/]"
    os.remove(folder / "tags.json")
    assert ingest_roots(cat).changed
    assert rows(cat, "SELECT * FROM tags") == []
    assert not ingest_roots(cat).changed  # the removal is not applied again and again


def test_status_update_and_stale_view(cat, runs_root):
    folder = write_run(runs_root, "r1", status="running", heartbeat_at="2020-01-01T00:00:00Z")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_run(runs_root, "r2", status="running", started_at=now, heartbeat_at=now)
    ingest_paths(cat, [runs_root])
    assert dict(rows(cat, "SELECT run_id, status FROM runs_view")) == {
        "r1": "stale",
        "r2": "running",
    }
    assert scalar(cat, "SELECT status FROM runs WHERE run_id='r1'") == "running"
    obj = json.loads((folder / "run.json").read_text())
    obj.update(status="finished", ended_at="2020-01-01T00:05:00Z")
    write_json(folder / "run.json", obj)
    ingest_roots(cat)
    assert scalar(cat, "SELECT status FROM runs_view WHERE run_id='r1'") == "finished"


def test_truncated_file_is_read_again(cat, runs_root):
    folder = write_run(runs_root, "r1", points=[("loss", float(i), i) for i in range(10)])
    ingest_paths(cat, [runs_root])
    (folder / "metrics.jsonl").write_text(point_line("loss", 42.0, 0))
    report = ingest_roots(cat)
    assert report.points == 1
    assert rows(cat, "SELECT value FROM metric_points") == [(42.0,)]
    assert rows(cat, "SELECT count, last_value FROM metric_summary") == [(1, 42.0)]


def test_replaced_file_same_size_is_read_again(cat, runs_root):
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0), ("loss", 2.0, 1)])
    ingest_paths(cat, [runs_root])
    text = (folder / "metrics.jsonl").read_text().replace('"loss"', '"lass"')
    tmp = folder / "m.tmp"
    tmp.write_text(text + point_line("lass", 3.0, 2))
    os.replace(tmp, folder / "metrics.jsonl")
    ingest_roots(cat)
    assert rows(cat, "SELECT key, count(*) FROM metric_points GROUP BY key") == [("lass", 3)]
    assert rows(cat, "SELECT key, count FROM metric_summary") == [("lass", 3)]


def test_deleted_folder_is_marked_missing_then_back(cat, runs_root):
    import shutil

    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    write_run(runs_root, "r2")
    ingest_paths(cat, [runs_root])
    backup = runs_root.parent / "moved"
    shutil.move(folder, backup)
    report = ingest_roots(cat)
    assert report.missing == 1
    assert dict(rows(cat, "SELECT run_id, missing FROM runs")) == {"r1": True, "r2": False}
    assert scalar(cat, "SELECT count(*) FROM metric_points") == 1  # kept, not deleted
    shutil.move(backup, folder)
    ingest_roots(cat)
    assert dict(rows(cat, "SELECT run_id, missing FROM runs")) == {"r1": False, "r2": False}
    assert scalar(cat, "SELECT count(*) FROM metric_points") == 1


def test_moved_run_folder_is_not_doubled(cat, runs_root):
    import shutil

    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0), ("loss", 2.0, 1)])
    ingest_paths(cat, [runs_root])
    shutil.move(folder, runs_root / "elsewhere")
    ingest_roots(cat)
    assert rows(cat, "SELECT path, missing FROM runs") == [
        (str((runs_root / "elsewhere").resolve()), False)
    ]
    assert scalar(cat, "SELECT count(*) FROM metric_points") == 2
    assert rows(cat, "SELECT count FROM metric_summary") == [(2,)]


def test_duplicate_run_id_is_an_error_and_ignored(cat, runs_root):
    write_run(runs_root, "same", project="a", points=[("loss", 1.0, 0)])
    write_run(runs_root, "same", project="b", points=[("loss", 9.0, 0), ("loss", 9.0, 1)])
    report = ingest_paths(cat, [runs_root])
    assert report.runs_new == 1 and report.errors == 1
    assert "also used by" in report.error_list[0][2]
    assert rows(cat, "SELECT project FROM runs") == [("a",)]
    assert scalar(cat, "SELECT count(*) FROM metric_points") == 1
    assert scalar(cat, "SELECT count(*) FROM ingest_errors") == 1
    # not reported again on the next pass
    assert ingest_roots(cat).errors == 0
    assert scalar(cat, "SELECT count(*) FROM ingest_errors") == 1


def test_missing_folder_raises(cat, tmp_path):
    with pytest.raises(NotFoundError, match="no such folder"):
        ingest_paths(cat, [tmp_path / "nope"])


def test_artifacts_datasets_models(cat, runs_root):
    folder = write_run(runs_root, "r1")
    (folder / "artifacts" / "sub").mkdir(parents=True)
    (folder / "artifacts" / "sub" / "a.txt").write_text("hi")
    os.symlink("/etc/passwd", folder / "artifacts" / "escape")
    # a run.json inside artifacts/ is not a run
    (folder / "artifacts" / "run.json").write_text("{}")
    append_raw(
        folder,
        b'{"name":"d","path":"data.csv","role":"train","rows":3}\n{"name":"x"}\n',
        "datasets.jsonl",
    )
    append_raw(folder, b'{"name":"m","path":"artifacts/sub/a.txt","flavor":"sklearn","metadata":{"c":1}}\n'
               b'{"name":"evil","path":"../../x"}\n', "models.jsonl")  # fmt: skip
    report = ingest_paths(cat, [runs_root])
    assert report.runs_seen == 1
    arts = dict(rows(cat, "SELECT path, sha256 FROM artifacts"))
    assert set(arts) == {"sub/a.txt", "run.json"}
    assert arts["sub/a.txt"] == "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
    assert rows(cat, "SELECT name, role, rows FROM run_datasets") == [("d", "train", 3)]
    assert rows(cat, "SELECT name, flavor, metadata FROM run_models") == [
        ("m", "sklearn", '{"c": 1}')
    ]
    errs = rows(cat, "SELECT path, line, message FROM ingest_errors ORDER BY path")
    assert sorted((os.path.basename(p), line or 0) for p, line, _ in errs) == [
        ("datasets.jsonl", 2), ("escape", 0), ("models.jsonl", 2)
    ]  # fmt: skip
    assert ingest_roots(cat).errors == 0  # refusals are not repeated
    os.remove(folder / "artifacts" / "sub" / "a.txt")
    ingest_roots(cat)
    assert rows(cat, "SELECT path FROM artifacts") == [("run.json",)]


def test_read_only_open_of_missing_catalog_is_empty(tmp_path):
    cat = Catalog(tmp_path / "none" / "catalog.duckdb")
    with cat.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs_view").fetchone()[0] == 0
    assert not cat.path.exists()
    assert ingest_roots(cat).runs_seen == 0


def test_large_file_is_read_in_several_batches(cat, runs_root, monkeypatch):
    import workbench.ingest.plan as ing

    monkeypatch.setattr(ing, "BATCH_BYTES", 4096)
    folder = write_run(runs_root, "r1", points=[("loss", float(i), i) for i in range(500)])
    write_run(runs_root, "r2", points=[("loss", 1.0, i) for i in range(50)])
    report = ingest_paths(cat, [runs_root])
    assert report.points == 550
    assert rows(
        cat,
        "SELECT count(*), sum(value) FROM metric_points WHERE run_key=(SELECT run_key FROM runs WHERE run_id='r1')",
    ) == [(500, sum(range(500)))]
    append_points(folder, [("loss", 1.0, 500)])
    assert ingest_roots(cat).points == 1
    assert rows(cat, "SELECT max(count) FROM metric_summary") == [(501,)]


def test_last_value_is_greatest_step_then_latest_line(cat, runs_root):
    folder = write_run(
        runs_root, "r1", points=[("loss", 3.0, 0), ("loss", 1.0, 0), ("loss", 2.0, 0)]
    )
    append_points(folder, [("acc", 5.0, 9), ("acc", 6.0, 2)])
    ingest_paths(cat, [runs_root])
    assert dict((k, (v, s)) for k, v, s in rows(cat, "SELECT key, last_value, last_step FROM metric_summary")) == {
        "loss": (2.0, 0), "acc": (5.0, 9)
    }  # fmt: skip
    append_points(
        folder, [("loss", 7.0, 0), ("acc", 1.0, 3)]
    )  # a later batch: tie wins, lower step loses
    ingest_roots(cat)
    assert dict((k, (v, c)) for k, v, c in rows(cat, "SELECT key, last_value, count FROM metric_summary")) == {
        "loss": (7.0, 4), "acc": (5.0, 3)
    }  # fmt: skip
