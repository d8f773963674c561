"""`import_mlflow`: an MLflow store (file store or SQLite) into the catalog, as run folders.

MLflow runs are written as run folders under an import root (`imports/mlflow/` beside the
catalog unless given), which the catalog then records as a root and ingests like any other:
so imported runs survive a rebuild of the catalog from its folders, and a re-import only
appends what is new. The registry goes into the registry's event log.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.interop.mlflow_records import Experiment, Problem, Run
from workbench.interop.mlflow_registry import RegistryImport, RunFacts, import_registry
from workbench.interop.mlflow_runfolders import write_run
from workbench.interop.mlflow_store import open_store
from workbench.registry.sync import RegistryDir

#: Called with (stage, done, total): stage is "runs" while writing folders, then "ingest".
Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    """What one import did."""

    source: str
    kind: str
    root: str
    experiments: int = 0
    runs: int = 0
    runs_created: int = 0
    runs_changed: int = 0
    runs_deleted: int = 0
    points_added: int = 0
    artifacts_copied: int = 0
    registry: RegistryImport = field(default_factory=RegistryImport)
    problems: list[Problem] = field(default_factory=list)
    ingest: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["seconds"] = round(self.seconds, 3)
        return result


def default_import_root(cat: CatalogLike) -> Path:
    """`imports/mlflow/` in the catalog's folder."""
    return Path(cat.path).expanduser().absolute().parent / "imports" / "mlflow"


def _project(prefix: str, exp: Experiment | None, experiment_id: str) -> str:
    return prefix + (exp.name if exp else experiment_id)


def _facts(run: Run, project: str, folder: Path) -> RunFacts:
    """A version's source run as its register event records it (last value of each metric)."""
    metrics: dict[str, float | None] = {}
    if run.metrics is not None and run.metrics.height:
        last = run.metrics.sort("step", "ts").group_by("key").last()
        for key, value in zip(last["key"], last["value"], strict=True):
            metrics[key] = value if value is not None and math.isfinite(value) else None
    return RunFacts(project, run.name or run.run_id, str(folder), dict(run.params), metrics)


def import_mlflow(
    cat: CatalogLike,
    source: str | os.PathLike[str],
    *,
    project_prefix: str = "",
    copy_artifacts: bool = False,
    root: str | os.PathLike[str] | None = None,
    registry: RegistryDir = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every experiment, run and registered model of an MLflow store; what could not be
    read is reported in `problems` and the rest is imported."""
    from workbench.ingest.ingester import ingest_paths

    started = time.perf_counter()
    store = open_store(str(source))
    target = Path(root).expanduser().absolute() if root else default_import_root(cat)
    report = ImportReport(str(store.path), store.kind, str(target))
    try:
        models = store.registered_models()
        wanted = {v.run_id for m in models for v in m.versions if v.run_id}
        exps = {e.experiment_id: e for e in store.experiments}
        report.experiments = len(exps)
        facts: dict[str, RunFacts] = {}
        total = store.run_count
        target.mkdir(parents=True, exist_ok=True)
        for run in store.runs():
            project = _project(project_prefix, exps.get(run.experiment_id), run.experiment_id)
            written = write_run(target, run, project, str(store.path), copy_artifacts)
            report.runs += 1
            report.runs_created += written.created
            report.runs_changed += written.changed and not written.created
            report.runs_deleted += run.deleted
            report.points_added += written.points_added
            report.artifacts_copied += written.artifacts_copied
            if run.run_id in wanted:
                facts[run.run_id] = _facts(run, project, written.folder)
            if progress is not None and (report.runs % 200 == 0 or report.runs == total):
                progress("runs", report.runs, total)
        report.problems = list(store.problems)
    finally:
        store.close()

    def on_batch(ingested: Any) -> None:
        if progress is not None:
            progress("ingest", ingested.runs_new + ingested.runs_updated, report.runs)

    ingested = ingest_paths(cat, [target], progress=on_batch)
    report.ingest = ingested.to_dict()
    report.registry = import_registry(cat, models, facts, str(store.path), registry)
    report.seconds = time.perf_counter() - started
    return report
