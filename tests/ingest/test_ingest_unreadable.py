"""A file that cannot be read during ingest is an error row with the reason, is tried again on
every pass, and its data arrives once it reads; never recorded as read meanwhile."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from _runfolders import point_line, rows, write_run

from workbench.catalog.connection import Catalog
from workbench.formats import safe_files
from workbench.ingest import ingest_paths, ingest_roots

NAMES = ["run.json", "params.json", "metrics.jsonl", "tags.json", "notes.md"]


def _fail_reads_of(monkeypatch: pytest.MonkeyPatch, blocked: set[str], err: int) -> None:
    """Make the OS refuse to open these paths (what EACCES or EIO looks like to the reader);
    this holds for root too, which chmod 000 does not stop."""
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):
        if os.fspath(path) in blocked:
            raise OSError(err, os.strerror(err), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(safe_files.os, "open", failing_open)


def _full_run(root: Path) -> Path:
    return write_run(
        root, "r1", name="visible", params={"lr": 0.1}, tags={"stage": "a"},
        points=[("loss", 1.0, 0), ("loss", 0.5, 1)], notes="hello",
    )  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("err", [errno.EACCES, errno.EIO])
def test_unreadable_file_is_an_error_retried_until_it_reads(tmp_path, runs_root, monkeypatch,
                                                            name, err):  # fmt: skip
    folder = _full_run(runs_root)
    target = str(folder / name)
    cat = Catalog(tmp_path / "c.duckdb")
    with monkeypatch.context() as m:
        _fail_reads_of(m, {target}, err)
        for attempt in range(2):  # every pass tries again, and says so once per file
            version = cat.data_version() if attempt else None
            report = ingest_paths(cat, [runs_root])
            if attempt:  # the same error again is no change for a viewer to reload
                assert cat.data_version() == version
            assert [(p, line) for p, line, _m in report.error_list] == [(target, None)]
            assert os.strerror(err) in report.error_list[0][2]
            stored = rows(cat, "SELECT path, line, message FROM ingest_errors")
            assert stored == [(target, None, report.error_list[0][2])]
    report = ingest_roots(cat)
    assert report.errors == 0
    assert rows(cat, "SELECT count(*) FROM ingest_errors") == [(0,)]
    assert rows(cat, "SELECT name FROM runs") == [("visible",)]
    assert rows(cat, "SELECT key, value_num FROM params") == [("lr", 0.1)]
    assert rows(cat, "SELECT key, value FROM tags") == [("stage", "a")]
    assert rows(cat, "SELECT notes FROM runs") == [("hello",)]
    assert rows(cat, "SELECT step, value FROM metric_points ORDER BY step") == [(0, 1.0), (1, 0.5)]
    assert rows(cat, "SELECT count FROM metric_summary") == [(2,)]
    assert ingest_roots(cat).changed is False  # and then it is a no-op


def test_appended_metrics_while_unreadable_all_arrive_once(tmp_path, runs_root, monkeypatch):
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    with open(folder / "metrics.jsonl", "a") as fh:
        fh.write(point_line("loss", 2.0, 1))
    with monkeypatch.context() as m:
        _fail_reads_of(m, {str(folder / "metrics.jsonl")}, errno.EIO)
        assert ingest_roots(cat).errors == 1
    with open(folder / "metrics.jsonl", "a") as fh:
        fh.write(point_line("loss", 3.0, 2))
    assert ingest_roots(cat).points == 2
    assert rows(cat, "SELECT step, value FROM metric_points ORDER BY step") == [
        (0, 1.0), (1, 2.0), (2, 3.0)
    ]  # fmt: skip


def test_unreadable_artifact_is_reported_and_hashed_once_it_reads(tmp_path, runs_root,
                                                                  monkeypatch):  # fmt: skip
    folder = write_run(runs_root, "r1", artifacts={"model.bin": b"weights"})
    target = str(folder / "artifacts" / "model.bin")
    cat = Catalog(tmp_path / "c.duckdb")
    with monkeypatch.context() as m:
        _fail_reads_of(m, {target}, errno.EACCES)
        report = ingest_paths(cat, [runs_root])
        assert [p for p, _l, _m in report.error_list] == [target]
        assert rows(cat, "SELECT count(*) FROM artifacts") == [(0,)]
    assert ingest_roots(cat).errors == 0
    assert rows(cat, "SELECT path, size FROM artifacts") == [("model.bin", 7)]
    assert rows(cat, "SELECT count(*) FROM ingest_errors") == [(0,)]


def _unprivileged_prefix() -> list[str] | None:
    """A command prefix that runs a process without the right to override permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


@pytest.fixture
def shared_dir():
    """A temporary folder an unprivileged user can reach (pytest's own is private to us)."""
    base = Path(tempfile.mkdtemp(prefix="wb-unreadable-"))
    base.chmod(0o777)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_chmod_000_file_under_an_unprivileged_user(shared_dir):
    """The real thing: chmod 000 metrics.jsonl, ingest in a process that cannot read it."""
    prefix = _unprivileged_prefix()
    if prefix is None:
        pytest.skip("running as root without setpriv to drop privileges")
    base = shared_dir
    root = base / "runs"
    root.mkdir()
    folder = write_run(root, "r1", params={"lr": 0.1}, points=[("loss", 1.0, 0)])
    for path in [base, *base.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    metrics = folder / "metrics.jsonl"
    metrics.chmod(0o000)
    db = base / "c.duckdb"
    cmd = [*prefix, sys.executable, "-m", "workbench.cli.main", "--db", str(db), "ingest"]
    env = {**os.environ, "HOME": str(base), "WORKBENCH_CACHE_DIR": str(base / "cache")}

    def ingest() -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*cmd, str(root)], capture_output=True, text=True, env=env,
                              cwd=base, timeout=120)  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        done.stdout += done.stderr
        return done

    first = ingest()
    if "Permission denied" not in first.stdout + first.stderr and os.access(metrics, os.R_OK):
        pytest.skip("this user can read a chmod 000 file")
    assert f"{metrics}: cannot read: Permission denied" in first.stdout  # the path once
    second = ingest()
    assert "Permission denied" in second.stdout  # tried again, still refused
    metrics.chmod(0o644)  # chmod leaves size and mtime alone
    third = ingest()
    assert "1 points" in third.stdout and "0 errors" in third.stdout, third.stdout
    cat = Catalog(db)
    assert rows(cat, "SELECT step, value FROM metric_points") == [(0, 1.0)]
    assert rows(cat, "SELECT count(*) FROM ingest_errors") == [(0,)]
