"""Rollback walks an alias back through the versions that held it, and stops with a sentence."""

from __future__ import annotations

import pytest
from _registry_env import make_env

from workbench import registry
from workbench.errors import RegistryError


def _champion(env) -> int | None:
    return {m.name: m.aliases for m in registry.list_models(env.cat)}["churn"].get("champion")


def test_repeated_rollbacks_walk_further_back_then_refuse(tmp_path) -> None:
    env = make_env(tmp_path, (0.7, 0.8, 0.9, 0.95))
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    for version in (1, 2, 3):
        registry.promote(env.cat, "churn", version, "champion", f"v{version}")
    walked = []
    for _ in range(2):
        event = registry.rollback(env.cat, "churn", "regression")
        walked.append((event.from_version, event.to_version))
    assert walked == [(3, 2), (2, 1)]
    assert _champion(env) == 1
    with pytest.raises(RegistryError, match="champion of churn has no earlier version"):
        registry.rollback(env.cat, "churn", "again")
    # a new promotion starts from where the alias is; rolling back returns to it
    registry.promote(env.cat, "churn", 4, "champion", "v4")
    assert registry.rollback(env.cat, "churn", "r").to_version == 1
    assert [e.kind for e in registry.history(env.cat, "churn")][:2] == ["rollback", "promote"]


def test_rollback_after_a_removal_brings_the_alias_back_and_aliases_are_independent(tmp_path) -> None:
    env = make_env(tmp_path, (0.7, 0.8))
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    registry.promote(env.cat, "churn", 1, "champion", "a")
    registry.promote(env.cat, "churn", 2, "challenger", "b")
    registry.remove_alias(env.cat, "churn", "champion", "retire")
    assert _champion(env) is None
    event = registry.rollback(env.cat, "churn", "retired by mistake")
    assert (event.from_version, event.to_version) == (None, 1)
    assert _champion(env) == 1
    assert registry.get_version(env.cat, "churn@challenger").version == 2
    with pytest.raises(RegistryError, match="challenger of churn has no earlier version"):
        registry.rollback(env.cat, "churn", "x", alias="challenger")


def test_a_reason_is_required_and_unknown_names_are_one_sentence(tmp_path) -> None:
    env = make_env(tmp_path, (0.7,))
    registry.register(env.cat, env.run_ids[0], "churn")
    registry.promote(env.cat, "churn", 1, "champion", "a")
    result = env.cli("rollback", "churn", "--reason", " ")
    assert result.exit_code == 1 and result.stderr == "error: give a reason: it is recorded with the change\n"
    result = env.cli("rollback", "nope", "--reason", "x")
    assert result.exit_code == 1 and "no model named 'nope'" in result.stderr
    result = env.cli("promote", "churn", "9", "--to", "champion", "--reason", "x")
    assert result.exit_code == 1 and "churn has no version 9" in result.stderr
