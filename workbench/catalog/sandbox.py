"""A DuckDB instance where writing is impossible, for SQL typed by a person (the SQL console).

The catalog is attached read-only to a fresh in-memory instance of its own, then every way out
of that instance is closed before the statement runs: no file or network access
(`enable_external_access = false`: no COPY TO, ATTACH, read_csv, INSTALL, import_database),
no extension auto-loading, and the configuration locked so the statement cannot undo any of
it. The instance lives for one statement and is thrown away with whatever it held.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from workbench.catalog import schema
from workbench.catalog.contract import CatalogLike
from workbench.errors import CatalogBusyError, CatalogError

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

#: Set before the statement runs; `lock_configuration` last, so none can be changed back.
LOCKDOWN = (
    "SET enable_external_access = false",
    "SET allow_community_extensions = false",
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET lock_configuration = true",
)

#: What DuckDB says when the file is open for writing elsewhere in this process or another.
_BUSY_MARKERS = ("Unique file handle conflict", "Could not set lock on file", "Conflicting lock")

_ALIAS = "catalog"


@contextlib.contextmanager
def sandboxed(cat: CatalogLike) -> Iterator[DuckDBPyConnection]:
    """A connection on a locked-down instance with the catalog attached read-only and in use
    (an empty catalog when the file does not exist yet). Closed on exit."""
    import duckdb

    with cat.connect(read_only=True):
        pass  # the usual checks: schema version, migration of an older file, busy retries
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        if cat.exists():
            _attach_with_retry(con, str(cat.path), getattr(cat, "busy_timeout", 5.0))
        else:
            con.execute(f"ATTACH ':memory:' AS {_ALIAS}")
            con.execute(f"USE {_ALIAS}")
            schema.apply_migrations(con, 0)
        con.execute(f"USE {_ALIAS}")
        for statement in LOCKDOWN:
            con.execute(statement)
        yield con
    finally:
        con.close()


def _attach_with_retry(con: DuckDBPyConnection, path: str, timeout: float) -> None:
    import duckdb

    quoted = path.replace("'", "''")
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            con.execute(f"ATTACH '{quoted}' AS {_ALIAS} (READ_ONLY)")
            return
        except duckdb.Error as exc:
            text = str(exc)
            if not any(marker in text for marker in _BUSY_MARKERS):
                raise CatalogError(
                    f"cannot open the catalog at {path}: {text.splitlines()[0]}"
                ) from None
        if time.monotonic() >= deadline:
            raise CatalogBusyError(
                f"the catalog at {path} is busy: it is being written; try again shortly"
            )
        time.sleep(delay)
        delay = min(delay * 1.6, 0.25)
