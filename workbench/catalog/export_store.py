"""The SQL of exports: metric points of filtered runs, every table of the catalog as Arrow
batches, and a catalog file restored from exported tables (older schemas migrated).

Plain functions taking an open DuckDB connection, except `restore_file`, which writes a new
catalog file of its own before anyone else opens it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.catalog import schema
from workbench.catalog.compat import arrow_reader
from workbench.catalog.filters import compile_filter
from workbench.catalog.queries.common import _bind

if TYPE_CHECKING:
    import pyarrow as pa
    from duckdb import DuckDBPyConnection

BATCH_ROWS = 200_000
#: Written by a restore itself (from its migrations; derived documents), never loaded from an
#: export.
NOT_RESTORED = ("schema_version", "run_detail")

_METRICS_SQL = """
SELECT r.run_id, r.project, r.name AS run_name, m.key, m.step,
       CASE WHEN isfinite(m.ts) THEN make_timestamp(CAST(m.ts * 1000000 AS BIGINT)) END AS timestamp,
       m.value
FROM metric_points m JOIN runs r USING (run_key)
WHERE {where}
ORDER BY r.run_id, m.key, m.step, m.ts
"""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def metric_points(con: DuckDBPyConnection, filter: str | None) -> pa.RecordBatchReader:  # noqa: A002
    """Every metric point of the runs matching `filter` (the runs filter language), streamed:
    run_id, project, run_name, key, step, timestamp (UTC), value."""
    compiled = compile_filter(filter, prefix="f")
    sql = _METRICS_SQL.format(where=compiled.sql)
    rel = con.sql(sql, params=_bind(sql, dict(compiled.params)))
    return arrow_reader(rel, BATCH_ROWS)


def table_names(con: DuckDBPyConnection) -> list[str]:
    """The catalog's base tables (not views), sorted."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' ORDER BY table_name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def sequence_values(con: DuckDBPyConnection) -> dict[str, int]:
    """The last value each sequence handed out (0 when never used)."""
    rows = con.execute(
        "SELECT sequence_name, last_value FROM duckdb_sequences()"
        " WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()
    return {str(name): int(last or 0) for name, last in rows}


def table_rows(con: DuckDBPyConnection, table: str) -> pa.RecordBatchReader:
    """All rows of one table, streamed as Arrow batches."""
    return arrow_reader(con.sql(f"SELECT * FROM {_q(table)}"), BATCH_ROWS)


def content_rows(con: DuckDBPyConnection) -> int:
    """Rows in the tables that hold content (runs, datasets, registry, ...): 0 for a catalog
    that only has its schema."""
    total = 0
    for table in table_names(con):
        if table in ("schema_version", "catalog_state"):
            continue
        total += int(con.execute(f"SELECT count(*) FROM {_q(table)}").fetchall()[0][0])
    return total


def set_registry_source(con: DuckDBPyConnection, path: str) -> None:
    """Record that the registry tables were built from the log at `path` (after a restore)."""
    if "registry_source" in table_names(con):
        con.execute("DELETE FROM registry_source")
        con.execute("INSERT INTO registry_source VALUES (?)", [path])


def restore_file(
    path: Path,
    version: int,
    tables: dict[str, Callable[[], Iterator[pa.RecordBatch]]],
    sequences: dict[str, int],
) -> None:
    """Create the catalog file `path` at schema `version`, load each table's batches into it,
    and set the sequences past the values they had; the caller opens it afterwards through
    `Catalog`, which migrates it to the current schema (backing it up first).

    A table the schema at `version` does not have raises ValueError naming it.
    """
    import duckdb

    from workbench.catalog import run_details

    con = duckdb.connect(str(path))
    try:
        con.execute("BEGIN TRANSACTION")
        for number, migrate in schema.MIGRATIONS:
            if number <= version:
                migrate(con)
                con.execute("INSERT INTO schema_version VALUES (?, now() AT TIME ZONE 'UTC')", [number])
        present = set(table_names(con))
        for table, batches in tables.items():
            if table in NOT_RESTORED:
                continue
            if table not in present:
                raise ValueError(table)
            con.execute(f"DELETE FROM {_q(table)}")  # catalog_state's seeded rows
            for batch in batches():
                con.register("_wb_restore", batch)
                try:
                    con.execute(f"INSERT INTO {_q(table)} BY NAME SELECT * FROM _wb_restore")
                finally:
                    con.unregister("_wb_restore")
        for name, last in sequences.items():
            # advanced, not recreated: a column default may depend on the sequence
            if int(last) > 0 and name in sequence_values(con):
                con.execute(f"SELECT max(nextval('{name.replace(chr(39), '')}')) FROM range(?)",
                            [int(last)]).fetchall()
        if "run_detail" in present:
            run_details.fill(con)  # an older file gets them from its migration on open
        if version == schema.SCHEMA_VERSION:
            con.execute(schema.VIEWS)  # an older file gets them from its migration on open
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        path.unlink(missing_ok=True)
        Path(str(path) + ".wal").unlink(missing_ok=True)
        raise
    con.close()

