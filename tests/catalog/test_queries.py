"""The read service API: list_runs, runs_to_records, get_run, metric_history, compare, sql."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl
import pytest
from _catalog_data import NOW, add_runs, sample_catalog

from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.errors import FilterSyntaxError, NotFoundError, ReadOnlyError, WorkbenchError


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    return sample_catalog(tmp_path_factory.mktemp("queries"))


# -- list_runs -------------------------------------------------------------------------------


def test_list_runs_wide_columns_and_types(cat):
    df = queries.list_runs(cat)
    assert df.columns[:7] == queries.BASE_COLUMNS
    assert df.columns[7:] == [
        "params.epochs", "params.flag", "params.lr", "params.model", "params.my key",
        "metrics.acc", "metrics.loss", "metrics.val-loss", "tags.stage",
    ]  # fmt: skip
    assert df.schema["params.epochs"] == pl.Int64
    assert df.schema["params.lr"] == pl.Float64  # "0.01" logged as a string still reads as a number
    assert df.schema["params.flag"] == pl.Boolean
    assert df.schema["params.model"] == pl.String
    assert df.schema["metrics.acc"] == pl.Float64
    assert df.schema["started_at"] == pl.Datetime("us")
    # default order: newest first
    assert df["name"].to_list() == ["live", "[red]markup[/]", "lr-0.01", "lr-0.1", "baseline"]
    row = df.row(by_predicate=pl.col("id") == "aaaa1111", named=True)
    assert row["metrics.acc"] == 0.95 and row["params.lr"] == 0.1 and row["tags.stage"] == "prod"
    assert row["duration_s"] == 90.0


def test_effective_status_includes_stale(cat):
    df = queries.list_runs(cat)
    statuses = dict(zip(df["id"], df["status"], strict=True))
    assert statuses["cccc4444"] == "stale" and statuses["dddd5555"] == "running"


def test_the_sample_live_run_is_live_whenever_the_catalog_is_made(tmp_path, monkeypatch):
    """Made minutes after the helper was imported (a long session), it is still running."""
    import _catalog_data

    monkeypatch.setattr(_catalog_data, "NOW", NOW - timedelta(minutes=10))
    df = queries.list_runs(_catalog_data.sample_catalog(tmp_path))
    assert dict(zip(df["id"], df["status"], strict=True))["dddd5555"] == "running"


def test_filter_sort_limit(cat):
    df = queries.list_runs(cat, filter="metrics.acc is not missing", sort=["-metrics.acc"])
    assert df["name"].to_list() == ["lr-0.1", "lr-0.01", "baseline"]  # NaN sorts with missing: last
    df = queries.list_runs(cat, sort=["metrics.acc"], limit=3)
    assert df["name"].to_list() == ["lr-0.01", "lr-0.1", "live"]  # ascending, missing still last
    df = queries.list_runs(cat, sort="-params.lr,name")
    assert df["name"].to_list()[:3] == ["[red]markup[/]", "lr-0.1", "lr-0.01"]
    assert queries.list_runs(cat, limit=0).height == 0


def test_sort_by_run_fields_and_tags(cat):
    assert queries.list_runs(cat, sort=["name"])["name"][0] == "[red]markup[/]"
    df = queries.list_runs(cat, sort=["tags.stage", "name"])
    assert df["tags.stage"].to_list()[:3] == ["dev", "prod", "prod"]
    assert df["tags.stage"].to_list()[-1] is None


def test_project_and_search(cat):
    assert sorted(queries.list_runs(cat, project="iris")["id"]) == ["aaaa1111", "aaaa2222"]
    assert sorted(queries.list_runs(cat, search="PROD")["id"]) == ["aaaa1111", "dddd5555"]
    assert queries.list_runs(cat, search="lr-0.0")["id"].to_list() == ["aaaa2222"]
    assert queries.list_runs(cat, search="%")["id"].to_list() == []  # no wildcard meaning


def test_columns_selection(cat):
    df = queries.list_runs(cat, columns=["name", "metrics.acc", "params.nope"])
    assert df.columns == ["id", "name", "metrics.acc"]
    df = queries.list_runs(cat, columns="name,tags")
    assert df.columns == ["id", "name", "tags.stage"]
    with pytest.raises(FilterSyntaxError):
        queries.list_runs(cat, columns=["bogus"])


def test_bad_filter_and_sort_raise_filter_errors(cat):
    with pytest.raises(FilterSyntaxError, match="column"):
        queries.list_runs(cat, filter="metrics.acc >")
    with pytest.raises(FilterSyntaxError):
        queries.list_runs(cat, sort=["-nonsense"])


def test_missing_catalog_lists_nothing(tmp_path):
    empty = Catalog(tmp_path / "none.duckdb")
    df = queries.list_runs(empty)
    assert df.height == 0 and df.columns == queries.BASE_COLUMNS
    assert queries.list_projects(empty).height == 0
    assert not (tmp_path / "none.duckdb").exists()


def test_runs_to_records_json(cat):
    records = queries.runs_to_records(queries.list_runs(cat))
    text = json.dumps(records, allow_nan=False)  # NaN became null
    by_id = {r["id"]: r for r in json.loads(text)}
    base = by_id["bbbb3333"]
    assert base["metrics"] == {"acc": None}
    assert base["params"] == {"flag": True, "model": "linear"}
    assert base["tags"] == {}
    assert base["started_at"] == "2025-12-16T12:00:00Z"
    first = by_id["aaaa1111"]
    assert first["params"] == {"epochs": 10, "lr": 0.1, "model": "svm", "my key": "x"}
    assert set(first) >= {"id", "project", "name", "status", "started_at", "ended_at"}


def test_list_projects(cat):
    df = queries.list_projects(cat)
    rows = {r["project"]: r for r in df.iter_rows(named=True)}
    assert rows["mnist"]["runs"] == 3 and rows["mnist"]["stale"] == 1
    assert rows["mnist"]["running"] == 1 and rows["mnist"]["failed"] == 1
    assert rows["iris"]["runs"] == 2
    assert df["project"].to_list() == ["mnist", "iris"]  # most recent first


# -- get_run / refs ------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["aaaa1111", "aaaa1", "iris/lr-0.1", "lr-0.1"])
def test_get_run_by_any_reference(cat, ref):
    run = queries.get_run(cat, ref)
    assert run.id == "aaaa1111"
    assert run.params == {"epochs": 10, "lr": 0.1, "model": "svm", "my key": "x"}
    assert run.tags == {"stage": "prod"}
    acc = next(m for m in run.metrics if m.key == "acc")
    assert acc == queries.MetricSummary("acc", 0.95, 0.5, 0.95, 2, 3)
    assert run.artifacts[0].path == "model.pkl"
    assert run.environment.command == ["train.py"]
    assert run.notes == "best so far"
    record = json.loads(json.dumps(run.to_dict(), allow_nan=False))
    # the JSON shape `workbench show --json` prints: nested objects with these keys
    assert list(record["metrics"][0]) == ["key", "last", "min", "max", "last_step", "count"]
    assert list(record["artifacts"][0]) == ["path", "size", "sha256"]
    assert record["environment"]["command"] == ["train.py"]


def test_ambiguous_and_unknown_refs(cat):
    with pytest.raises(NotFoundError, match="aaaa1111 .iris/lr-0.1.") as info:
        queries.get_run(cat, "aaaa")
    assert "aaaa2222" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(NotFoundError, match="no run matches 'zzz'"):
        queries.get_run(cat, "zzz")


def test_exact_id_beats_prefix(tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    add_runs(cat, [{"id": "abc"}, {"id": "abcdef"}])
    assert queries.get_run(cat, "abc").id == "abc"
    assert queries.get_run(cat, "abcd").id == "abcdef"


def test_get_run_json_with_nan(cat):
    run = queries.get_run(cat, "bbbb3333")
    data = run.to_dict()
    assert data["metrics"][0]["last"] is None and data["status"] == "failed"
    json.dumps(data, allow_nan=False)


# -- metric history --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_cat(tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("long") / "c.duckdb")
    add_runs(cat, [{"id": "long1", "name": "long"}, {"id": "long2", "name": "other"}])
    with cat.connect() as con:
        con.execute(
            "INSERT INTO metric_points SELECT 1, 'loss', i, 1.7e9 + i * 0.5,"
            " CASE WHEN i = 5077 THEN 100.0 WHEN i = 7001 THEN -50.0 ELSE 1.0 / (i + 1) END"
            " FROM range(10000) t(i)"
        )
        con.execute(
            "INSERT INTO metric_points SELECT 2, 'loss', i * 3, 1.7e9 + i, i FROM range(50) t(i)"
        )
        con.execute(
            "INSERT INTO metric_points SELECT 1, 'acc', i, 1.7e9 + i, i FROM range(500) t(i)"
        )
    return cat


def test_full_history(long_cat):
    df = queries.metric_history(long_cat, ["long1"], keys=["loss"])
    assert df.columns == ["run_id", "run_name", "key", "step", "timestamp", "value"]
    assert df.height == 10000
    assert df["step"].is_sorted()


def test_downsampling_keeps_spikes_ends_and_bound(long_cat):
    df = queries.metric_history(long_cat, ["long1", "long2"], keys=["loss"], max_points=200)
    long = df.filter(pl.col("run_id") == "long1")
    assert 100 <= long.height <= 200
    values = long["value"].to_list()
    assert 100.0 in values and -50.0 in values  # both spikes survive
    assert long["step"][0] == 0 and long["step"][-1] == 9999  # first and last points kept
    assert long["step"].is_sorted()
    short = df.filter(pl.col("run_id") == "long2")
    assert short.height == 50  # short series come back whole
    assert df["run_id"].unique(maintain_order=True).to_list() == ["long1", "long2"]


def test_downsampling_along_time(long_cat):
    df = queries.metric_history(long_cat, "long1", keys=["loss"], max_points=50, x="time")
    assert df.height <= 50 and 100.0 in df["value"].to_list()
    assert df["timestamp"].is_sorted()


def test_history_all_keys_and_errors(long_cat):
    df = queries.metric_history(long_cat, ["long"], max_points=40)
    assert set(df["key"]) == {"acc", "loss"}
    with pytest.raises(WorkbenchError):
        queries.metric_history(long_cat, ["long1"], x="epoch")
    with pytest.raises(NotFoundError):
        queries.metric_history(long_cat, ["nope"])


# -- compare ---------------------------------------------------------------------------------


def test_compare_runs_best_and_only_diff(cat):
    df = queries.compare_runs(cat, ["aaaa1111", "aaaa2222", "bbbb3333"])
    assert df.columns == ["section", "key", "lr-0.1", "lr-0.01", "baseline", "best"]
    rows = {(r["section"], r["key"]): r for r in df.iter_rows(named=True)}
    assert rows[("metric", "acc")]["best"] == "lr-0.1"  # higher is better; NaN ignored
    assert rows[("metric", "loss")]["best"] == "lr-0.1"  # lower is better
    assert rows[("metric", "acc")]["baseline"] == "NaN"
    assert rows[("param", "lr")]["lr-0.01"] == "0.01"
    assert rows[("param", "flag")]["baseline"] == "true"
    assert rows[("param", "epochs")]["baseline"] is None
    same = queries.compare_runs(cat, ["aaaa1111", "aaaa2222"], only_diff=True)
    keys = set(zip(same["section"], same["key"], strict=True))
    assert ("param", "model") in keys and ("tag", "stage") in keys


def test_compare_only_diff_drops_equal_rows(tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    add_runs(
        cat,
        [
            {"id": "r1", "name": "same", "params": {"a": 1, "b": 2}, "metrics": {"m": [1.0]}},
            {"id": "r2", "name": "same", "params": {"a": 1, "b": 3}, "metrics": {"m": [1.0]}},
        ],
    )
    df = queries.compare_runs(cat, ["r1", "r2"], only_diff=True)
    keys = list(zip(df["section"], df["key"], strict=True))
    assert ("param", "b") in keys and ("param", "a") not in keys and ("metric", "m") not in keys
    assert df.columns[2:4] == ["same (r1)", "same (r2)"]  # duplicate names get the id


def test_metric_direction():
    assert queries.metric_direction("val_loss") == "min"
    assert queries.metric_direction("RMSE") == "min"
    assert queries.metric_direction("accuracy") == "max"


# -- sql and data_version ------------------------------------------------------------------


def test_run_sql_select_and_views(cat):
    table = queries.run_sql(cat, "SELECT run_id, status FROM runs_view ORDER BY run_id")
    assert table.column("run_id").to_pylist()[0] == "aaaa1111"
    views = queries.view_columns(cat)
    assert next(iter(views)) == "runs_view" and "dataset_usage" in views
    for view, columns in views.items():
        assert queries.run_sql(cat, f"SELECT * FROM {view} LIMIT 1").column_names == columns


@pytest.mark.parametrize(
    "text",
    [
        "DELETE FROM runs",
        "INSERT INTO tags VALUES (1, 'a', 'b')",
        "DROP TABLE runs",
        "CREATE TABLE x (a INT)",
        "COPY runs TO '/tmp/x.csv'",
        "ATTACH ':memory:' AS m",
        "SET threads = 1",
        "INSTALL httpfs",
        "EXPLAIN ANALYZE DELETE FROM runs",
    ],
)
def test_run_sql_refuses_writes(cat, text):
    with pytest.raises(ReadOnlyError, match="read-only"):
        queries.run_sql(cat, text)
    assert queries.run_sql(cat, "SELECT count(*) AS n FROM runs").column("n")[0].as_py() == 5


def test_run_sql_errors_are_one_line(cat):
    with pytest.raises(WorkbenchError, match="^sql error: ") as info:
        queries.run_sql(cat, "SELEC 1")
    assert "\n" not in str(info.value)
    with pytest.raises(WorkbenchError, match="one statement"):
        queries.run_sql(cat, "SELECT 1; SELECT 2")
    with pytest.raises(WorkbenchError, match="sql error"):
        queries.run_sql(cat, "SELECT * FROM no_such_table")
    with pytest.raises(WorkbenchError):
        queries.run_sql(cat, "  ")


def test_data_version_moves_with_ingest(tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    add_runs(cat, [{"id": "one"}])
    before = queries.data_version(cat)
    add_runs(cat, [{"id": "two", "started_at": NOW - timedelta(days=1)}])
    assert queries.data_version(cat) == before + 1


def test_null_params_are_missing_and_types_survive(tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    add_runs(
        cat,
        [
            {"id": "n1", "params": {"a": None, "b": 1, "s": "0.5"}},
            {"id": "n2", "params": {"a": 2, "b": 2.5, "s": "x"}},
        ],
    )
    df = queries.list_runs(cat, sort=["id"])
    assert df.schema["params.a"] == pl.Int64 and df["params.a"].to_list() == [None, 2]
    assert df.schema["params.b"] == pl.Float64
    assert df.schema["params.s"] == pl.String  # one value does not read as a number
    records = queries.runs_to_records(df)
    assert records[0]["params"] == {"b": 1.0, "s": "0.5"}
    assert queries.list_runs(cat, filter="params.a is missing")["id"].to_list() == ["n1"]
    assert queries.get_run(cat, "n1").params["a"] is None


def test_service_functions_accept_an_open_connection(cat):
    with cat.connect(read_only=True) as con:
        assert queries.list_runs(con, limit=2).height == 2
        assert queries.get_run(con, "aaaa1111").name == "lr-0.1"
        assert queries.metric_history(con, ["aaaa1111"]).height == 6


def test_keys_named_like_internal_columns(tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    add_runs(
        cat,
        [{"id": "k1", "params": {"run_key": 5, "id": "x"}, "tags": {"run_key": "t"},
          "metrics": {"run_key": [1.0]}}],
    )  # fmt: skip
    df = queries.list_runs(cat)
    assert df["id"].to_list() == ["k1"]
    assert df["params.run_key"].to_list() == [5] and df["params.id"].to_list() == ["x"]
    assert df["tags.run_key"].to_list() == ["t"] and df["metrics.run_key"].to_list() == [1.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda cat: queries.get_run(cat, "zzz"),
        lambda cat: queries.get_run(cat, " "),
        lambda cat: queries.list_runs(cat, limit=-1),
        lambda cat: queries.metric_history(cat, ["aaaa1111"], max_points=2),
        lambda cat: queries.metric_history(cat, ["aaaa1111"], x="epoch"),
        lambda cat: queries.compare_runs(cat, []),
        lambda cat: queries.run_sql(cat, ""),
        lambda cat: queries.run_sql(cat, "SELECT 1; SELECT 2"),
        lambda cat: queries.run_sql(cat, "DROP TABLE runs"),
    ],
)
def test_service_errors_speak_of_the_thing_not_of_cli_flags(cat, call):
    """The app shows these messages too: no `--flag` and no `workbench ...` command in them."""
    with pytest.raises(WorkbenchError) as info:
        call(cat)
    message = str(info.value)
    assert "--" not in message and "workbench " not in message, message


def test_runs_view_and_the_services_agree_on_status_and_duration(cat):
    """One definition (catalog/run_status.py) behind the SQL view and the service queries."""
    listed = queries.list_runs(cat).select("id", "status", "duration_s").rows()
    view = queries.run_sql(cat, "SELECT run_id, status, duration_s FROM runs_view").to_pylist()
    assert sorted(listed) == sorted(
        (r["run_id"], r["status"], None if r["duration_s"] is None else float(r["duration_s"]))
        for r in view
    )
    assert {status for _, status, _ in listed} >= {"stale", "running", "finished"}
