"""The SQL console cannot write: each attack that once worked, against a real catalog file and
real folders, leaves nothing written or executed (statement allow list and sandbox both)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _runfolders import build_catalog, write_run

from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.catalog.sandbox import sandboxed
from workbench.errors import ReadOnlyError, WorkbenchError


def _write(root: Path) -> None:
    write_run(root, "aaaa1111", name="one", params={"lr": 0.1},
              metrics={"loss": [1.0, 0.5, 0.25]})  # fmt: skip


@pytest.fixture
def cat(tmp_path: Path) -> Catalog:
    db, _ = build_catalog(tmp_path, _write)
    return Catalog(db)


def _points(cat: Catalog) -> int:
    return queries.run_sql(cat, "SELECT count(*) AS n FROM metric_points").column("n")[0].as_py()


def _evil_export(folder: Path, marker: Path, link: Path) -> Path:
    """An EXPORT DATABASE folder whose schema.sql writes `marker`, then attaches `link` (a hard
    link to the catalog) and empties its metric_points."""
    folder.mkdir()
    (folder / "schema.sql").write_text(
        f"COPY (SELECT 1 AS x) TO '{_q(marker)}';\n"
        f"ATTACH '{_q(link)}' AS h;\n"
        "DELETE FROM h.metric_points;\n"
        "CREATE TABLE h.pwned AS SELECT 42 AS x;\n"
    )
    (folder / "load.sql").write_text("")
    return folder


def _q(path: Path) -> str:
    return str(path).replace("'", "''")


def test_import_database_is_refused_and_runs_nothing(cat, tmp_path):
    marker = tmp_path / "imported.csv"
    link = tmp_path / "link.duckdb"
    os.link(cat.path, link)
    folder = _evil_export(tmp_path / "export", marker, link)
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, f"PRAGMA import_database('{_q(folder)}')")
    assert not marker.exists()
    assert _points(cat) == 3
    tables = queries.run_sql(cat, "SELECT table_name FROM duckdb_tables()").column(0).to_pylist()
    assert "pwned" not in tables


def test_copy_to_writes_no_file(cat, tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, f"COPY metric_points TO '{target}'")
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, f"COPY (SELECT 1) TO '{target}' (FORMAT csv)")
    assert not target.exists()


def test_attach_of_a_hard_link_cannot_empty_the_catalog(cat, tmp_path):
    link = tmp_path / "link.duckdb"
    os.link(cat.path, link)
    before = _points(cat)
    assert before == 3
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, f"ATTACH '{link}' AS h")
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, "DELETE FROM metric_points")
    assert _points(cat) == before


def test_enable_logging_creates_no_folder(cat, tmp_path):
    logs = tmp_path / "logs"
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, f"CALL enable_logging(storage='file', storage_path='{logs}')")
    assert not logs.exists()


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM read_csv('{csv}')",
        "SELECT * FROM read_text('{csv}')",
        "CREATE TEMP TABLE t AS SELECT 1",
        "USE memory",
        "SET enable_external_access = true",
        "RESET lock_configuration",
        "LOAD httpfs",
        "EXPORT DATABASE '{dir}'",
        "CALL checkpoint()",
        "PRAGMA threads=1",
        "DETACH catalog",
        "VACUUM",
        "-- a comment first\nCOPY runs TO '{dir}.csv'",
    ],
)
def test_other_statements_that_reach_out_are_refused(cat, tmp_path, text):
    csv = tmp_path / "mine.csv"
    csv.write_text("a\n1\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, text.format(csv=csv, dir=tmp_path / "exported"))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "text",
    [
        "SELECT count(*) FROM runs_view",
        "WITH a AS (SELECT 1 AS x) SELECT * FROM a",
        "FROM metric_history LIMIT 1",
        "DESCRIBE runs_view",
        "SHOW TABLES",
        "SUMMARIZE metric_points",
        "EXPLAIN SELECT * FROM runs",
        "EXPLAIN ANALYZE SELECT * FROM runs",
        "VALUES (1, 2)",
        "TABLE params_view",
        "PRAGMA table_info('runs')",
        "PRAGMA show_tables",
        "CALL duckdb_tables()",
        "CALL pragma_version()",
        "/* why */ SELECT 1",
    ],
)
def test_reads_are_allowed(cat, text):
    assert queries.run_sql(cat, text).num_columns >= 1


def test_explain_analyze_of_a_write_is_refused(cat):
    with pytest.raises(ReadOnlyError):
        queries.run_sql(cat, "EXPLAIN ANALYZE DELETE FROM metric_points")
    assert _points(cat) == 3


def test_the_sandbox_alone_refuses_writes(cat, tmp_path):
    """Even a statement the allow list would pass cannot write: the instance is locked."""
    import duckdb

    target = tmp_path / "x.csv"
    with sandboxed(cat) as con:
        for text in (
            f"COPY runs TO '{target}'",
            "DELETE FROM metric_points",
            "SET lock_configuration = false",
            "SET enable_external_access = true",
            f"ATTACH '{tmp_path / 'other.duckdb'}' AS o",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(text)
    assert not target.exists() and not (tmp_path / "other.duckdb").exists()
    assert _points(cat) == 3


def test_an_empty_catalog_answers_without_creating_the_file(tmp_path):
    cat = Catalog(tmp_path / "none.duckdb")
    assert queries.run_sql(cat, "SELECT count(*) AS n FROM runs").column("n")[0].as_py() == 0
    assert not cat.path.exists()


def test_cli_sql_refuses_in_one_line_and_writes_nothing(cat, tmp_path):
    target = tmp_path / "cli.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "workbench.cli.main", "--db", str(cat.path), "sql",
         f"COPY runs TO '{target}'"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: the catalog is read-only") and proc.stderr.count("\n") == 1
    assert not target.exists()


def test_sql_errors_stay_one_sentence(cat):
    with pytest.raises(WorkbenchError, match="^sql error: "):
        queries.run_sql(cat, "SELECT * FROM nothing_here")
