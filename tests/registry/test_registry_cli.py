"""The `workbench models` commands: JSON shapes, literal display of names, one-line errors."""

from __future__ import annotations

import json

from _registry_env import make_env

from workbench import registry


def test_list_and_show_json(tmp_path) -> None:
    env = make_env(tmp_path, (0.8, 0.9))
    for run_id in env.run_ids:
        env.cli("register", run_id, "churn")
    env.cli("promote", "churn", "2", "--to", "champion", "--reason", "r")
    listed = json.loads(env.cli("--json").output)
    assert listed == [{"name": "churn", "versions": 2, "latest_version": 2,
                       "aliases": {"champion": 2}}]  # fmt: skip
    shown = json.loads(env.cli("show", "churn@1", "--json").output)
    assert shown["version"] == 1 and isinstance(shown["version"], int)
    assert shown["run_id"] == env.run_ids[0] and shown["metrics"]["auc"] == 0.8
    assert shown["files"][0]["sha256"] == shown["sha256"]
    assert json.loads(env.cli("show", "churn@latest", "--json").output)["version"] == 2
    assert json.loads(env.cli("show", "churn@champion", "--json").output)["aliases"] == ["champion"]
    table = env.cli("show", "churn").output
    assert "champion" in table and "metrics.auc" in table
    registered = shown["registered_at"]
    one = env.cli("show", "churn@1").output  # the time as `models` lists it, not ISO text
    assert f"registered   {registered[:19].replace('T', ' ')} by " in one
    assert registered not in one


def test_markup_in_names_reasons_and_gates_is_shown_literally(tmp_path) -> None:
    env = make_env(tmp_path, (0.8,))
    name = "[red]x[/]"
    assert env.cli("register", env.run_ids[0], name, "--reason", "[bold]why[/]").exit_code == 0
    env.cli("gate", name, "--to", "[blue]", "--add", "params.data = '[red]v3[/]'")
    env.cli("promote", name, "1", "--to", "[blue]", "--reason", "[/]", "--force")
    assert name in env.cli().output
    assert "[blue]=v1" in env.cli().output
    history = env.cli("history", name).output
    assert "[blue]: nobody -> v1 (forced)" in history and "[/]" in history
    assert "params.data = '[red]v3[/]'" in env.cli("gate", name, "--list").output
    assert "[bold]why[/]" in env.cli("show", f"{name}@1").output


def test_user_errors_are_one_line(tmp_path) -> None:
    env = make_env(tmp_path, (0.8,))
    cases = [
        (["show", "nope"], "error: no model named 'nope' is registered"),
        (["register", "zzzz", "m"], "error: no run matches 'zzzz'"),
        (["register", env.run_ids[0], "a@b"], "is not a valid model name"),
        (["register", env.run_ids[0], "m", "--model", "other"], "logged no model named 'other'"),
        (["history", "nope"], "no model named"),
    ]
    for args, text in cases:
        result = env.cli(*args)
        assert result.exit_code == 1, args
        assert text in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_the_registry_flag_and_variable_move_the_log(tmp_path, monkeypatch) -> None:
    env = make_env(tmp_path, (0.8,))
    elsewhere = tmp_path / "project-repo" / "registry"
    assert env.cli("register", env.run_ids[0], "churn", "--registry", str(elsewhere)).exit_code == 0
    assert (elsewhere / "events.jsonl").exists() and not env.log_path.exists()
    monkeypatch.setenv("WORKBENCH_REGISTRY", str(elsewhere))
    assert [m.name for m in registry.list_models(env.cat)] == ["churn"]
    monkeypatch.delenv("WORKBENCH_REGISTRY")
    assert registry.list_models(env.cat) == []  # the default log beside the catalog is empty


def test_promote_check_judges_gates_and_changes_nothing(tmp_path) -> None:
    env = make_env(tmp_path, (0.8, 0.9))
    for run_id in env.run_ids:
        env.cli("register", run_id, "churn")
    env.cli("gate", "churn", "--add", "metrics.auc >= 0.85")
    before = env.log_path.read_bytes()
    blocked = env.cli("promote", "churn", "1", "--to", "champion", "--check")
    assert blocked.exit_code == 1 and "refused" in blocked.stdout and "fail" in blocked.stdout
    allowed = env.cli("promote", "churn", "2", "--to", "champion", "--check", "--json")
    assert allowed.exit_code == 0
    assert json.loads(allowed.output)["gates"][0]["status"] == "pass"
    assert env.log_path.read_bytes() == before
    missing = env.cli("promote", "churn", "2", "--to", "champion")
    assert missing.exit_code == 1 and "give a reason" in missing.stderr
