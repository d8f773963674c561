"""The SQL console's service: one statement that only reads, over the catalog and its views.

Two locks, either of which is enough on its own: the statement must be of a kind known to
read (an allow list, decided by DuckDB's own parser), and it runs in a sandbox where writing
is impossible (workbench.catalog.sandbox: read-only attach, no file access, locked settings).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.catalog.compat import finish_pending
from workbench.catalog.contract import CatalogLike
from workbench.catalog.queries.common import Rows
from workbench.catalog.sandbox import sandboxed
from workbench.errors import ReadOnlyError, WorkbenchError

if TYPE_CHECKING:
    import pyarrow as pa
    from duckdb import DuckDBPyConnection

#: Statement kinds that read. SELECT covers WITH, FROM-first, DESCRIBE, SHOW, SUMMARIZE,
#: VALUES and TABLE; EXPLAIN is allowed when what it explains is; PRAGMA and CALL only for
#: the names below.
_READ_KINDS = {"SELECT"}

#: PRAGMA names and CALLed table functions that only describe the catalog.
_SAFE_NAMES = frozenset(
    {
        "table_info", "show", "show_tables", "show_tables_expanded", "show_databases",
        "database_list", "database_size", "storage_info", "metadata_info", "version",
        "platform", "functions", "collations", "user_agent",
    }
)
#: Table-function prefixes that only describe the catalog (duckdb_tables(), pragma_version()).
_SAFE_PREFIXES = ("duckdb_", "pragma_")
_DENIED_PREFIXES = ("duckdb_secrets", "duckdb_logs", "duckdb_log_contexts")

_COMMENTS = re.compile(r"^(\s+|--[^\n]*(\n|$)|/\*.*?\*/)*", re.S)
_LEAD_NAME = re.compile(r"^(?:PRAGMA|CALL)\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
_EXPLAIN = re.compile(r"^EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.I)

#: The catalog's own views (those workbench.catalog.schema creates), each with its columns
#: in order: runs_view first, then by name.
_VIEW_COLUMNS_SQL = """
SELECT c.table_name, list(c.column_name ORDER BY c.column_index)
FROM duckdb_columns() c
JOIN duckdb_views() v
  ON v.database_name = c.database_name AND v.schema_name = c.schema_name AND v.view_name = c.table_name
WHERE NOT v.internal AND v.schema_name = 'main' AND v.database_name = current_database()
GROUP BY c.table_name
ORDER BY c.table_name <> 'runs_view', c.table_name
"""


def view_columns(cat: CatalogLike) -> dict[str, list[str]]:
    """The views the console is for, each with its columns, read from the catalog itself
    (so the list is the schema's, not a second copy of it)."""
    with cat.connect(read_only=True) as con:
        rows = con.execute(_VIEW_COLUMNS_SQL).fetchall()
    return {name: list(columns) for name, columns in rows}


def run_sql(cat: CatalogLike, text: str) -> pa.Table:
    """Run one SQL statement that reads the catalog and return a pyarrow Table.

    Anything but a read (INSERT, CREATE, COPY, ATTACH, SET, INSTALL, PRAGMA import_database,
    CALL enable_logging...) is a ReadOnlyError; anything DuckDB reports is a WorkbenchError,
    in one line. The statement cannot read or write files: it sees the catalog only.
    """
    table: pa.Table = _run_read(cat, text, _arrow_of)
    return table


def run_sql_rows(cat: CatalogLike, text: str) -> Rows:
    """run_sql's result as plain rows (column names and tuples; no Arrow)."""
    rows: Rows = _run_read(cat, text, _rows_of)
    return rows


def _run_read(
    cat: CatalogLike, text: str, fetch: Callable[[DuckDBPyConnection, str], Any]
) -> Any:
    import duckdb

    if not text or not text.strip():
        raise WorkbenchError("no SQL statement given, e.g. 'SELECT * FROM runs_view'")
    if not isinstance(cat, CatalogLike):
        raise TypeError("run_sql needs a catalog handle, not an open connection")
    with sandboxed(cat) as con:
        check_reads_only(con, text)
        try:
            return fetch(con, text)
        except duckdb.Error as exc:
            message = _first_line(exc)
            if _is_refusal(exc, message):
                raise ReadOnlyError(
                    f"the catalog is read-only here and the console reaches no files: {message}"
                ) from None
            raise WorkbenchError(f"sql error: {message}") from None


def check_reads_only(con: DuckDBPyConnection, text: str) -> None:
    """Raise unless `text` is exactly one statement of a kind that only reads."""
    import duckdb

    try:
        statements = con.extract_statements(text)
    except duckdb.Error as exc:
        # DuckDB 1.4 reads an import_database folder while parsing: the sandbox refuses it
        if _is_refusal(exc, _first_line(exc)):
            raise ReadOnlyError(f"the catalog is read-only here: {_first_line(exc)}") from None
        raise WorkbenchError(f"sql error: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise WorkbenchError(f"only one statement runs at a time; got {len(statements)}")
    statement = statements[0]
    kind = statement.type.name
    body = _COMMENTS.sub("", statement.query, count=1)
    if kind in _READ_KINDS:
        return
    if kind == "EXPLAIN":
        inner = _EXPLAIN.sub("", body, count=1)
        if inner != body and inner.strip():
            check_reads_only(con, inner)
            return
    if kind in ("PRAGMA", "CALL"):
        match = _LEAD_NAME.match(body)
        name = match.group(1).lower() if match else ""
        if _safe_name(name):
            return
        raise ReadOnlyError(
            f"the catalog is read-only here: {kind} {name or '?'} is not one of the statements"
            " that only read"
        )
    raise ReadOnlyError(f"the catalog is read-only here: {kind} statements are refused")


def _safe_name(name: str) -> bool:
    if name.startswith(_DENIED_PREFIXES):
        return False
    return name in _SAFE_NAMES or name.startswith(_SAFE_PREFIXES)


def _is_refusal(exc: Exception, message: str) -> bool:
    import duckdb

    if isinstance(exc, duckdb.PermissionException):
        return True
    return any(
        marker in message
        for marker in ("read-only", "read only", "disabled by configuration", "has been locked")
    )


def _arrow_of(con: DuckDBPyConnection, text: str) -> pa.Table:
    import pyarrow as pa

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
