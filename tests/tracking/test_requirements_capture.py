"""start_run leaves listing the installed packages to a thread; the run's requirements file
is still complete once the run finishes (or the process exits)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import workbench as wb
from workbench.formats import spec
from workbench.tracking import environment


def test_start_run_does_not_wait_for_the_package_list(runs_root: Path, monkeypatch) -> None:
    release = threading.Event()
    seen: dict[str, object] = {}
    real = environment.requirements_lines

    def slow_listing() -> list[str]:
        seen["thread"] = threading.current_thread()
        seen["released"] = release.wait(timeout=30)  # a caller-thread listing would wait 30 s
        return real()

    monkeypatch.setattr(environment, "requirements_lines", slow_listing)
    run = wb.start_run(project="p", root=runs_root)
    seen["returned_before_release"] = not release.is_set()
    run.log_metrics({"loss": 1.0})
    release.set()
    run.finish()
    assert seen["returned_before_release"] and seen["released"] is True
    assert seen["thread"] is not threading.main_thread()
    lines = (run.path / spec.REQUIREMENTS_FILE).read_text().splitlines()
    assert lines == real() and any(line.lower().startswith("pytest==") for line in lines)


def test_the_file_is_complete_when_a_script_exits_without_finishing(runs_root: Path) -> None:
    code = (
        "import workbench as wb\n"
        f"run = wb.start_run(project='p', root={str(runs_root)!r})\n"
        "print(run.path)\n"  # no finish(): the exit hook finishes the run
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    folder = Path(out.stdout.strip())
    lines = (folder / spec.REQUIREMENTS_FILE).read_text().splitlines()
    assert lines == environment.requirements_lines()
    assert '"status": "finished"' in (folder / spec.RUN_FILE).read_text()


def test_no_capture_writes_no_file(runs_root: Path) -> None:
    with wb.start_run(project="p", root=runs_root, capture_requirements=False) as run:
        pass
    assert not (run.path / spec.REQUIREMENTS_FILE).exists()
