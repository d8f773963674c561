"""Promotion gates: pass, fail, unavailable, forced; a refusal writes nothing."""

from __future__ import annotations

import pytest
from _registry_env import make_env

from workbench import registry
from workbench.errors import GateFailedError, RegistryError


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path, (0.80, 0.90, 0.85))
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    return env


def test_every_gate_passes_and_the_results_are_recorded(env) -> None:
    registry.change_gate(env.cat, "churn", "metrics.auc >= 0.75", alias="champion")
    registry.change_gate(env.cat, "churn", "params.data = 'v3'")
    registry.change_gate(env.cat, "churn", "beats champion on metrics.auc")
    done = registry.promote(env.cat, "churn", 1, "champion", "first model")
    assert [g.status for g in done.check.gates] == ["pass", "pass", "pass"]
    assert not done.forced
    last = env.events()[-1]
    assert last["kind"] == "promote" and last["to_version"] == 1 and last["from_version"] is None
    assert [g["status"] for g in last["gates"]] == ["pass", "pass", "pass"]
    assert registry.get_version(env.cat, "churn@champion").version == 1


def test_a_failing_gate_refuses_naming_it_and_writes_no_event(env) -> None:
    registry.change_gate(env.cat, "churn", "metrics.auc >= 0.85", alias="champion")
    before = env.log_path.read_bytes()
    with pytest.raises(GateFailedError) as caught:
        registry.promote(env.cat, "churn", 1, "champion", "try")
    assert "metrics.auc >= 0.85" in str(caught.value) and "refused" in str(caught.value)
    assert [r.status for r in caught.value.results] == ["fail"]
    assert env.log_path.read_bytes() == before
    with pytest.raises(Exception, match="holds the alias"):
        registry.get_version(env.cat, "churn@champion")


def test_beats_compares_with_the_holder_by_direction_and_delta(env) -> None:
    registry.promote(env.cat, "churn", 1, "champion", "baseline")  # auc 0.80
    registry.change_gate(env.cat, "churn", "beats champion on metrics.auc by 0.06")
    check = registry.check_promotion(env.cat, "churn", 3, "champion")  # 0.85: +0.05 only
    assert check.gates[0].status == "fail" and "0.85" in check.gates[0].detail
    assert registry.check_promotion(env.cat, "churn", 2, "champion").allowed  # 0.90
    # loss is lower-is-better by its name: v2 (0.10) beats v1 (0.20)
    registry.change_gate(env.cat, "churn", "beats champion on metrics.loss", alias="champion")
    assert [g.status for g in registry.check_promotion(env.cat, "churn", 2, "champion").gates] == [
        "pass", "pass",
    ]
    # a flag stored with the gate wins over the name
    registry.change_gate(env.cat, "churn", "beats champion on metrics.auc", alias="champion",
                         direction="min")  # fmt: skip
    statuses = [g.status for g in registry.check_promotion(env.cat, "churn", 2, "champion").gates]
    assert statuses == ["pass", "pass", "fail"]


def test_has_notes_and_no_drift(env, tmp_path) -> None:
    noted = env.add_run(0.95, notes="trained on the March data")
    registry.register(env.cat, noted, "churn")
    registry.change_gate(env.cat, "churn", "has notes", alias="champion")
    assert registry.check_promotion(env.cat, "churn", 4, "champion").allowed
    assert not registry.check_promotion(env.cat, "churn", 1, "champion").allowed
    registry.change_gate(env.cat, "churn", "no drift", alias="champion")
    check = registry.check_promotion(env.cat, "churn", 4, "champion")
    assert check.gates[1].status == "unavailable"  # never silently passed
    with pytest.raises(GateFailedError, match="'no drift' is unavailable"):
        registry.promote(env.cat, "churn", 4, "champion", "ship")


def test_force_promotes_past_failures_and_records_it(env) -> None:
    registry.change_gate(env.cat, "churn", "metrics.auc >= 0.99")
    result = env.cli("promote", "churn", "2", "--to", "champion", "--reason", "hotfix", "--force")
    assert result.exit_code == 0, result.output
    assert "metrics.auc >= 0.99" in result.output and "fail" in result.output
    assert "(forced)" in result.output
    last = env.events()[-1]
    assert last["forced"] is True and last["reason"] == "hotfix"
    assert last["gates"][0]["status"] == "fail"
    # forcing with every gate passing is not recorded as forced
    registry.change_gate(env.cat, "churn", "metrics.auc >= 0.99", remove=True)
    registry.promote(env.cat, "churn", 3, "challenger", "ok", force=True)
    assert env.events()[-1]["forced"] is False


def test_cli_refusal_prints_every_gate_then_one_error_line(env) -> None:
    registry.change_gate(env.cat, "churn", "metrics.auc >= 0.95")
    registry.change_gate(env.cat, "churn", "params.data = 'v3'")
    result = env.cli("promote", "churn", "2", "--to", "champion", "--reason", "try")
    assert result.exit_code == 1
    assert "params.data = 'v3'" in result.stdout and "pass" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "metrics.auc >= 0.95" in errors[0]
    assert "Traceback" not in result.output


def test_bad_gate_expressions_are_refused_with_a_sentence(env) -> None:
    with pytest.raises(RegistryError, match="not a valid filter"):
        registry.change_gate(env.cat, "churn", "metrics.auc >>= 3")
    with pytest.raises(RegistryError, match="beats ALIAS on metrics.KEY"):
        registry.change_gate(env.cat, "churn", "beats champion metrics.auc")
    with pytest.raises(RegistryError, match="a beats gate compares a metric"):
        registry.change_gate(env.cat, "churn", "beats champion on params.lr")
    registry.change_gate(env.cat, "churn", "has notes")
    with pytest.raises(RegistryError, match="already has"):
        registry.change_gate(env.cat, "churn", "has  notes")
    result = env.cli("gate", "churn", "--list", "--json")
    assert '"gate": "has notes"' in result.output
