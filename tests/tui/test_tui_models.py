"""The Models screen as a person reads it: the metric a gate checks comes first, the dialogs'
inputs are labelled, and rollback is offered only when there is a version to go back to."""

from __future__ import annotations

from pathlib import Path

import pytest
from _tui import ScreenHost, screen_text, shows, wait_for

import workbench as wb
from workbench import registry
from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths
from workbench.registry.gates import gate_metrics
from workbench.tui.screens.models import ModelsScreen

pytestmark = pytest.mark.anyio

#: Three metrics sort before the gated one, so "the first three by name" would hide it.
METRICS = ({"acc": 0.7, "auc": 0.8, "brier": 0.2, "zz_recall": 0.55},
           {"acc": 0.75, "auc": 0.85, "brier": 0.18, "zz_recall": 0.61})


def registered_model(tmp_path: Path, gate: str | None = "metrics.zz_recall >= 0.5") -> Catalog:
    """Two versions of model "churn" from two runs; `gate` on its champion alias."""
    cat, root = Catalog(tmp_path / "catalog.duckdb"), tmp_path / "runs"
    run_ids = []
    for i, metrics in enumerate(METRICS):
        weights = tmp_path / f"model-{i}.bin"
        weights.write_bytes(b"weights %d" % i)
        with wb.start_run(project="churn", root=root, capture_requirements=False) as run:
            run.log_metrics(metrics)
            run.log_model(weights, "clf", flavor="sklearn")
        run_ids.append(run.id)
    ingest_paths(cat, [root])
    for run_id in run_ids:
        registry.register(cat, run_id, "churn")
    if gate:
        registry.change_gate(cat, "churn", gate, alias="champion")
    return cat


def overview_ready(app) -> bool:
    screen = app.screen
    return isinstance(screen, ModelsScreen) and screen.overview is not None and bool(screen.overview.versions)


def version_headers(app) -> list[str]:
    table = app.screen.query_one("#versions")
    return [str(column.label) for column in table.columns.values()]


def test_gate_metrics_reads_filters_and_beats() -> None:
    assert gate_metrics("metrics.zz_recall >= 0.5") == ["zz_recall"]
    assert gate_metrics("metrics.auc > 0.8 and (not metrics.loss < 1 or params.lr = 1)") == ["auc", "loss"]
    assert gate_metrics("beats champion on metrics.f1 by 0.01") == ["f1"]
    assert gate_metrics("has notes") == gate_metrics("no drift") == gate_metrics("metrics.a >>") == []


async def test_versions_show_the_gated_metric_first(tmp_path: Path) -> None:
    cat = registered_model(tmp_path)
    app = ScreenHost(lambda: ModelsScreen(cat))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(pilot, lambda: overview_ready(app))
        headers = version_headers(app)
        assert headers[:3] == ["version", "aliases", "zz_recall ⚑"]
        assert "acc" in headers  # the room left goes to the others, by name
        assert await shows(pilot, "zz_recall ⚑", "0.61")


async def test_without_gates_the_metrics_go_by_name(tmp_path: Path) -> None:
    cat = registered_model(tmp_path, gate=None)
    app = ScreenHost(lambda: ModelsScreen(cat))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(pilot, lambda: overview_ready(app))
        assert version_headers(app)[2:5] == ["acc", "auc", "brier"]
        assert "⚑" not in screen_text(app)
