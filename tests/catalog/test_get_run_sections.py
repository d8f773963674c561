"""get_run reads every section of a run in one statement: values come back in their types."""

from __future__ import annotations

import math
from datetime import datetime

from workbench.catalog import queries
from workbench.catalog.connection import Catalog


def _catalog(tmp_path):
    cat = Catalog(tmp_path / "wb.duckdb")
    with cat.connect() as con:
        con.execute(
            "INSERT INTO runs (run_key, run_id, project, name, status, started_at, path)"
            " VALUES (1, 'abc123', 'p', '[red]x[/]', 'finished', TIMESTAMP '2025-01-02 03:04:05',"
            " '/r/abc123'), (2, 'abd999', 'p', 'other', 'finished', NULL, '/r/abd999')"
        )
        con.execute(
            "INSERT INTO params VALUES (1, 'lr', '0.1', 0.1, 'number'), (1, 'n', '3', 3, 'number'),"
            " (1, 'flag', 'true', NULL, 'bool'), (1, 'opt', 'adam \"w\"', NULL, 'string'),"
            " (1, 'none', NULL, NULL, 'null'), (2, 'lr', '9', 9, 'number')"
        )
        con.execute("INSERT INTO tags VALUES (1, 'b', 'two'), (1, 'a', 'one'), (2, 'a', 'x')")
        con.execute(
            "INSERT INTO metric_summary VALUES (1, 'loss', 'nan'::DOUBLE, 7, 1.5, 'nan'::DOUBLE,"
            " 'inf'::DOUBLE, 8), (1, 'acc', 0.123456789012345, 3, 1.0, -1e300, 1e300, 4)"
        )
        con.execute(
            "INSERT INTO artifacts VALUES (1, 'model.pt', 12345678901, 'ab' , 1.0),"
            " (1, 'a.txt', NULL, NULL, NULL)"
        )
        con.execute(
            "INSERT INTO run_datasets VALUES (1, 'train', '/d/t.csv', 'input', 'ff', 10, 5,"
            " 'csv', 2.5, '{\"k\": [1, 2]}')"
        )
        con.execute(
            "INSERT INTO run_models VALUES (1, 'm', '/m', 'torch', 'ee', 7, 'not json', 3.5)"
        )
        con.execute(
            "INSERT INTO ingest_errors VALUES ('/r/abc123/metrics.jsonl', 4, 'bad line',"
            " TIMESTAMP '2025-01-02 03:04:05.5', 1), ('/r/x', NULL, 'late', NULL, 1)"
        )
    return cat


def test_every_section_comes_back_typed(tmp_path):
    run = queries.get_run(_catalog(tmp_path), "abc123")
    assert run.name == "[red]x[/]" and run.started_at == datetime(2025, 1, 2, 3, 4, 5)
    assert run.params == {"flag": True, "lr": 0.1, "n": 3, "none": None, "opt": 'adam "w"'}
    assert isinstance(run.params["n"], int)
    assert list(run.tags.items()) == [("a", "one"), ("b", "two")]
    acc, loss = run.metrics
    assert (acc.key, acc.last, acc.min, acc.max, acc.last_step, acc.count) == (
        "acc", 0.123456789012345, -1e300, 1e300, 3, 4)
    assert loss.key == "loss" and math.isnan(loss.last) and loss.max == math.inf
    assert [(a.path, a.size, a.sha256) for a in run.artifacts] == [
        ("a.txt", None, None), ("model.pt", 12345678901, "ab")]
    (ds,) = run.datasets
    assert (ds.name, ds.rows, ds.logged_at, ds.extra) == ("train", 5, 2.5, {"k": [1, 2]})
    (model,) = run.models
    assert (model.flavor, model.metadata, model.logged_at) == ("torch", "not json", 3.5)
    first, second = run.errors
    assert first.seen_at == datetime(2025, 1, 2, 3, 4, 5, 500000) and first.line == 4
    assert second.seen_at is None and second.line is None


def test_a_prefix_or_name_still_resolves_and_sections_are_the_runs_own(tmp_path):
    cat = _catalog(tmp_path)
    other = queries.get_run(cat, "abd")
    assert other.id == "abd999" and other.params == {"lr": 9} and other.tags == {"a": "x"}
    assert other.metrics == [] and other.errors == [] and other.datasets == []
    assert queries.get_run(cat, "p/[red]x[/]").id == "abc123"
    assert queries.get_run(cat, " abc123 ").id == "abc123"
