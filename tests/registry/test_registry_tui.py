"""The app's Models screen, promote dialog, history timeline and rollback confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest
from _registry_env import make_env
from _tui import check_help, screen_text, wait_for
from test_registry_unpickle import trapped_env

from workbench import registry
from workbench.formats.registry_log import encode_event
from workbench.tui.app import make_app

pytestmark = pytest.mark.anyio

async def open_models(pilot, versions: int):
    from workbench.tui.screens.models import ModelsScreen

    await pilot.press("m")

    def ready() -> bool:
        screen = pilot.app.screen
        return (isinstance(screen, ModelsScreen) and screen.overview is not None
                and len(screen.overview.versions) == versions)  # fmt: skip

    assert await wait_for(pilot, ready), screen_text(pilot.app)
    await pilot.pause()
    return pilot.app.screen


def gated_env(tmp_path: Path):
    env = make_env(tmp_path, (0.8, 0.9))
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    registry.change_gate(env.cat, "churn", "metrics.auc >= 0.85", alias="champion")
    registry.change_gate(env.cat, "churn", "no drift", alias="production")
    return env


async def test_promote_dialog_shows_gates_refuses_then_forces(tmp_path) -> None:
    from workbench.tui.screens.model_dialogs import PromoteDialog

    env = gated_env(tmp_path)
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        models = await open_models(pilot, 2)
        await pilot.press("tab", "down")  # versions table, second row: v1 (auc 0.8)
        assert await wait_for(pilot, lambda: models.selected_version() == 1)
        await pilot.press("p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, PromoteDialog)
                                and app.screen.check is not None, timeout=120)  # fmt: skip
        dialog = app.screen
        text = screen_text(app)
        assert "fail" in text and "metrics.auc >= 0.85" in text
        assert "Forcing records the promotion as forced" in text
        await pilot.press(*"not good enough")
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: "refused" in screen_text(app), timeout=120)
        assert isinstance(app.screen, PromoteDialog)
        assert [e["kind"] for e in env.events()].count("promote") == 0
        dialog.query_one("#force").value = True
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: app.screen is models)
        assert await wait_for(pilot, lambda: "champion=v1" in screen_text(app))
        last = env.events()[-1]
        assert last["kind"] == "promote" and last["forced"] is True
        assert last["reason"] == "not good enough" and last["gates"][0]["status"] == "fail"


async def test_the_dialog_rechecks_gates_for_another_alias(tmp_path) -> None:
    from workbench.tui.screens.model_dialogs import PromoteDialog

    env = gated_env(tmp_path)
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_models(pilot, 2)
        await pilot.press("tab", "p")  # v2, the newest
        assert await wait_for(pilot, lambda: isinstance(app.screen, PromoteDialog)
                                and app.screen.check is not None, timeout=120)  # fmt: skip
        assert app.screen.check.allowed and "pass" in screen_text(app)
        alias = app.screen.query_one("#alias")
        alias.value = "production"
        assert await wait_for(pilot, lambda: app.screen.check is not None
                                and app.screen.check.alias == "production")  # fmt: skip
        assert "unavailable" in screen_text(app) and "no drift" in screen_text(app)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: not isinstance(app.screen, PromoteDialog))
    assert [e["kind"] for e in env.events()].count("promote") == 0


async def test_history_timeline_and_rollback_with_confirmation(tmp_path) -> None:
    from workbench.tui.screens.model_dialogs import RollbackDialog
    from workbench.tui.screens.models import HistoryScreen

    env = gated_env(tmp_path)
    registry.promote(env.cat, "churn", 2, "champion", "first [b]cut[/b]")
    registry.promote(env.cat, "churn", 1, "champion", "drill", force=True)
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        models = await open_models(pilot, 2)
        await pilot.press("h")
        assert await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                                and app.screen.events is not None)  # fmt: skip
        text = screen_text(app)
        forced = text.index("champion: v2 -> v1 (forced)")
        assert forced < text.index("champion: nobody -> v2") < text.index("registered v1")
        assert "first [b]cut[/b]" in text
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is models)
        await pilot.press("R")
        assert await wait_for(pilot, lambda: isinstance(app.screen, RollbackDialog)
                                and app.screen.target == 2)  # fmt: skip
        assert "champion: v1 -> v2" in screen_text(app)
        await pilot.press("ctrl+s")  # no reason yet: refused in the dialog
        assert await wait_for(pilot, lambda: "give a reason" in screen_text(app))
        await pilot.press(*"drill over")
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: app.screen is models)
        assert await wait_for(pilot, lambda: "champion=v2" in screen_text(app))
    last = env.events()[-1]
    assert (last["kind"], last["from_version"], last["to_version"]) == ("rollback", 1, 2)
    assert last["reason"] == "drill over"


async def test_markup_names_and_a_damaged_log_warning(tmp_path) -> None:
    env = make_env(tmp_path, (0.8,))
    registry.register(env.cat, env.run_ids[0], "[red]x[/]")
    registry.promote(env.cat, "[red]x[/]", 1, "[bold]a[/]", "r")
    registry.register(env.cat, env.run_ids[0], "[red]x[/]")
    lines = env.log_path.read_text().splitlines(keepends=True)
    env.log_path.write_text("".join(lines[:1] + lines[2:]))  # remove event 2
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_models(pilot, 2)
        text = screen_text(app)
        assert "[red]x[/]" in text and "[bold]a[/]=v1" in text
        assert "registry log: event 2 was removed" in text


async def test_no_screen_loads_a_model(tmp_path) -> None:
    from workbench.tui.screens.lineage import LineageScreen
    from workbench.tui.screens.model_dialogs import PromoteDialog, RollbackDialog
    from workbench.tui.screens.models import HistoryScreen

    env, marker = trapped_env(tmp_path)
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    registry.promote(env.cat, "churn", 1, "champion", "a")
    app = make_app(env.cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        models = await open_models(pilot, 2)
        await pilot.press("tab", "p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, PromoteDialog)
                                and app.screen.check is not None, timeout=120)  # fmt: skip
        await pilot.press(*"ship", "ctrl+s")
        assert await wait_for(pilot, lambda: app.screen is models)
        await pilot.press("h")
        assert await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                                and app.screen.events is not None)  # fmt: skip
        await pilot.press("escape", "R")
        assert await wait_for(pilot, lambda: isinstance(app.screen, RollbackDialog)
                                and app.screen.target == 1)  # fmt: skip
        await pilot.press(*"back", "ctrl+s")
        assert await wait_for(pilot, lambda: app.screen is models)
        await pilot.press("l")
        assert await wait_for(pilot, lambda: isinstance(app.screen, LineageScreen)
                                and app.screen.graph is not None)  # fmt: skip
    assert [e["kind"] for e in env.events()][-2:] == ["promote", "rollback"]
    assert not marker.exists()


# -- snapshot -------------------------------------------------------------------------------


def fixed_registry(folder: Path) -> Path:
    """An empty catalog whose registry log (written here with fixed times) holds 3 versions."""
    folder.mkdir(parents=True, exist_ok=True)
    events, prev = [], "0" * 64

    def add(kind: str, at: str, **fields) -> None:
        nonlocal prev
        event = {"seq": len(events) + 1, "at": at, "who": "ana@gpu-box", "kind": kind,
                 "model": fields.pop("model", "churn"), "reason": fields.pop("reason", None),
                 "prev": prev, **fields}  # fmt: skip
        line = encode_event(event)
        prev = line.split('"hash":"')[1][:64]
        events.append(line)

    for v, (auc, loss) in enumerate([(0.81, 0.44), (0.9, 0.31), (0.87, 0.35)], start=1):
        data = {"run_id": f"{v:02d}c0ffee" * 4, "project": "churn", "run_name": f"xgb-{v}",
                "metrics": {"auc": auc, "loss": loss, "f1": auc - 0.1}, "params": {"depth": v}}
        add("register", f"2026-01-0{v}T10:00:00.000000Z", to_version=v, data=data)
    add("register", "2026-01-04T10:00:00.000000Z", model="fraud", to_version=1,
        data={"run_id": "ff" * 16, "metrics": {"auc": 0.7}})  # fmt: skip
    add("promote", "2026-01-05T10:00:00.000000Z", alias="champion", from_version=None,
        to_version=2, reason="best auc", gates=[])  # fmt: skip
    add("promote", "2026-01-06T10:00:00.000000Z", alias="challenger", from_version=None,
        to_version=3, reason="shadow", forced=True, gates=[])  # fmt: skip
    (folder / "registry").mkdir(exist_ok=True)
    (folder / "registry" / "events.jsonl").write_text("".join(events))
    return folder / "catalog.duckdb"


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_models_snapshot(snap_compare, size, tmp_path) -> None:
    db = fixed_registry(tmp_path / "snap")

    async def ready(pilot) -> None:
        screen = await open_models(pilot, 3)
        assert await wait_for(pilot, lambda: "Promote" in screen_text(pilot.app))
        assert screen.query_one("#models").row_count == 2

    assert snap_compare(make_app(db, roots_watch=False), terminal_size=size, run_before=ready)


async def test_help_and_palette_list_the_models_keys(tmp_path) -> None:
    from workbench.tui.commands import screen_commands
    from workbench.tui.screens.models import HistoryScreen, ModelsScreen

    db = fixed_registry(tmp_path / "keys")
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 40)) as pilot:
        models = await open_models(pilot, 3)
        await check_help(pilot)
        assert {"Promote", "History", "Rollback"} <= set(screen_text(app).split())
        await pilot.press("h")
        assert await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                              and app.screen.events is not None)  # fmt: skip
        await check_help(pilot)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: app.screen is models)
    offered = {row.action for row in screen_commands(ModelsScreen)}
    assert {"promote", "history", "rollback", "reload", "back"} <= offered
