"""`workbench demo`: run the bundled sample projects, ingest their runs into a demo catalog.

The demo keeps its own catalog and run folders under the per-user data folder, so it
never touches the user's real catalog unless they pass --db / --root.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog.location import user_data_dir
from workbench.errors import WorkbenchError
from workbench.formats import spec

DEMO_MARKER = ".workbench-demo"


@dataclass
class DemoResult:
    """What a demo pass produced: where the runs are and how each sample run ended."""

    root: Path
    db_path: Path
    seconds: float
    exit_codes: list[int] = field(default_factory=list)
    ingest_summary: str = ""
    registry_summary: str = ""


def demo_dir() -> Path:
    """The folder holding the demo's run folders and catalog."""
    return user_data_dir() / "demo"


def find_sample_projects() -> Path:
    """The bundled sample_projects folder: next to the package in a checkout, inside it in a wheel."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir.parent / "sample_projects", package_dir / "_samples"):
        if (candidate / "sweep.py").is_file():
            return candidate
    raise WorkbenchError(
        "the bundled sample projects are missing from this installation; reinstall workbench"
    )


def load_sweep_plan(samples: Path) -> list[list[str]]:
    """The argv lists (script then arguments) of the demo sweep, from sample_projects/sweep.py."""
    module_spec = importlib.util.spec_from_file_location("workbench_demo_sweep", samples / "sweep.py")
    if module_spec is None or module_spec.loader is None:
        raise WorkbenchError(f"cannot load the demo sweep from {samples / 'sweep.py'}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return [list(argv) for argv in module.sweep_plan()]


def prepare_root(root: Path, *, owned: bool) -> None:
    """Make the run root; a demo-owned root left by an earlier demo is emptied first."""
    if owned and root.exists():
        if not (root / DEMO_MARKER).exists():
            raise WorkbenchError(
                f"{root} exists and was not made by workbench demo; pass --root to choose another folder"
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    if owned:
        (root / DEMO_MARKER).write_text("made by `workbench demo`; safe to delete\n")


def run_samples(
    samples: Path,
    root: Path,
    plan: list[list[str]],
    *,
    workers: int = 0,
    progress: Callable[[int, int, list[str], int], None] | None = None,
) -> list[int]:
    """Run each sample command with WORKBENCH_RUNS=root; returns their exit codes in plan order."""
    env = dict(os.environ)
    env[spec.RUNS_ROOT_ENV] = str(root)
    env.setdefault("PYTHONHASHSEED", "0")
    # The samples are tiny: one BLAS thread each avoids oversubscribing the cores.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    workers = workers or max(2, min(4, (os.cpu_count() or 2)))
    done = 0

    def one(argv: list[str]) -> int:
        script, *args = argv
        proc = subprocess.run(
            [sys.executable, str(samples / script), *args],
            env=env,
            cwd=str(root),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        return proc.returncode

    codes: list[int] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for argv, code in zip(plan, pool.map(one, plan), strict=True):
            done += 1
            codes.append(code)
            if progress is not None:
                progress(done, len(plan), argv, code)
    return codes


def start_live_run(samples: Path, root: Path) -> subprocess.Popen | None:
    """Start one slow sample run that keeps logging while the app is open (None if unsupported)."""
    script = samples / "live_training.py"
    if not script.is_file():
        return None
    env = dict(os.environ)
    env[spec.RUNS_ROOT_ENV] = str(root)
    return subprocess.Popen(
        [sys.executable, str(script)],
        env=env,
        cwd=str(root),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_live_run(proc: subprocess.Popen | None) -> None:
    """Stop the live run started by start_live_run, as Ctrl-C would (it marks itself killed)."""
    if proc is None or proc.poll() is not None:
        return
    import signal

    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


def summarize_root(root: Path) -> list[tuple[str, int, dict[str, int]]]:
    """Per project: (project, runs, {status: count}) read from the run folders' run.json."""
    import json

    table: dict[str, tuple[int, dict[str, int]]] = {}
    for run_json in sorted(root.rglob(spec.RUN_FILE)):
        try:
            meta = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        project = str(meta.get("project", "?"))
        count, statuses = table.get(project, (0, {}))
        status = str(meta.get("status", "?"))
        statuses[status] = statuses.get(status, 0) + 1
        table[project] = (count + 1, statuses)
    return [(project, count, statuses) for project, (count, statuses) in sorted(table.items())]


def run_demo(
    root: Path | None = None,
    db_path: Path | None = None,
    *,
    progress: Callable[[int, int, list[str], int], None] | None = None,
) -> DemoResult:
    """Run the sample sweep into `root` and ingest it into the catalog at `db_path`."""
    started = time.perf_counter()
    owned = root is None
    root = (root or demo_dir() / "runs").expanduser().resolve()
    db_path = (db_path or demo_dir() / "catalog.duckdb").expanduser().resolve()
    samples = find_sample_projects()
    plan = load_sweep_plan(samples)
    prepare_root(root, owned=owned)
    if owned:
        for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    codes = run_samples(samples, root, plan, progress=progress)
    result = DemoResult(root=root, db_path=db_path, seconds=0.0, exit_codes=codes)
    result.ingest_summary = ingest_demo(root, db_path)
    result.registry_summary = registry_demo(root, db_path, fresh=owned)
    result.seconds = time.perf_counter() - started
    return result


def ingest_demo(root: Path, db_path: Path) -> str:
    """Ingest the demo runs into the demo catalog; returns a one-line summary."""
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    report = ingest_paths(Catalog(db_path), [root])
    return (
        f"Ingested {report.runs_seen} runs, {report.points:,} metric points, "
        f"{report.errors} bad lines into {db_path}"
    )


#: The demo's model: two versions from the breast-cancer runs, the first one in production.
DEMO_MODEL = "breast-cancer"


def registry_demo(root: Path, db_path: Path, *, fresh: bool) -> str:
    """Register two breast-cancer models, gate and promote the first to champion, record a
    drifted production batch it scored and check its drift, so the Models, Lineage and Drift
    screens have something to show. Returns a one-line summary (or why it was skipped).

    It writes only to the registry log beside the demo catalog, never to one named by
    $WORKBENCH_REGISTRY or to a log that was there before (unless the demo owns the folder).
    """
    from workbench.catalog.connection import Catalog

    if os.environ.get("WORKBENCH_REGISTRY"):
        return "Registry step skipped: $WORKBENCH_REGISTRY names a registry the demo must not write to."
    registry = db_path.parent / "registry"
    if fresh:
        shutil.rmtree(registry, ignore_errors=True)
    elif (registry / "events.jsonl").exists():
        return f"Registry step skipped: {registry} already holds a registry log."
    try:
        return _register_and_check(Catalog(db_path), root, registry)
    except (WorkbenchError, OSError) as exc:
        return f"Registry step skipped: {exc}"


def _register_and_check(cat: Any, root: Path, registry: Path) -> str:
    import workbench as wb
    from workbench import registry as models
    from workbench.catalog import queries
    from workbench.drift.service import check_drift
    from workbench.ingest import ingest_paths

    runs = queries.list_runs(cat, project="breast-cancer", sort=["-metrics.test_acc"])
    picked = [r for r in runs.iter_rows(named=True) if r["name"] in ("logreg-1.0", "forest-80")]
    if len(picked) < 2:
        return "Registry step skipped: the breast-cancer runs did not all finish."
    for row in sorted(picked, key=lambda r: r["name"] != "logreg-1.0"):  # logreg is v1
        models.register(cat, row["id"], DEMO_MODEL, reason="trained in the demo sweep",
                        registry=registry)
    models.change_gate(cat, DEMO_MODEL, "metrics.test_acc >= 0.9", alias="champion",
                       registry=registry)
    models.promote(cat, DEMO_MODEL, 1, "champion", "best accuracy on the test split",
                   registry=registry)
    batch = next(root.rglob("breast_cancer_current_drift0.8.csv"), None)
    if batch is None:
        return f"Registered {DEMO_MODEL} v1 (champion) and v2; no production batch was found."
    wb.log_predictions(f"{DEMO_MODEL}@champion", batch, name="scored-batch", root=root,
                       project="production", registry=registry)
    ingest_paths(cat, [root])
    report = check_drift(cat, f"{DEMO_MODEL}@champion:train", f"{DEMO_MODEL}:production")
    verdict = "drift" if report.drift else "no drift"
    return (f"Registered {DEMO_MODEL} v1 (champion) and v2, logged a production batch and "
            f"checked it against the training data: {verdict} "
            f"({report.summary.split(':')[0]}).")
