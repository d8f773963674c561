"""The tracking API across processes: concurrent writers, kill -9, the flush timer, exit hooks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import workbench as wb

WRITER = textwrap.dedent(
    """
    import sys, time, workbench as wb
    root, steps, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    with wb.start_run(project="shared", name="writer", root=root) as run:
        run.log_params({"worker": sys.argv[4]})
        step = 0
        while steps < 0 or step < steps:
            run.log_metrics({"loss": 1.0 / (step + 1), "acc": step * 0.001,
                             "nan": float("nan")}, step=step)
            step += 1
            if pause:
                time.sleep(pause)
    """
)


def complete_lines(path: Path) -> list[dict]:
    """Parse every complete line (a partial last line is normal for a live or killed writer)."""
    raw = path.read_bytes()
    complete = raw[: raw.rfind(b"\n") + 1]
    return [json.loads(line) for line in complete.decode("utf-8").splitlines()]


def spawn_writer(root: Path, steps: int, pause: float, worker: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(steps), str(pause), worker],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_eight_concurrent_writers_into_one_root(runs_root: Path) -> None:
    procs = [spawn_writer(runs_root, 1000, 0.0, str(i)) for i in range(8)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    folders = sorted((runs_root / "shared").iterdir())
    assert len(folders) == 8
    workers = set()
    for folder in folders:
        info = json.loads((folder / "run.json").read_text())
        assert info["status"] == "finished" and info["id"] == folder.name
        workers.add(json.loads((folder / "params.json").read_text())["worker"])
        raw = (folder / "metrics.jsonl").read_bytes()
        assert raw.endswith(b"\n")
        points = complete_lines(folder / "metrics.jsonl")
        assert len(points) == 3000
        assert [p["step"] for p in points if p["key"] == "loss"] == list(range(1000))
        assert {p["value"] for p in points if p["key"] == "nan"} == {"NaN"}
    assert workers == {str(i) for i in range(8)}


@pytest.mark.slow
def test_kill_9_leaves_a_folder_that_parses(runs_root: Path) -> None:
    proc = spawn_writer(runs_root, -1, 0.0002, "k")
    try:
        deadline = time.monotonic() + 20
        metrics = None
        while time.monotonic() < deadline:
            found = (
                list((runs_root / "shared").glob("*/metrics.jsonl"))
                if (runs_root / "shared").exists()
                else []
            )
            if found and found[0].stat().st_size > 20_000:
                metrics = found[0]
                break
            time.sleep(0.05)
        assert metrics is not None, "the writer never flushed metrics"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    folder = metrics.parent
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "running" and info["ended_at"] is None
    points = complete_lines(metrics)
    assert len(points) > 100
    for point in points:
        assert set(point) == {"key", "value", "step", "timestamp"}
    assert json.loads((folder / "params.json").read_text()) == {"worker": "k"}
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_point_is_on_disk_while_the_run_is_open(runs_root: Path) -> None:
    """The flusher writes every FLUSH_EVERY_S (0.2 s), not only at finish. The wait here is
    loose: a loaded machine may delay the flusher's thread, and a timed test would fail there."""
    run = wb.start_run(project="p", root=runs_root)
    try:
        run.log_metrics({"loss": 0.5}, step=0)
        started = time.monotonic()
        path = run.path / "metrics.jsonl"
        while time.monotonic() - started < 30:
            if path.exists() and path.read_bytes().endswith(b"\n"):
                break
            time.sleep(0.02)
        assert complete_lines(path)[0]["value"] == 0.5
        assert json.loads((run.path / "run.json").read_text())["status"] == "running"
    finally:
        run.finish()


@pytest.mark.parametrize(
    ("ending", "status", "returncode"),
    [
        ("pass", "finished", 0),
        ("raise RuntimeError('boom')", "failed", 1),
        ("raise KeyboardInterrupt", "killed", None),
        ("sys.exit(0)", "finished", 0),
    ],
)
def test_exit_hook_finishes_a_run_left_open(
    runs_root: Path, ending: str, status: str, returncode: int | None
) -> None:
    code = (
        "import sys, workbench as wb\n"
        f"run = wb.start_run(project='p', root={str(runs_root)!r})\n"
        "run.log_metrics({'x': 1.0})\n"
        f"{ending}\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    if returncode is not None:
        assert proc.returncode == returncode
    (folder,) = (runs_root / "p").iterdir()
    assert json.loads((folder / "run.json").read_text())["status"] == status
    assert len(complete_lines(folder / "metrics.jsonl")) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_cannot_log_into_the_parents_run(runs_root: Path) -> None:
    code = (
        "import os, sys, workbench as wb\n"
        f"run = wb.start_run(project='p', root={str(runs_root)!r})\n"
        "run.log_metrics({'x': 1.0})\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    try:\n"
        "        run.log_metrics({'x': 2.0})\n"
        "    except wb.WorkbenchError as exc:\n"
        "        print('refused:', exc)\n"
        "    sys.exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "run.log_metrics({'x': 3.0})\n"
        "run.finish()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "refused:" in proc.stdout and "belongs to process" in proc.stdout
    (folder,) = (runs_root / "p").iterdir()
    assert [p["value"] for p in complete_lines(folder / "metrics.jsonl")] == [1.0, 3.0]
    assert json.loads((folder / "run.json").read_text())["status"] == "finished"


def test_missing_git_is_not_an_error(runs_root: Path, tmp_path: Path) -> None:
    code = (
        "import json, workbench as wb\n"
        f"with wb.start_run(project='p', root={str(runs_root)!r}) as run: pass\n"
        "print(json.dumps(json.load(open(run.path / 'run.json'))['git']))\n"
    )
    env = dict(os.environ, PATH=str(tmp_path))  # no git on PATH
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) is None


def test_git_state_is_recorded_inside_a_repository(runs_root: Path, tmp_path: Path) -> None:
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(repo)], check=True)
    (repo / "f.txt").write_text("1")
    subprocess.run([*git, "add", "f.txt"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "c"], cwd=repo, check=True)
    (repo / "f.txt").write_text("2")
    code = (
        "import json, workbench as wb\n"
        f"with wb.start_run(project='p', root={str(runs_root)!r}) as run: pass\n"
        "print(json.dumps(json.load(open(run.path / 'run.json'))['git']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=repo
    )
    assert proc.returncode == 0, proc.stderr
    state = json.loads(proc.stdout)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert state == {"commit": head, "branch": "trunk", "dirty": True}
