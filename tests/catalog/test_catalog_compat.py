"""The DuckDB compatibility point works on the installed DuckDB, whichever supported line it is."""

from __future__ import annotations

import duckdb

from workbench.catalog.compat import finish_pending


def test_finish_pending_lets_the_next_query_run_after_a_half_read_result():
    con = duckdb.connect()
    try:
        cur = con.execute("SELECT * FROM range(100000)")
        assert cur.fetchone() == (0,)  # the result stays half read
        finish_pending(con)
        assert con.sql("SELECT 42").fetchall() == [(42,)]
        finish_pending(con)  # nothing pending: a no-op
        assert con.sql("SELECT 43").fetchall() == [(43,)]
    finally:
        con.close()


def test_finish_pending_calls_complete_only_where_the_connection_has_it():
    class WithComplete:
        calls = 0

        def complete(self):
            self.calls += 1

    with_complete = WithComplete()
    finish_pending(with_complete)
    assert with_complete.calls == 1
    finish_pending(object())  # a DuckDB 1.x connection has no complete(): nothing to do
