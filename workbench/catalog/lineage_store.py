"""The SQL of lineage: the edges between dataset versions, runs and models.

Each function returns rows of (upstream kind, upstream key, upstream label, downstream kind,
downstream key, downstream label, edge label); the lineage service turns them into a graph.
A new kind of node (registry versions, drift reports) adds one such function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

EdgeRow = tuple[str, str, str, str, str, str, str]


def _rows(con: DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[EdgeRow]:
    rows = con.execute(sql, params or []).fetchall()
    return [
        (str(a), str(b), str(c), str(d), str(e), str(f), str(g))
        for a, b, c, d, e, f, g in rows
    ]


def dataset_run_edges(con: DuckDBPyConnection) -> list[EdgeRow]:
    """Dataset version -> run for data a run read; run -> dataset version for role 'output'."""
    return _rows(
        con,
        """
        SELECT DISTINCT
          CASE WHEN rd.role = 'output' THEN 'run' ELSE 'dataset' END,
          CASE WHEN rd.role = 'output' THEN r.run_id ELSE v.name || '@' || v.version END,
          CASE WHEN rd.role = 'output' THEN r.project || '/' || r.name
               ELSE v.name || '@' || v.version END,
          CASE WHEN rd.role = 'output' THEN 'dataset' ELSE 'run' END,
          CASE WHEN rd.role = 'output' THEN v.name || '@' || v.version ELSE r.run_id END,
          CASE WHEN rd.role = 'output' THEN v.name || '@' || v.version
               ELSE r.project || '/' || r.name END,
          rd.role
        FROM run_datasets rd JOIN runs r USING (run_key)
        JOIN dataset_versions v ON v.name = rd.name AND v.fingerprint = rd.sha256
        """,
    )


def run_model_edges(con: DuckDBPyConnection) -> list[EdgeRow]:
    """Run -> model for every model a run logged (models.jsonl)."""
    return _rows(
        con,
        """
        SELECT DISTINCT 'run', r.run_id, r.project || '/' || r.name,
               'model', r.run_id || '/' || m.name, m.name || coalesce(' (' || m.flavor || ')', ''),
               'logged'
        FROM run_models m JOIN runs r USING (run_key)
        """,
    )


def models_named(con: DuckDBPyConnection, name: str) -> list[str]:
    """`run_id/name` keys of the models called `name`, most recently logged first."""
    rows = con.execute(
        "SELECT r.run_id || '/' || m.name FROM run_models m JOIN runs r USING (run_key)"
        " WHERE m.name = ? ORDER BY m.logged_at DESC NULLS LAST",
        [name],
    ).fetchall()
    return [str(r[0]) for r in rows]
