"""`workbench drift REF CUR` with catalog references: NAME@VERSION, paths, and a model's
training data and latest production batch; one sentence for each reference naming nothing."""

from __future__ import annotations

import json

import pytest
from _drift_env import frame, log_batch, trained_env
from click.testing import CliRunner

from workbench.cli.main import cli
from workbench.drift.service import check_drift, resolve_dataset


def _env(tmp_path):
    env = trained_env(tmp_path)
    log_batch(env, frame(1, shift=1.0), name="monday")  # made by v1, the champion
    return env


@pytest.fixture
def env(tmp_path):
    return _env(tmp_path)


@pytest.fixture(scope="module")
def unchanged_env(tmp_path_factory):
    """One env for the tests that only read it (a bad reference changes nothing)."""
    return _env(tmp_path_factory.mktemp("drift-refs"))


def drift(env, *args: str):
    return CliRunner().invoke(cli, ["--db", str(env.cat.path), "drift", *args])


def test_a_model_s_training_data_against_its_latest_production_batch(env) -> None:
    result = drift(env, "churn@champion:train", "churn@champion:production", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["reference"] == "train-set@1 (churn@1:train)"
    assert report["current"] == "monday@1 (churn@1:production)"
    assert report["drift"] is True
    assert report["reference_fingerprint"] != report["current_fingerprint"]
    by_version = drift(env, "churn@1:train", "churn:production", "--fail-on-drift")
    assert by_version.exit_code == 1 and "DRIFT" in by_version.output


def test_dataset_versions_and_paths(env) -> None:
    train = env.tmp / "train.parquet"
    assert resolve_dataset(env.cat, "train-set@1") == train.absolute()
    assert resolve_dataset(env.cat, "train-set@latest") == train.absolute()
    assert resolve_dataset(env.cat, "train-set") == train.absolute()
    assert resolve_dataset(env.cat, str(train)) == train.absolute()
    report = check_drift(env.cat, "train-set@1", str(train), store=False)
    assert report.reference == "train-set@1" and report.current == str(train.absolute())
    assert not report.drift


@pytest.mark.parametrize(("ref", "sentence"), [
    ("nope@1", "no dataset is named 'nope'"),
    ("nope", "'nope' is neither a file nor a dataset in the catalog"),
    ("train-set@9", "dataset 'train-set' has versions 1 to 1, not 9"),
    ("missing/file.parquet", "no dataset file at missing/file.parquet"),
    ("churn@staging:train", "no version of churn holds the alias 'staging'"),
    ("churn@7:train", "churn has no version 7 (latest is 2)"),
    ("zzz@1:train", "no model named 'zzz' is registered"),
    ("zzz:production", "no model named 'zzz' is registered"),
    ("churn@2:production", "churn@2 has no production batch yet: wb.log_predictions records one"),
    ("churn@1:weights", "'churn@1:weights' asks a model for 'weights'"),
])  # fmt: skip
def test_each_bad_reference_is_one_sentence(unchanged_env, ref: str, sentence: str) -> None:
    result = drift(unchanged_env, ref, "train-set@1")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and sentence in lines[0], result.output
    assert "Traceback" not in result.output


def test_a_model_trained_on_no_dataset(env) -> None:
    from workbench import registry

    registry.register(env.cat, env.add_run(0.7), "bare")
    result = drift(env, "bare@1:train", "train-set@1")
    assert result.exit_code == 1
    assert "error: bare@1 has no training data: its run logged no dataset with role 'train'" in result.output


def test_a_batch_whose_file_is_gone(env) -> None:
    gone = list(env.root.rglob("monday.parquet"))
    assert len(gone) == 1
    gone[0].unlink()
    result = drift(env, "train-set@1", "churn@champion:production")
    assert result.exit_code == 1 and "no file of monday@1 (churn@1:production) is left to read" in result.output
