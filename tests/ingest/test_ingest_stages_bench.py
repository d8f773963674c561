"""The ingest benchmark's stage breakdown times every stage it names on a tiny workload, and
leaves the ingester as it found it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from _runfolders import rows

from workbench.catalog.connection import Catalog
from workbench.ingest import reader

REPO = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_stages_cover_the_pass_and_the_patches_are_undone(tmp_path: Path) -> None:
    generate = _load("generate")
    stages = _load("ingest_stages")
    workload = generate.generate("tiny", tmp_path / "runs")
    pool_before = reader.ThreadPoolExecutor
    timers, wall, cpu = stages.staged_pass(tmp_path / "runs", tmp_path / "c.duckdb")
    assert reader.ThreadPoolExecutor is pool_before
    named = [n for _, names in stages.ORDER for n in names]
    # Every stage but the per-line fallback (clean input) ran: a renamed ingester function
    # would leave its row empty.
    missing = [n for n in named if n != "parse: per-line fallback" and not timers.calls.get(n)]
    assert missing == []
    assert sum(timers.wall.values()) <= wall * 1.001 and sum(timers.cpu.values()) <= cpu * 1.01
    table = "\n".join(stages.stage_table(timers, wall, cpu))
    assert "metric_points · DuckDB" in table and "total (inline pass)" in table
    # The timed pass ingested everything (staged_pass removes its catalog; ingest again).
    db = tmp_path / "again.duckdb"
    with stages.instrumented(None):
        from workbench.ingest import ingest_paths

        report = ingest_paths(Catalog(db), [tmp_path / "runs"])
    assert report.points == workload.points
    assert rows(Catalog(db), "SELECT count(*) FROM metric_points") == [(workload.points,)]
