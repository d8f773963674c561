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


def footer_key(app, action: str):
    from textual.widgets._footer import FooterKey

    return next(k for k in app.screen.query(FooterKey) if k.action == action)


async def test_rollback_is_greyed_out_with_nothing_to_go_back_to(tmp_path: Path) -> None:
    from workbench.tui.screens.models import HistoryScreen

    cat = registered_model(tmp_path)
    registry.promote(cat, "churn", 1, "champion", "first", force=True)  # nothing held it before
    app = ScreenHost(lambda: ModelsScreen(cat))
    async with app.run_test(size=(100, 24)) as pilot:
        assert await wait_for(pilot, lambda: overview_ready(app))
        models = app.screen
        assert models.check_action("rollback", ()) is None
        assert await wait_for(pilot, lambda: footer_key(app, "rollback").has_class("-disabled"))
        await pilot.press("R", "h")  # R does nothing; h then opens the history
        assert await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert app.screen_stack[-2] is models


async def test_dialogs_label_their_inputs_and_rollback_opens_on_an_alias_it_can_move(tmp_path: Path) -> None:
    from textual.widgets import Button

    from workbench.tui.screens.model_dialogs import PromoteDialog, RollbackDialog

    cat = registered_model(tmp_path)
    registry.promote(cat, "churn", 1, "challenger", "first", force=True)
    registry.promote(cat, "churn", 2, "challenger", "better", force=True)
    app = ScreenHost(lambda: ModelsScreen(cat))
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(pilot, lambda: overview_ready(app))
        models = app.screen
        assert await wait_for(pilot, lambda: not footer_key(app, "rollback").has_class("-disabled"))
        await pilot.press("R")  # champion has nothing to go back to: challenger is offered
        assert await wait_for(pilot, lambda: isinstance(app.screen, RollbackDialog)
                              and app.screen.target == 1)
        dialog = app.screen
        assert dialog.alias == "challenger"
        assert await shows(pilot, "Alias to move back", "Reason (recorded with the event)",
                           "challenger: v2 -> v1")
        assert not dialog.query_one("#confirm", Button).disabled
        dialog.query_one("#alias").value = "champion"
        assert await shows(pilot, "champion has no earlier version to roll back to")
        assert dialog.query_one("#confirm", Button).disabled
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is models)
        await pilot.press("tab", "p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, PromoteDialog))
        assert await shows(pilot, "Alias", "Reason (recorded with the event)")
