"""Each run's stored document (run_detail): written by ingest, forgotten by any change to the
run, read by get_run, and never wrong (the tables answer when it is missing)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests._runfolders import append_points, build_catalog, rows, write_json, write_run
from workbench.catalog import queries
from workbench.catalog.connection import Catalog, release_lingering
from workbench.catalog.queries import detail
from workbench.ingest import ingest_paths


def _write(root):
    write_run(
        root, "r1", name="first", params={"lr": 0.1, "seed": 2**64 - 1, "opt": "adam"},
        tags={"stage": "[red]x[/]"}, metrics={"loss": [1.0, 0.5, float("nan")], "acc": [0.1, 0.9]},
        notes="hello", artifacts={"model.bin": b"abc"},
        extra_lines=["{not json"], start=1_700_000_000.25, duration=12.5,
    )
    write_run(root, "r2", status="running", metrics={"loss": [3.0]}, start=1_000.0)


def _docs(db) -> dict[str, list]:
    release_lingering()
    return {r[0]: json.loads(r[1]) for r in rows(Catalog(db), "SELECT run_id, doc FROM run_detail")}


def _from_tables(db, ref):
    with Catalog(db).connect(read_only=True) as con:
        key = con.execute("SELECT run_key FROM runs WHERE run_id = ?", [ref]).fetchone()[0]
        return detail._from_tables(con, key)


def test_ingest_writes_a_document_per_run_and_get_run_reads_it_as_the_tables_say(tmp_path):
    db, _root = build_catalog(tmp_path, _write)
    assert set(_docs(db)) == {"r1", "r2"}
    for ref in ("r1", "r2", "p/first", "first"):
        got = queries.get_run(Catalog(db), ref)
        assert got.to_dict() == _from_tables(db, got.id).to_dict()
    one = queries.get_run(Catalog(db), "r1")
    assert one.params["seed"] == 2**64 - 1 and one.tags == {"stage": "[red]x[/]"}
    assert one.duration_s == 12.5 and one.notes == "hello"
    assert [m.key for m in one.metrics] == ["acc", "loss"] and one.errors
    assert queries.get_run(Catalog(db), "r2").status == "stale"  # worked out at read time


def test_a_change_to_a_run_replaces_its_document(tmp_path):
    db, root = build_catalog(tmp_path, _write)
    folder = root / "p" / "r1"
    append_points(folder, [("loss", 0.125, 9)])
    write_json(folder / "tags.json", {"stage": "final"})
    ingest_paths(Catalog(db), [root])
    one = queries.get_run(Catalog(db), "r1")
    assert one.tags == {"stage": "final"}
    assert {m.key: m.last_step for m in one.metrics}["loss"] == 9
    assert _docs(db)["r1"] != [] and one.to_dict() == _from_tables(db, "r1").to_dict()
    shutil.rmtree(folder)  # the folder goes: the run is kept, marked missing
    ingest_paths(Catalog(db), [root])
    assert queries.get_run(Catalog(db), "r1").missing


def test_without_documents_the_tables_answer_and_the_next_pass_writes_them(tmp_path):
    db, root = build_catalog(tmp_path, _write)
    before = queries.get_run(Catalog(db), "r1").to_dict()
    release_lingering()
    with duckdb.connect(str(db)) as con:  # as a pass killed before its last batch leaves it
        con.execute("DELETE FROM run_detail")
    assert queries.get_run(Catalog(db), "r1").to_dict() == before
    write_run(root, "r3")
    ingest_paths(Catalog(db), [root])
    assert set(_docs(db)) == {"r1", "r2", "r3"}
    assert queries.get_run(Catalog(db), "r1").to_dict() == before


def test_the_check_catches_a_document_the_tables_contradict(tmp_path, monkeypatch):
    """What the suite relies on: a writer that forgot to drop a document is caught."""
    monkeypatch.setenv(detail.CHECK_ENV, "1")
    db, _root = build_catalog(tmp_path, _write)
    release_lingering()
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE params SET value_text = 'sgd' WHERE key = 'opt'")
    with pytest.raises(AssertionError, match="differs from the tables"):
        queries.get_run(Catalog(db), "r1")
    monkeypatch.setenv(detail.CHECK_ENV, "0")
    assert queries.get_run(Catalog(db), "r1").params["opt"] == "adam"  # the document's word


def test_migration_writes_documents_for_runs_already_there(tmp_path):
    db, _root = build_catalog(tmp_path, _write)
    release_lingering()
    with duckdb.connect(str(db)) as con:  # a catalog from before run_detail existed
        con.execute("DROP TABLE run_detail")
        con.execute("DELETE FROM schema_version WHERE version >= 8")
    assert set(_docs(db)) == {"r1", "r2"}  # the open migrated it
    assert queries.get_run(Catalog(db), "r1").to_dict() == _from_tables(db, "r1").to_dict()


def test_a_renamed_run_resolves_by_its_new_name_right_after_a_write_here(tmp_path, monkeypatch):
    """A run resolved through a lingering attach is remembered only while that attach lasts:
    a write in this process (which drops it) is seen by the next read."""
    monkeypatch.setenv("WORKBENCH_READ_LINGER", "60")
    db, root = build_catalog(tmp_path, _write)
    cat = Catalog(db)
    assert queries.metric_history_rows(cat, ["first"], keys=["acc"]).rows
    run_json = root / "p" / "r1" / "run.json"
    obj = json.loads(run_json.read_text())
    obj["name"] = "renamed"
    write_json(run_json, obj)
    ingest_paths(cat, [root])
    assert queries.metric_history_rows(cat, ["renamed"], keys=["acc"]).rows
    with pytest.raises(Exception, match="no run matches"):
        queries.metric_history_rows(cat, ["first"], keys=["acc"])
