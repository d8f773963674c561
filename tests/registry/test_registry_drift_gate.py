"""The `no drift` gate: the candidate's training data against the model's latest production
batch, judged by a real drift report (run now, or a stored one reused)."""

from __future__ import annotations

import json

import pytest
from _drift_env import frame, log_batch, trained_env

from workbench import registry
from workbench.drift.service import check_drift, list_reports
from workbench.errors import GateFailedError


@pytest.fixture
def env(tmp_path):
    env = trained_env(tmp_path)
    registry.change_gate(env.cat, "churn", "no drift", alias="production")
    return env


def _gate(env, version: int = 2, alias: str = "production"):
    (result,) = registry.check_promotion(env.cat, "churn", version, alias).gates
    return result


def test_the_gate_passes_on_data_that_did_not_drift_and_stores_its_report(env) -> None:
    log_batch(env, frame(1))
    gate = _gate(env)
    assert gate.status == "pass", gate.detail
    assert "train-set@1" in gate.detail and "predictions@1" in gate.detail
    reports = list_reports(env.cat)
    assert reports.height == 1 and not reports["drift"][0]
    assert reports["report_id"][0] in gate.detail
    # a second judgement reuses the stored report instead of checking again
    again = _gate(env)
    assert again.status == "pass" and "stored report" in again.detail
    assert list_reports(env.cat).height == 1
    done = registry.promote(env.cat, "churn", 2, "production", "the data still looks alike")
    assert not done.forced and env.events()[-1]["gates"][0]["status"] == "pass"
    assert list_reports(env.cat).height == 1  # promote judged by the stored report too


def test_the_gate_fails_on_drifted_data_and_promote_refuses_unless_forced(env) -> None:
    log_batch(env, frame(1, shift=1.0))
    gate = _gate(env)
    assert gate.status == "fail" and "tenure" in gate.detail, gate.detail
    before = env.log_path.read_bytes()
    with pytest.raises(GateFailedError, match="gate 'no drift' failed"):
        registry.promote(env.cat, "churn", 2, "production", "ship it")
    assert env.log_path.read_bytes() == before
    refused = env.cli("promote", "churn", "2", "--to", "production", "--reason", "ship it")
    assert refused.exit_code == 1 and "no drift" in refused.output
    forced = env.cli("promote", "churn", "2", "--to", "production", "--reason", "known shift",
                     "--force", "--json")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    last = env.events()[-1]
    assert last["forced"] is True and last["gates"][0]["status"] == "fail"
    assert json.loads(forced.output)["forced"] is True


def test_the_latest_batch_is_the_one_judged(env) -> None:
    log_batch(env, frame(1, shift=1.0), name="monday")
    assert _gate(env).status == "fail"
    log_batch(env, frame(2), name="tuesday")
    gate = _gate(env)
    assert gate.status == "pass" and "tuesday@1" in gate.detail, gate.detail


def test_without_a_production_batch_the_gate_is_unavailable_never_passed(env) -> None:
    gate = _gate(env)
    assert gate.status == "unavailable"
    assert gate.detail == "churn has no production batch yet: wb.log_predictions records one"
    with pytest.raises(GateFailedError, match="'no drift' is unavailable: churn has no production"):
        registry.promote(env.cat, "churn", 2, "production", "ship")
    assert list_reports(env.cat).height == 0


def test_without_training_data_the_gate_is_unavailable(env) -> None:
    log_batch(env, frame(1))
    bare = env.add_run(0.95)  # logged no dataset
    registry.register(env.cat, bare, "churn")
    gate = _gate(env, version=3)
    assert gate.status == "unavailable"
    assert "churn@3 has no training data" in gate.detail


def test_a_training_file_that_is_gone_makes_the_gate_unavailable(env) -> None:
    log_batch(env, frame(1))
    (env.tmp / "train.parquet").unlink()
    gate = _gate(env)
    assert gate.status == "unavailable" and "no file of train-set@1" in gate.detail


def test_a_stored_report_on_some_columns_only_is_not_reused(env) -> None:
    log_batch(env, frame(1, shift=1.0))
    partial = check_drift(env.cat, "churn@2:train", "churn:production", columns=["spend"])
    assert not partial.drift
    gate = _gate(env)
    assert gate.status == "fail" and partial.report_id not in gate.detail
