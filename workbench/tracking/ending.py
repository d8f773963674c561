"""How the end of a training process reaches its open runs.

SIGTERM (what `kill`, Slurm's scancel and `docker stop` send) marks them `killed`, with their
buffered points written and `artifacts/traceback.txt` saying where the signal arrived; a
handler the script set before keeps running after ours, and without one the process still
ends as SIGTERM ends it. `sys.exit(code)` is noted so that runs still open at exit are
`failed` for a non-zero code. docs/run-format.md lists the endings Python does not report.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol


class Ending(Protocol):
    """What a run offers to a process ending (workbench.tracking.run.Run implements it)."""

    def _terminated(self, text: str) -> None: ...
    def _finish_at_exit(self, status: str) -> None: ...


_lock = threading.Lock()
_state: dict[str, Any] = {"previous": None, "installed": False, "exit_code": None, "exit_called": False}
_open_runs: list[Callable[[], list[Ending]]] = []


def install(open_runs: Callable[[], list[Ending]]) -> None:
    """When a run starts: the SIGTERM handler (from the main thread only, once, and not where
    SIGTERM is ignored) and the sys.exit wrapper. `open_runs` lists the runs to end."""
    with _lock:
        if not _open_runs:
            _open_runs.append(open_runs)
        _wrap_sys_exit()
        if _state["installed"] or threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGTERM)
        if previous is _on_sigterm or not (previous == signal.SIG_DFL or callable(previous)):
            return  # ignored (SIG_IGN) or set outside Python: leave it as it is
        try:
            signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):  # not the main interpreter, or no signals here
            return
        _state.update(previous=previous, installed=True)


def exit_status() -> str | None:
    """'failed' when sys.exit was called with a failing code, 'finished' for 0 or None, None
    when sys.exit was not called."""
    if not _state["exit_called"]:
        return None
    code = _state["exit_code"]
    return "finished" if code is None or code == 0 else "failed"


def _runs() -> list[Ending]:
    return _open_runs[0]() if _open_runs else []


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
    text = (
        f"Terminated by signal {signal.Signals(signum).name} (kill, scancel or docker stop)"
        f" in process {os.getpid()}.\nTraceback (most recent call last):\n{stack}"
    )
    runs = _runs()
    for run in runs:
        try:
            run._terminated(text)
        except Exception as exc:  # noqa: BLE001 - the other runs still get ended
            sys.stderr.write(f"workbench: could not mark a run killed: {exc}\n")
    previous = _state["previous"]
    if callable(previous):
        previous(signum, frame)  # the script's own handler decides what happens next
        return
    for run in runs:
        try:
            run._finish_at_exit("killed")
        except Exception as exc:  # noqa: BLE001
            sys.stderr.write(f"workbench: could not finish a run: {exc}\n")
    signal.signal(signum, signal.SIG_DFL)  # and end the way SIGTERM ends a process
    os.kill(os.getpid(), signum)


def _wrap_sys_exit() -> None:
    original = sys.exit
    if getattr(original, "_workbench_wrapper", False):
        return

    def exit(status: object = None, /) -> None:  # noqa: A001 - stands in for sys.exit
        _state.update(exit_called=True, exit_code=status)
        original(status)  # type: ignore[arg-type]

    exit.__doc__ = original.__doc__
    exit._workbench_wrapper = True  # type: ignore[attr-defined]
    sys.exit = exit  # type: ignore[assignment]
