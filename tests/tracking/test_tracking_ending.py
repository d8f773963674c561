"""How a training process ends reaches its runs: SIGTERM (kill, scancel, docker stop) marks
them killed with every point written and a traceback, the script's own handler still runs,
and sys.exit(1) outside a `with` block fails the run. Real processes, real signals."""

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

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix",
                                reason="POSIX signals")  # fmt: skip

PREAMBLE = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    import workbench as wb
    import workbench.tracking.flusher as flusher
    flusher.FLUSH_EVERY_S = 3600.0  # nothing is written by the timer: only the ending flushes
    root, ready = sys.argv[1], sys.argv[2]

    def wait_for_the_signal(run, points=500):
        for step in range(points):
            run.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
        open(ready, "w").close()
        for _ in range(600):
            time.sleep(0.05)
    """
)


def start(tmp_path: Path, body: str) -> tuple[subprocess.Popen, Path, Path]:
    script = tmp_path / "train.py"
    script.write_text(PREAMBLE + textwrap.dedent(body))
    root, ready = tmp_path / "runs", tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, str(script), str(root), str(ready)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    return proc, root, ready


def wait_ready(proc: subprocess.Popen, ready: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the script ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the script never got ready")
        time.sleep(0.02)


def the_run(root: Path) -> tuple[dict, Path]:
    (folder,) = [p for p in root.glob("*/*") if p.is_dir()]
    return json.loads((folder / "run.json").read_text()), folder


def points(folder: Path) -> int:
    path = folder / "metrics.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_sigterm_without_a_handler_kills_the_run_and_the_process(tmp_path):
    proc, root, ready = start(tmp_path, """
        with wb.start_run("p", root=root, capture_requirements=False) as run:
            wait_for_the_signal(run)
        print("not reached")
    """)  # fmt: skip
    wait_ready(proc, ready)
    info, folder = the_run(root)
    assert info["status"] == "running" and points(folder) == 0  # all 500 still buffered
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM  # ended as SIGTERM ends a process
    assert "not reached" not in out
    info, folder = the_run(root)
    assert info["status"] == "killed" and info["ended_at"]
    assert points(folder) == 500
    text = (folder / "artifacts" / "traceback.txt").read_text()
    assert "SIGTERM" in text and "wait_for_the_signal" in text


def test_sigterm_calls_the_handler_the_script_set_before(tmp_path):
    proc, root, ready = start(tmp_path, """
        stop = threading.Event()
        def graceful(signum, frame):
            open(os.path.join(os.path.dirname(ready), "handled"), "w").close()
            stop.set()
        signal.signal(signal.SIGTERM, graceful)
        with wb.start_run("p", root=root, capture_requirements=False) as run:
            for step in range(100):
                run.log_metrics({"loss": 1.0}, step=step)
            open(ready, "w").close()
            while not stop.wait(0.05):
                pass
            run.log_metrics({"loss": 0.0}, step=100)  # winding down still logs
        print("wound down")
    """)  # fmt: skip
    wait_ready(proc, ready)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "wound down" in out and (tmp_path / "handled").exists()
    info, folder = the_run(root)
    assert info["status"] == "killed"
    assert points(folder) == 101
    assert "SIGTERM" in (folder / "artifacts" / "traceback.txt").read_text()


def test_a_handler_set_after_the_run_started_is_left_alone(tmp_path):
    proc, root, ready = start(tmp_path, """
        run = wb.start_run("p", root=root, capture_requirements=False)
        def mine(signum, frame):
            run.finish("finished")
            sys.exit(3)
        signal.signal(signal.SIGTERM, mine)
        wait_for_the_signal(run, points=10)
    """)  # fmt: skip
    wait_ready(proc, ready)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 3
    info, folder = the_run(root)
    assert info["status"] == "finished" and points(folder) == 10


def test_an_ignored_sigterm_stays_ignored(tmp_path):
    proc, root, ready = start(tmp_path, """
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with wb.start_run("p", root=root, capture_requirements=False) as run:
            run.log_metric("loss", 1.0)
            open(ready, "w").close()
            time.sleep(1.5)
        print("survived")
    """)  # fmt: skip
    wait_ready(proc, ready)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "survived" in out
    assert the_run(root)[0]["status"] == "finished"


def test_a_run_started_off_the_main_thread_installs_no_handler(tmp_path):
    code = textwrap.dedent(f"""
        import signal, sys, threading
        import workbench as wb
        def work():
            with wb.start_run("p", root={str(tmp_path)!r}, capture_requirements=False) as run:
                run.log_metric("loss", 1.0)
        t = threading.Thread(target=work); t.start(); t.join()
        print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("ending", "status", "code"),
    [("sys.exit(1)", "failed", 1), ("sys.exit('bad input')", "failed", 1),
     ("sys.exit(0)", "finished", 0), ("sys.exit()", "finished", 0), ("pass", "finished", 0),
     ("raise ValueError('boom')", "failed", 1)],
)  # fmt: skip
def test_the_exit_code_outside_a_with_block_decides_the_status(tmp_path, ending, status, code):
    script = textwrap.dedent(f"""
        import sys
        import workbench as wb
        run = wb.start_run("p", root={str(tmp_path)!r}, capture_requirements=False)
        run.log_metric("loss", 1.0)
        {ending}
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, proc.stderr
    assert the_run(tmp_path)[0]["status"] == status
