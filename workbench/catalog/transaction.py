"""One transaction on an open catalog connection: the BEGIN / COMMIT / ROLLBACK every store writes through."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@contextmanager
def transaction(con: DuckDBPyConnection) -> Iterator[DuckDBPyConnection]:
    """Run the block in one transaction on `con`: committed when the block ends, rolled back
    if it raises (anything, KeyboardInterrupt included), and the exception passed on."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
