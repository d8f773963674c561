"""Fast paths of the read service: metric_keys, and the small-result pivot matching the polars one."""

from __future__ import annotations

import pytest
from _catalog_data import add_runs, sample_catalog
from polars.testing import assert_frame_equal

from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.catalog.queries import runs_pivot
from workbench.errors import NotFoundError


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    return sample_catalog(tmp_path_factory.mktemp("fastpaths"))


@pytest.fixture(scope="module")
def odd_cat(tmp_path_factory):
    """Params of every type mixed per key, keys named like internal columns, sparse tags."""
    values = [1, 2.5, "0.1", "abc", True, False, None, 10**20, -3, "1e5", "nan", 1e-7, "12", 0]
    runs = []
    for i in range(40):
        params = {f"k{j}": values[(i * 7 + j * 3) % len(values)] for j in range(6) if (i + j) % 5}
        params.update({"ints": i, "maybe_bool": True if i % 3 else None, "run_key": "x"})
        metrics = {"loss": [1.0 / (1 + s + i) for s in range(1 + i % 4)]}
        if i % 4 == 0:
            metrics["acc"] = [float("nan")]
        runs.append(
            {
                "id": f"odd{i:03d}",
                "name": f"n{i % 7}",
                "project": f"p{i % 3}",
                "params": params,
                "tags": {"t": str(i)} if i % 2 else {},
                "metrics": metrics,
            }
        )
    cat = Catalog(tmp_path_factory.mktemp("odd") / "odd.duckdb")
    add_runs(cat, runs)
    return cat


CASES = [
    {},
    {"limit": 5},
    {"sort": ["-params.k1", "name"]},
    {"filter": "params.ints > 10", "columns": ["params.k1", "metrics"]},
    {"project": "p1"},
    {"search": "n3"},
    {"columns": "tags,name"},
    {"columns": ["metrics.loss"]},
    {"filter": "metrics.loss > 0.2", "sort": "-metrics.loss,params.k2", "limit": 7},
    {"filter": "metrics.loss > 99"},
]


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_small_pivot_equals_polars_pivot(odd_cat, cat, case, monkeypatch):
    for catalog in (odd_cat, cat):
        monkeypatch.setattr(runs_pivot, "_SMALL_PIVOT", 10**9)
        small = queries.list_runs(catalog, **case)
        monkeypatch.setattr(runs_pivot, "_SMALL_PIVOT", 0)
        large = queries.list_runs(catalog, **case)
        assert small.columns == large.columns
        assert_frame_equal(small, large)


def test_mixed_param_types_keep_their_typing(odd_cat):
    df = queries.list_runs(odd_cat)
    assert str(df.schema["params.ints"]) == "Int64"
    assert str(df.schema["params.maybe_bool"]) == "Boolean"  # null + bool stays boolean
    assert str(df.schema["params.k1"]) == "String"  # "abc" and "nan"
    assert str(df.schema["params.k2"]) == "Int64"  # 0 and null
    assert "params.run_key" in df.columns and df["params.run_key"].to_list() == ["x"] * 40
    assert df.columns.index("params.run_key") < df.columns.index("metrics.acc")


def test_metric_keys(cat):
    assert queries.metric_keys(cat, ["aaaa1111"]) == ["acc", "loss"]
    assert queries.metric_keys(cat, "dddd5555") == ["val-loss"]
    assert queries.metric_keys(cat, ["dddd5555", "aaaa2222"]) == ["acc", "loss", "val-loss"]
    assert queries.metric_keys(cat, ["cccc4444"]) == []  # a run with no metrics
    assert queries.metric_keys(cat, ["iris/lr-0.01"]) == ["acc", "loss"]  # any run ref
    with pytest.raises(NotFoundError):
        queries.metric_keys(cat, ["nope"])
    with cat.connect(read_only=True) as con:  # also on an open connection
        assert queries.metric_keys(con, ["bbbb3333"]) == ["acc"]


def test_metric_keys_of_a_missing_catalog(tmp_path):
    with pytest.raises(NotFoundError):
        queries.metric_keys(Catalog(tmp_path / "none.duckdb"), ["x"])
