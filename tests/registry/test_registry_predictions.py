"""`wb.log_predictions`: a production batch as a dataset linked to the exact model version."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pyarrow as pa
import pytest
from _registry_env import make_env

import workbench as wb
from workbench import registry
from workbench.errors import NotFoundError, RunFormatError
from workbench.ingest import ingest_paths


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path, (0.8, 0.9))
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    registry.promote(env.cat, "churn", 2, "champion", "best")
    return env


def test_an_alias_is_resolved_to_the_version_holding_it_now(env, tmp_path) -> None:
    frame = pl.DataFrame({"tenure": [1, 5, 9], "score": [0.2, 0.7, 0.9]})
    record = wb.log_predictions("churn@champion", frame, root=env.root, registry=env.registry,
                                prediction_columns=["score"])  # fmt: skip
    assert record["role"] == "production"
    assert record["metadata"]["model"] == "churn" and record["metadata"]["model_version"] == 2
    assert pl.read_parquet(record["path"]).equals(frame)
    registry.promote(env.cat, "churn", 1, "champion", "moved on")  # the batch stays with v2
    ingest_paths(env.cat, [env.root])
    batches = registry.production_batches(env.cat, "churn", 2)
    assert len(batches) == 1 and batches[0]["sha256"] == record["sha256"]
    shown = json.loads(env.cli("show", "churn@2", "--json").output)
    assert shown["version"] == 2 and shown["production"][0]["dataset"] == "predictions"


def test_a_version_number_a_path_and_arrow_frames(env, tmp_path) -> None:
    csv = tmp_path / "batch.csv"
    csv.write_text("a,b\n1,2\n")
    by_path = wb.log_predictions("churn@1", csv, root=env.root, name="batch-a")
    assert by_path["metadata"]["model_version"] == 1 and by_path["rows"] == 1
    table = pa.table({"x": [1.0, 2.0]})
    by_arrow = wb.log_predictions("churn@1", table, root=env.root, name="batch-b")
    assert by_arrow["format"] == "parquet"
    ingest_paths(env.cat, [env.root])
    assert {b["dataset"] for b in registry.production_batches(env.cat, "churn", 1)} == {
        "batch-a", "batch-b",
    }


def test_unresolvable_references_are_one_sentence(env) -> None:
    with pytest.raises(NotFoundError, match="holds the alias 'staging'"):
        wb.log_predictions("churn@staging", pl.DataFrame({"a": [1]}), root=env.root,
                           registry=env.registry)  # fmt: skip
    with pytest.raises(RunFormatError, match="NAME@VERSION or NAME@ALIAS"):
        wb.log_predictions("churn", pl.DataFrame({"a": [1]}), root=env.root)
    with pytest.raises(RunFormatError, match="polars, pyarrow or pandas"):
        wb.log_predictions("churn@1", [1, 2, 3], root=env.root)


def test_the_registry_beside_the_catalog_is_found_from_workbench_db(env, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_DB", str(env.cat.path))
    code = (
        "import sys, workbench as wb\n"
        f"r = wb.log_predictions('churn@champion', {str(env.tmp / 'runs' / 'x.csv')!r},"
        f" root={str(env.root)!r})\n"
        "print(r['metadata']['model_version'])\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('polars', 'pyarrow', 'duckdb')]\n"
        "print(heavy)\n"
    )
    (env.tmp / "runs" / "x.csv").write_text("a\n1\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["2", "[]"]


def test_two_frames_logged_in_one_run_keep_both_files(env) -> None:
    """Frames go through the one frame writer log_dataset uses: a second batch of the same
    name in the same run gets a new file instead of overwriting the first."""
    first, second = pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": [3, 4, 5]})
    with wb.start_run(project="serving", root=env.root, capture_requirements=False) as run:
        one = wb.log_predictions("churn@1", first, run=run, name="hourly")
        two = wb.log_predictions("churn@1", second, run=run, name="hourly")
    assert one["path"] != two["path"]
    assert pl.read_parquet(one["path"]).equals(first)
    assert pl.read_parquet(two["path"]).equals(second)
    assert one["sha256"] != two["sha256"]
