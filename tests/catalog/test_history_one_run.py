"""One run's metric history takes a tuple path: it must equal the frame path exactly."""

from __future__ import annotations

import pytest

from workbench.catalog.connection import Catalog
from workbench.catalog.queries import history
from workbench.catalog.queries.common import resolve_refs


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("hist") / "wb.duckdb")
    with cat.connect() as con:
        con.execute(
            "INSERT INTO runs (run_key, run_id, project, name, status, path) VALUES"
            " (1, 'r1', 'p', '[b]one[/b]', 'finished', '/r1'),"
            " (2, 'r2', 'p', 'two', 'finished', '/r2')"
        )
        # inserted out of order, a NaN value, repeated times (x = time ties broken by step)
        con.execute(
            """
            INSERT INTO metric_points
            SELECT r + 1, 'm' || (i % 3), i // 3, 1700000000.123457 + (i // 6),
                   CASE WHEN i = 7 THEN 'nan'::DOUBLE ELSE (i * 7919 % 1000) / 10.0 END
            FROM range(2) t(r), range(900) u(i) ORDER BY random()
            """
        )
    return cat


def _frame_path(cat, ref, keys, max_points, x):
    with cat.connect(read_only=True) as con:
        runs = resolve_refs(con, [ref])
        found = history._query(con, *history._points_sql(runs, keys, max_points, x))
    return history._in_order(found, runs)


@pytest.mark.parametrize(
    ("keys", "max_points", "x"),
    [(None, None, "step"), (["m1"], None, "step"), (["m0", "m2"], 40, "step"),
     (None, 20, "time"), (["m1"], None, "time"), (["absent"], None, "step")],
)
def test_one_run_equals_the_frame_path(cat, keys, max_points, x):
    got = history.metric_history(cat, "r1", keys=keys, max_points=max_points, x=x)
    want = _frame_path(cat, "r1", keys, max_points, x)
    assert got.schema == want.schema
    assert got.equals(want, null_equal=True)
    if keys != ["absent"]:
        assert got.height > 0 and set(got["run_name"]) == {"[b]one[/b]"}


def test_more_points_than_the_tuple_path_takes_the_frame_path(cat, monkeypatch):
    monkeypatch.setattr(history, "SMALL_HISTORY", 50)
    got = history.metric_history(cat, "r2", keys=["m0"])
    assert got.height == 300
    assert got.equals(_frame_path(cat, "r2", ["m0"], None, "step"), null_equal=True)


def _general_rows(cat, ref, keys, max_points, x, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(history, "_one_run_points", lambda *a: None)
        return history.metric_history_rows(cat, ref, keys=keys, max_points=max_points, x=x)


@pytest.mark.parametrize(
    ("keys", "max_points", "x"),
    [(None, None, "step"), (["m1"], None, "step"), (["m0", "m2"], 400, "step"),
     (["m0", "m2"], 40, "step"), (None, 20, "time"), (["m1"], None, "time"),
     (["absent"], None, "step")],
)
def test_one_run_rows_equal_the_general_rows(cat, keys, max_points, x, monkeypatch):
    got = history.metric_history_rows(cat, "r1", keys=keys, max_points=max_points, x=x)
    want = _general_rows(cat, "r1", keys, max_points, x, monkeypatch)
    assert got.columns == want.columns
    assert repr(got.rows) == repr(want.rows)  # repr: NaN values compare equal
    if keys != ["absent"]:
        assert got.rows and {r[1] for r in got.rows} == {"[b]one[/b]"}


@pytest.fixture(scope="module")
def odd_times(tmp_path_factory):
    """A run whose points have times that are not finite, or past what a datetime shows."""
    cat = Catalog(tmp_path_factory.mktemp("hist") / "wb.duckdb")
    with cat.connect() as con:
        con.execute(
            "INSERT INTO runs (run_key, run_id, project, name, status, path) VALUES"
            " (1, 'r1', 'p', 'one', 'finished', '/r1'), (2, 'r2', 'p', 'two', 'finished', '/r2')"
        )
        con.execute(
            "INSERT INTO metric_points VALUES (1, 'm', 3, 'nan', 1), (1, 'm', 1, 'inf', 2),"
            " (1, 'm', 2, '-inf', 'nan'), (1, 'm', 0, 1700000000.5, NULL),"
            " (2, 'm', 0, 1700000000.5, 1), (2, 'm', 1, 1e12, 2)"
        )
    return cat


@pytest.mark.parametrize("x", ["step", "time"])
def test_times_that_are_not_finite_or_too_far(odd_times, x, monkeypatch):
    got = history.metric_history(odd_times, "r1", x=x)
    assert got.equals(_frame_path(odd_times, "r1", None, None, x), null_equal=True)
    assert got["timestamp"].null_count() == 3
    rows = history.metric_history_rows(odd_times, "r1", x=x)
    assert repr(rows.rows) == repr(_general_rows(odd_times, "r1", None, None, x, monkeypatch).rows)
    # a time past year 9999 is no Python datetime: DuckDB's path answers (with a string)
    far = history.metric_history_rows(odd_times, "r2", x=x)
    assert repr(far.rows) == repr(_general_rows(odd_times, "r2", None, None, x, monkeypatch).rows)
    assert far.rows[-1][4] == "33658-09-27 01:46:40"
