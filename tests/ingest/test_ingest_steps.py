"""The steps of an ingest pass one at a time: discover, plan, batches, follow-ups, the line
reader, the catalog's transaction, and the roots service."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _runfolders import append_raw, point_line, rows, write_run

from workbench.catalog import ingest_store
from workbench.catalog.connection import Catalog
from workbench.errors import NotFoundError
from workbench.ingest import ingest_paths, ingest_roots, plan
from workbench.ingest.discover import discover, discover_roots, missing_runs
from workbench.ingest.reader import prepare_lines
from workbench.ingest.roots import list_roots, resolve_roots


def _state(cat: Catalog) -> ingest_store.IngestState:
    with cat.connect(read_only=True) as con:
        return ingest_store.load_state(con)


def test_discover_finds_nested_runs_but_not_inside_artifacts_or_hidden_folders(runs_root):
    write_run(runs_root, "a")
    write_run(runs_root / "deep" / "er", "b")
    inner = write_run(runs_root, "c")
    write_run(inner / "artifacts", "nested")  # a run.json among a run's artifacts is a file
    write_run(runs_root / ".trash", "d")
    found = discover(str(runs_root))
    assert sorted(Path(f.path).name for f in found) == ["a", "b", "c"]
    by_name = {Path(f.path).name: f for f in found}
    assert by_name["c"].has_artifacts and not by_name["a"].has_artifacts
    assert set(by_name["a"].stats) == {"run.json"}


def test_discover_roots_lists_a_run_once_and_names_missing_roots(runs_root, tmp_path):
    write_run(runs_root, "a")
    write_run(runs_root, "b")
    gone = str(tmp_path / "gone")
    found = discover_roots([str(runs_root), str(runs_root / "p"), gone])
    assert [Path(f.path).name for f in found.folders] == ["a", "b"]
    assert found.scanned_roots == [str(runs_root), str(runs_root / "p")]
    assert found.missing_roots == [gone]


def test_plan_is_empty_when_nothing_changed_and_names_what_did(tmp_path, runs_root):
    folder = write_run(runs_root, "a", params={"lr": 0.1}, points=[("loss", 1.0, 0)])
    write_run(runs_root, "b")
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    state = _state(cat)
    assert plan.plan(discover(str(runs_root)), state) == []

    read_so_far = (folder / "metrics.jsonl").stat().st_size
    append_raw(folder, point_line("loss", 0.5, 1).encode())
    (folder / "params.json").unlink()
    work = plan.plan(discover(str(runs_root)), state)
    assert [Path(w.path).name for w in work] == ["a"]
    (item,) = work
    assert item.run_key == state.runs_by_path[str(folder)][0]
    assert list(item.whole) == ["params"] and item.whole["params"].removed
    (lw,) = item.lines
    assert (lw.kind, lw.expected_offset) == ("metrics", read_so_far)


def test_missing_runs_are_the_known_folders_not_found_under_the_roots(tmp_path, runs_root):
    write_run(runs_root, "a")
    write_run(runs_root, "b")
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    state = _state(cat)
    seen = {str(runs_root / "p" / "a")}
    assert missing_runs(state, [str(runs_root)], seen) == [state.runs_by_id["b"][0]]
    assert missing_runs(state, [str(tmp_path / "elsewhere")], seen) == []


def test_batches_are_cut_by_bytes_and_by_runs(runs_root, monkeypatch):
    for i in range(5):
        write_run(runs_root, f"r{i}", points=[("loss", 1.0, s) for s in range(20)])
    work = plan.plan(discover(str(runs_root)), ingest_store.IngestState())
    size = work[0].lines[0].size
    monkeypatch.setattr(plan, "BATCH_BYTES", 2 * size)
    assert [len(b) for b in plan.batches(work)] == [2, 2, 1]
    monkeypatch.setattr(plan, "BATCH_BYTES", 100 * size)
    monkeypatch.setattr(plan, "BATCH_RUNS", 3)
    assert [len(b) for b in plan.batches(work)] == [3, 2]


def test_follow_ups_read_on_from_the_committed_offsets(runs_root):
    write_run(runs_root, "a", points=[("loss", 1.0, 0)])
    state = ingest_store.IngestState()
    (item,) = plan.plan(discover(str(runs_root)), state)
    item.run_key = 7
    assert plan.follow_ups([item], state) == []
    lw = item.lines[0]
    lw.more = True
    committed = ingest_store.FileState(lw.path, 7, "metrics", 10, 1, -1, lw.mtime, None)
    state.files[lw.path] = committed
    (again,) = plan.follow_ups([item], state)
    assert (again.run_key, again.whole, again.artifacts) == (7, {}, None)
    assert [(x.path, x.state) for x in again.lines] == [(lw.path, committed)]


def test_prepare_lines_leaves_a_partial_line_and_spots_a_replaced_file(tmp_path, runs_root):
    folder = write_run(runs_root, "a", points=[("loss", 1.0, 0), ("loss", 2.0, 1)])
    append_raw(folder, b'{"key": "lo')  # the writer is mid-line
    cat = Catalog(tmp_path / "c.duckdb")
    assert ingest_paths(cat, [runs_root]).points == 2
    state = _state(cat)
    path = str(folder / "metrics.jsonl")
    size = (folder / "metrics.jsonl").stat().st_size
    lw = plan.LineWork("metrics", path, size, 0.0, state.files[path])
    prepare_lines(lw, 1 << 20)
    assert (lw.replaced, lw.chunk, lw.n_lines) == (False, b"", 0)

    (folder / "metrics.jsonl").write_text(
        point_line("acc", 9.0, 0) + point_line("acc", 8.0, 1) + point_line("acc", 7.0, 2)
    )
    size = (folder / "metrics.jsonl").stat().st_size
    lw = plan.LineWork("metrics", path, size, 0.0, state.files[path])
    prepare_lines(lw, 1 << 20)
    assert (lw.replaced, lw.start, lw.n_lines, lw.end) == (True, 0, 3, size)


def test_transaction_commits_on_success_and_rolls_back_on_any_exception(tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    with cat.connect() as con, ingest_store.transaction(con):
        ingest_store.add_roots(con, ["/kept"])
    for exc in (RuntimeError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), cat.connect() as con, ingest_store.transaction(con):
            ingest_store.add_roots(con, ["/dropped"])
            raise exc
    assert list_roots(cat) == ["/kept"]


def test_roots_service(tmp_path, runs_root):
    cat = Catalog(tmp_path / "c.duckdb")
    assert list_roots(cat) == []
    assert not cat.path.exists()  # listing does not create the catalog
    other = tmp_path / "other"
    other.mkdir()
    ingest_paths(cat, [other, runs_root])
    assert list_roots(cat) == sorted([str(other), str(runs_root)])
    assert resolve_roots([runs_root / ".." / "runs"]) == [str(runs_root)]
    with pytest.raises(NotFoundError, match="no such folder"):
        resolve_roots([tmp_path / "nope"])


def test_a_pass_keeps_the_same_run_when_its_folder_moves(tmp_path, runs_root):
    folder = write_run(runs_root, "a", params={"lr": 0.1}, points=[("loss", 1.0, 0)])
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    (key_before,) = rows(cat, "SELECT run_key FROM runs")[0]
    folder.rename(runs_root / "p" / "moved")
    report = ingest_roots(cat)
    assert (report.runs_new, report.runs_updated, report.points) == (0, 1, 1)
    assert rows(cat, "SELECT run_key, path LIKE '%/moved', missing FROM runs") == [
        (key_before, True, False)
    ]
    assert rows(cat, "SELECT count(*) FROM metric_points") == [(1,)]
    assert rows(cat, "SELECT key, value_num FROM params") == [("lr", 0.1)]


def test_importing_ingest_loads_no_data_library() -> None:
    """The CLI and the app import workbench.ingest early; polars and numpy load with a pass."""
    code = (
        "import sys, workbench.ingest, workbench.ingest.watch, workbench.ingest.roots; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'polars', 'numpy', 'pyarrow', 'duckdb', 'watchdog'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
