"""One background daemon thread per process that flushes open runs and refreshes their heartbeat.

Also finishes runs left open when the interpreter exits, and detaches inherited runs in a
forked child (the parent owns them).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from typing import Protocol

#: How often buffered metric lines are written out.
FLUSH_EVERY_S = 0.2


class Flushable(Protocol):
    """What the flusher needs from a run (workbench.tracking.run.Run implements it)."""

    def _flush_buffers(self) -> None: ...
    def _heartbeat_if_due(self, now: float) -> None: ...
    def _finish_at_exit(self, status: str) -> None: ...
    def _detach_after_fork(self) -> None: ...


class Flusher:
    """Keeps the set of open runs and a daemon thread that flushes them every FLUSH_EVERY_S."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a signal handler may list runs mid-register
        self._runs: list[Flushable] = []
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._atexit_registered = False

    def register(self, run: Flushable) -> None:
        """Start flushing `run` (starts the thread and the exit hooks on first use)."""
        from workbench.tracking import ending

        ending.install(self.open_runs)  # type: ignore[arg-type]
        with self._lock:
            self._runs.append(run)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="workbench-flusher", daemon=True
                )
                self._thread.start()
            if not self._atexit_registered:
                atexit.register(self._at_exit)
                self._atexit_registered = True

    def unregister(self, run: Flushable) -> None:
        """Stop flushing `run` (it has been finished)."""
        with self._lock:
            if run in self._runs:
                self._runs.remove(run)

    def open_runs(self) -> list[Flushable]:
        """Return the runs currently open in this process."""
        with self._lock:
            return list(self._runs)

    def _loop(self) -> None:
        while True:
            self._wake.wait(FLUSH_EVERY_S)
            self._wake.clear()
            now = time.monotonic()
            for run in self.open_runs():
                try:
                    run._flush_buffers()
                    run._heartbeat_if_due(now)
                except Exception:  # noqa: S110 - the run reports its own write errors
                    pass

    def _at_exit(self) -> None:
        """Finish runs still open at interpreter exit: failed after an uncaught exception or a
        failing sys.exit code, killed after Ctrl-C (or SIGTERM, see ending)."""
        from workbench.tracking import ending

        last = getattr(sys, "last_value", None)
        if last is None:
            status = ending.exit_status() or "finished"  # sys.exit(1) fails the run
        elif isinstance(last, KeyboardInterrupt):
            status = "killed"
        else:
            status = "failed"
        for run in self.open_runs():
            try:
                run._finish_at_exit(status)
            except Exception as exc:
                sys.stderr.write(f"workbench: could not finish a run at exit: {exc}\n")

    def _after_fork_in_child(self) -> None:
        inherited = self._runs
        self._lock = threading.RLock()  # a signal handler may list runs mid-register
        self._runs = []
        self._thread = None
        self._wake = threading.Event()
        for run in inherited:
            run._detach_after_fork()


FLUSHER = Flusher()

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=FLUSHER._after_fork_in_child)
