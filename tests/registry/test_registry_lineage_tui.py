"""The app: l on the Models screen opens the version's lineage (training data, run,
production batches, drift reports); the promote dialog shows the real `no drift` gate."""

from __future__ import annotations

import pytest
from _drift_env import frame, log_batch, trained_env
from _tui import notifications, screen_text, wait_for
from test_registry_tui import open_models

from workbench import registry
from workbench.drift.service import check_drift
from workbench.tui.app import make_app

pytestmark = pytest.mark.anyio


async def test_l_opens_the_lineage_of_the_version_under_the_cursor(tmp_path) -> None:
    from workbench.tui.screens.lineage import LineageScreen
    from workbench.tui.screens.models import ModelsScreen

    env = trained_env(tmp_path)
    log_batch(env, frame(1))
    report = check_drift(env.cat, "churn@1:train", "churn@1:production")
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        models = await open_models(pilot, 2)
        await pilot.press("tab", "down")  # v1, the champion
        assert await wait_for(pilot, lambda: models.selected_version() == 1)
        await pilot.press("l")
        assert await wait_for(pilot, lambda: isinstance(app.screen, LineageScreen)
                                and app.screen.graph is not None)  # fmt: skip
        graph = app.screen.graph
        assert graph.root == "version:churn@1"
        assert await wait_for(pilot, lambda: "predictions@1" in screen_text(app))
        text = screen_text(app)
        assert "version churn@1 [champion]" in text
        assert "train-set@1" in text and f"drift report {report.report_id[:8]}: no drift" in text
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen))


async def test_the_promote_dialog_shows_the_drift_gate_s_report(tmp_path) -> None:
    from workbench.tui.screens.model_dialogs import PromoteDialog

    env = trained_env(tmp_path)
    log_batch(env, frame(1, shift=1.0))
    registry.change_gate(env.cat, "churn", "no drift", alias="champion")
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_models(pilot, 2)
        await pilot.press("tab", "p")  # v2, the newest
        assert await wait_for(pilot, lambda: isinstance(app.screen, PromoteDialog)
                                and app.screen.check is not None)  # fmt: skip
        (gate,) = app.screen.check.gates
        assert gate.status == "fail" and "predictions@1" in gate.detail
        text = screen_text(app)
        assert "no drift" in text and "fail" in text and "tenure" in text
        assert "Forcing records the promotion as forced" in text
        await pilot.press("escape")
    assert [e["kind"] for e in env.events()].count("promote") == 1  # only the fixture's


async def test_without_a_version_l_is_not_offered(tmp_path) -> None:
    """With no model, the footer does not offer Lineage and l does nothing (it used to say
    "choose a version" with nothing to choose)."""
    from _registry_env import make_env
    from _tui import screen_text

    env = make_env(tmp_path, ())
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_models(pilot, 0)
        assert await wait_for(pilot, lambda: app.screen.overview is not None)
        await pilot.press("l")
        await pilot.pause()
        assert "Lineage" not in screen_text(app).splitlines()[-1]
        assert not notifications(app)
        assert type(app.screen).__name__ == "ModelsScreen"


async def test_the_drift_screen_takes_a_model_s_training_data_and_production_batch(tmp_path) -> None:
    from _tui import ScreenHost

    from workbench.tui.screens.drift import DriftScreen

    env = trained_env(tmp_path)
    log_batch(env, frame(1, shift=1.0))
    app = ScreenHost(lambda: DriftScreen(env.cat, "churn@champion:train", "churn@champion:production"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+r")
        assert await wait_for(pilot, lambda: screen.report is not None and not screen.running,
                              timeout=60)  # fmt: skip
        assert screen.report.drift and screen.report.current == "predictions@1 (churn@1:production)"
        assert screen.report.column("tenure").state == "drift"


async def test_D_on_the_models_screen_checks_training_data_against_the_latest_batch(tmp_path) -> None:
    """One key from a model version to its drift: training data vs the model's latest batch."""
    from workbench.tui.screens.drift import DriftScreen
    from workbench.tui.screens.models import ModelsScreen

    env = trained_env(tmp_path)
    log_batch(env, frame(1, shift=1.0))
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        models = await open_models(pilot, 2)
        await pilot.press("tab", "down")  # v1, the champion
        assert await wait_for(pilot, lambda: models.selected_version() == 1)
        await pilot.press("D")
        assert await wait_for(pilot, lambda: isinstance(app.screen, DriftScreen))
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.report is not None and not screen.running,
                              timeout=60)  # fmt: skip
        assert screen.report.reference.endswith("(churn@1:train)")
        assert screen.report.current == "predictions@1 (churn:production)"
        assert screen.report.column("tenure").state == "drift"
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen))
