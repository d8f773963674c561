"""The SQL console's service: one read-only statement over the catalog, and the views it reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.catalog.compat import finish_pending
from workbench.catalog.queries.common import Rows, Source, open_source
from workbench.errors import ReadOnlyError, WorkbenchError

if TYPE_CHECKING:
    import pyarrow as pa
    from duckdb import DuckDBPyConnection

_READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA", "CALL"}

#: The user-facing views the console can read (created by workbench.catalog.schema).
VIEWS = {
    "runs_view": "run_id, project, name, status (with 'stale'), started_at, ended_at, duration_s, path, missing",
    "metric_history": "run_id, project, run_name, key, step, timestamp, value",
    "latest_metrics": "run_id, key, last_value, min_value, max_value, last_step, count",
    "params_view": "run_id, key, value, value_num",
    "tags_view": "run_id, key, value",
}


def run_sql(cat: Source, text: str) -> pa.Table:
    """Run one read-only SQL statement against the catalog and return a pyarrow Table.

    Writes (INSERT, UPDATE, CREATE, COPY, ATTACH, SET, INSTALL...) are refused with a
    ReadOnlyError; anything DuckDB reports as an error is a WorkbenchError, in one line.
    """
    table: pa.Table = _run_read(cat, text, _arrow_of)
    return table


def run_sql_rows(cat: Source, text: str) -> Rows:
    """run_sql's result as plain rows (column names and tuples; no Arrow)."""
    rows: Rows = _run_read(cat, text, _rows_of)
    return rows


def _run_read(
    cat: Source, text: str, fetch: Callable[[DuckDBPyConnection, str], Any]
) -> Any:
    import duckdb

    if not text or not text.strip():
        raise WorkbenchError("no SQL statement given, e.g. 'SELECT * FROM runs_view'")
    with open_source(cat) as con:
        try:
            statements = con.extract_statements(text)
        except duckdb.Error as exc:
            raise WorkbenchError(f"sql error: {_first_line(exc)}") from None
        if len(statements) != 1:
            raise WorkbenchError(f"only one statement runs at a time; got {len(statements)}")
        kind = statements[0].type.name
        if kind not in _READ_STATEMENTS:
            raise ReadOnlyError(f"the catalog is read-only here: {kind} statements are refused")
        try:
            finish_pending(con)
            con.execute("SET autoinstall_known_extensions = false")
            return fetch(con, text)
        except duckdb.Error as exc:
            message = _first_line(exc)
            if "read-only" in message or "read only" in message:
                raise ReadOnlyError(f"the catalog is read-only here: {message}") from None
            raise WorkbenchError(f"sql error: {message}") from None


def _arrow_of(con: DuckDBPyConnection, text: str) -> pa.Table:
    import pyarrow as pa

    finish_pending(con)
    rel = con.sql(text)
    if rel is None:
        return pa.table({})
    return rel.to_arrow_table()


def _rows_of(con: DuckDBPyConnection, text: str) -> Rows:
    finish_pending(con)
    cursor = con.execute(text)
    if cursor.description is None:
        return Rows([], [])
    return Rows([d[0] for d in cursor.description], cursor.fetchall())


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
