"""`import_mlflow` against real MLflow stores: every field as MLflow's own client reads it."""

from __future__ import annotations

import math
import os

import pytest
from _mlflow_fixture import add_more

from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths
from workbench.interop.mlflow_import import import_mlflow
from workbench.interop.mlflow_runfolders import ARTIFACT_TAG
from workbench.registry import versions as registry_versions
from workbench.registry.history import history

mlflow = pytest.importorskip("mlflow")
STATUS = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed", "RUNNING": "running"}


def _client(uri: str):
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)


def _mlflow_runs(client) -> list:
    from mlflow.entities import ViewType

    exps = client.search_experiments(view_type=ViewType.ALL)
    return client.search_runs([e.experiment_id for e in exps], run_view_type=ViewType.ALL)


def _ms(value) -> int | None:
    return None if value is None else round(value.timestamp() * 1000)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_every_run_field_matches_what_mlflow_reads_back(store, tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    report = import_mlflow(cat, store["uri"], project_prefix="ml/")
    assert report.problems == [] and report.ingest["errors"] == 0
    client = _client(store["uri"])
    expected = _mlflow_runs(client)
    assert report.runs == len(expected) == 4
    experiments = {e.experiment_id: e.name for e in client.search_experiments()}
    for run in expected:
        info, data = run.info, run.data
        got = queries.get_run(cat, info.run_id)
        assert got.project == "ml/" + experiments[info.experiment_id]
        assert got.name == info.run_name
        assert got.status == STATUS[info.status]
        assert _ms(got.started_at) == info.start_time
        assert _ms(got.ended_at) == info.end_time
        assert got.environment.user == (data.tags.get("mlflow.user") or info.user_id)
        assert got.environment.git_commit == data.tags.get("mlflow.source.git.commit")
        assert got.params == data.params
        assert {k: v for k, v in got.tags.items() if k != ARTIFACT_TAG} == data.tags
        assert got.parent == data.tags.get("mlflow.parentRunId")
        assert got.deleted == (info.lifecycle_stage == "deleted")
        assert got.tags[ARTIFACT_TAG]
        keys = sorted(m.key for m in got.metrics)
        assert keys == sorted(data.metrics)
        for key in keys:
            want = sorted(
                (m.step, m.timestamp, m.value) for m in client.get_metric_history(info.run_id, key)
            )
            frame = queries.metric_history(cat, info.run_id, [key])
            have = sorted(
                (s, _ms(t), v)
                for s, t, v in zip(frame["step"], frame["timestamp"], frame["value"], strict=True)
            )
            assert len(have) == len(want)
            for (s1, t1, v1), (s2, t2, v2) in zip(have, want, strict=True):
                assert (s1, t1) == (s2, t2) and _same(v1, v2)


def test_registry_versions_aliases_and_tags_match_mlflow(store, tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    import_mlflow(cat, store["uri"])
    client = _client(store["uri"])
    model = client.get_registered_model("iris-clf")
    got = {v.version: v for v in registry_versions.list_versions(cat, "iris-clf")}
    want = {int(v.version): v for v in client.search_model_versions("name = 'iris-clf'")}
    assert sorted(got) == sorted(want) == [1, 2]
    for number, version in want.items():
        assert got[number].run_id == version.run_id
        assert got[number].path == version.source
        assert got[number].metadata["mlflow"]["tags"] == version.tags
        assert got[number].project == "iris"  # the imported source run's project
    assert {a: got_v.version for got_v in got.values() for a in got_v.aliases} == {
        a: int(v) for a, v in model.aliases.items()
    }
    events = history(cat, "iris-clf")
    assert all(e.reason.startswith("imported from MLflow") for e in events)
    assert [e.kind for e in events].count("register") == 2
    tag_events = [e for e in events if e.kind == "tag"]
    assert tag_events and tag_events[-1].raw_tags == model.tags


def test_two_stores_with_the_same_model_both_import(mlflow_stores, tmp_path):
    """Both fixture stores hold iris-clf v1 and v2 (of different runs): one registry gets four."""
    cat = Catalog(tmp_path / "c.duckdb")
    import_mlflow(cat, mlflow_stores["file"]["uri"])
    second = import_mlflow(cat, mlflow_stores["sqlite"]["uri"])
    assert (second.registry.versions_added, second.registry.aliases_moved) == (2, 1)
    versions = {v.version: v for v in registry_versions.list_versions(cat, "iris-clf")}
    assert sorted(versions) == [1, 2, 3, 4]
    assert versions[4].run_id == mlflow_stores["sqlite"]["parent"] and versions[4].aliases == ["champion"]
    again = import_mlflow(cat, mlflow_stores["file"]["uri"])
    assert again.registry.versions_added == 0 and again.registry.aliases_moved == 1  # back to v2


def test_deleted_runs_are_kept_but_hidden(store, tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    import_mlflow(cat, store["uri"])
    shown = set(queries.list_runs(cat)["id"])
    every = set(queries.list_runs(cat, deleted=True)["id"])
    assert every - shown == {store["deleted"]}
    assert queries.get_run(cat, store["deleted"]).deleted
    assert queries.list_runs(cat, filter=f"parent = '{store['parent']}'")["id"].to_list() == [
        store["child"]
    ]


def test_reimport_adds_only_new_points_and_runs(store_copy, tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    first = import_mlflow(cat, store_copy["uri"])
    again = import_mlflow(cat, store_copy["uri"])
    assert (again.runs_created, again.runs_changed, again.points_added) == (0, 0, 0)
    assert again.registry.versions_added == again.registry.aliases_moved == 0
    assert again.ingest["points"] == 0
    exp = store_copy["experiments"]["iris"]
    new_id = add_more(store_copy["uri"], store_copy["parent"], exp)
    third = import_mlflow(cat, store_copy["uri"])
    assert (third.runs_created, third.points_added) == (1, 6)
    assert third.ingest["points"] == 6
    loss = queries.metric_history(cat, store_copy["parent"], ["loss"])
    assert loss.height == 55
    assert queries.get_run(cat, new_id).name == "later"
    assert first.points_added + 6 == sum(
        m.count for r in queries.list_runs(cat, deleted=True)["id"] for m in queries.get_run(cat, r).metrics
    )


def test_a_rebuilt_catalog_gets_the_imported_runs_back(store, tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    report = import_mlflow(cat, store["uri"])
    before = queries.list_runs(cat, deleted=True).sort("id")
    fresh = Catalog(tmp_path / "rebuilt.duckdb")
    ingest_paths(fresh, [report.root])
    after = queries.list_runs(fresh, deleted=True).sort("id")
    assert after.drop("duration_s").equals(before.drop("duration_s"))
    assert set(queries.list_runs(fresh)["id"]) == set(queries.list_runs(cat)["id"])


def test_copy_artifacts_and_a_moved_store(tmp_path):
    """A store moved from where it was written: its baked-in paths resolve under the new place."""
    origin = tmp_path / "old" / "mlruns"
    client = _client(origin.as_uri())
    exp = client.create_experiment("moved")
    run = client.create_run(exp, run_name="r")
    client.log_text(run.info.run_id, "weights", "model/w.txt")
    client.set_terminated(run.info.run_id)
    moved = tmp_path / "new" / "mlruns"
    moved.parent.mkdir()
    origin.rename(moved)
    cat = Catalog(tmp_path / "c.duckdb")
    report = import_mlflow(cat, moved, copy_artifacts=True)
    assert report.artifacts_copied == 1
    got = queries.get_run(cat, run.info.run_id)
    assert [a.path for a in got.artifacts] == ["model/w.txt"]
    assert got.tags[ARTIFACT_TAG].startswith(str(moved.resolve()))
    assert import_mlflow(cat, moved, copy_artifacts=True).artifacts_copied == 0
