"""Test helpers for `workbench serve`: a demo-sized catalog, a real server process, its children."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from _catalog_data import add_runs

from workbench.catalog.connection import Catalog

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")


_BUILT: dict[int, Path] = {}


def demo_sized_catalog(path: Path, runs: int = 30) -> Catalog:
    """A catalog of `runs` finished runs over three projects, named `<project>-run-<i>`.

    Built once per test process (row-by-row inserts are slow on a busy disk), then copied.
    """
    if runs not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix="wb-serve-catalog-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _build(folder / "catalog.duckdb", runs)
        _BUILT[runs] = folder / "catalog.duckdb"
    shutil.copyfile(_BUILT[runs], path)
    return Catalog(path)


def _build(path: Path, runs: int) -> None:
    day = datetime(2026, 1, 15, 12, 0, 0)
    projects = ("iris", "mnist", "churn")
    cat = Catalog(path)
    add_runs(
        cat,
        [
            {
                "id": f"{i:04d}abcd{i:04d}",
                "name": f"{projects[i % 3]}-run-{i}",
                "project": projects[i % 3],
                "started_at": day + timedelta(minutes=i),
                "params": {"lr": 10.0 ** -(i % 4), "model": ("svm", "rf", "mlp")[i % 3]},
                "tags": {"stage": "dev"},
                "metrics": {
                    "acc": [0.5 + 0.01 * i + 0.001 * s for s in range(20)],
                    "loss": [1.0 / (s + 1 + i) for s in range(20)],
                },
            }
            for i in range(runs)
        ],
    )


def terminal_text(data: bytes) -> str:
    """The printable text of what an app wrote to its terminal (escape sequences removed)."""
    return ANSI.sub(" ", data.decode("utf-8", "replace"))


class ServeProcess:
    """`workbench serve --port 0` as a real process; `url` is the tokened address it printed."""

    def __init__(self, db: Path, *extra: str, timeout: float = 60.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli.main", "serve", "--port", "0", "--db", str(db), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as in a terminal
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + timeout
        self.url = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"serve exited: {self.proc.wait()} {self.proc.stderr.read()}")
            self.lines.append(line)
            if match := re.search(r"Open: (http://\S+)", line):
                self.url = match.group(1)
            if "Ctrl-C" in line:
                break
        assert self.url, self.lines
        self.base = self.url.split("?", 1)[0]
        self.token = self.url.split("token=", 1)[1]
        self.port = int(self.base.rsplit(":", 1)[1].strip("/"))

    def children(self) -> list[int]:
        """Pids of the app processes this server started (Linux /proc)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids

    def interrupt(self, timeout: float = 60.0, group: bool = True) -> int:
        """Ctrl-C in a terminal: SIGINT to the whole process group (else SIGTERM to the
        server alone, as `kill` sends it); returns the exit code."""
        if group:
            os.killpg(self.proc.pid, signal.SIGINT)
        else:
            self.proc.terminate()
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


def alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float = 60.0, interval: float = 0.1) -> bool:
    """Poll `condition` until true or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())

