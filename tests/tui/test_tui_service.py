"""The app's route to the catalog: tui/service.py returns the services' typed results and adds
the app's own hints to their errors; the detail view is built from RunDetail as it is."""

from __future__ import annotations

import pytest
from _catalog_data import sample_catalog

from workbench.errors import ReadOnlyError
from workbench.formatting import format_duration
from workbench.tui import service
from workbench.tui.detail_view import normalise
from workbench.tui.runs_view import _duration_expr


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    return sample_catalog(tmp_path_factory.mktemp("service"))


def test_sql_errors_carry_the_apps_hint_not_the_clis(cat) -> None:
    with pytest.raises(ReadOnlyError) as info:
        service.run_sql(cat, "DROP TABLE runs")
    message = str(info.value)
    assert "read-only" in message and service.HINTS[ReadOnlyError] in message
    assert "workbench " not in message and "--" not in message


def test_detail_view_reads_the_run_detail_fields(cat) -> None:
    detail = service.get_run(cat, "aaaa1111")
    data = normalise(detail)
    assert (data.run_id, data.name, data.project) == ("aaaa1111", "lr-0.1", "iris")
    assert data.metrics == detail.metrics and data.metrics[0].key == "acc"
    assert data.artifacts[0].path == "model.pkl"
    env = dict(data.environment)
    assert env["command"] == "train.py"  # the logged argv, shell-quoted
    assert env["host"] == detail.environment.host
    assert dict(data.info)["duration_s"] == detail.duration_s
    assert data.notes == "best so far"


def test_compare_returns_values_as_logged(cat) -> None:
    comparison = service.compare_runs(cat, ["aaaa1111", "aaaa2222"])
    acc = next(row for row in comparison.rows if (row.section, row.key) == ("metric", "acc"))
    assert all(isinstance(value, float) for value in acc.values)
    assert acc.best == comparison.labels[0]


def test_the_runs_tables_vectorised_durations_match_format_duration() -> None:
    import polars as pl

    seconds = [None, -1.0, 0.0, 0.4, 59.6, 60.0, 754.0, 3599.4, 3600.0, 11220.0, 86400.0, 187200.0]
    frame = pl.DataFrame({"duration_s": seconds}, schema={"duration_s": pl.Float64})
    shown = frame.select(_duration_expr("duration_s"))["duration_s"].to_list()
    assert shown == [format_duration(s) or None for s in seconds]
