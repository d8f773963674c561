"""The SQL of lineage: the edges between dataset versions, runs, logged models, registered
model versions, production batches and drift reports.

Each `*_edges` function returns rows of (upstream kind, upstream key, upstream label,
downstream kind, downstream key, downstream label, edge label); the lineage service turns them
into a graph. A new kind of node adds one such function (registry_version_edges,
production_batch_edges and drift_report_edges are registered by the registry and drift).
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
    """Dataset version -> run for data a run read; run -> dataset version for the data it
    wrote (role 'output', and 'production': a batch of predictions the run recorded)."""
    return _rows(
        con,
        """
        SELECT DISTINCT
          CASE WHEN written THEN 'run' ELSE 'dataset' END,
          CASE WHEN written THEN r.run_id ELSE v.name || '@' || v.version END,
          CASE WHEN written THEN r.project || '/' || r.name
               ELSE v.name || '@' || v.version END,
          CASE WHEN written THEN 'dataset' ELSE 'run' END,
          CASE WHEN written THEN v.name || '@' || v.version ELSE r.run_id END,
          CASE WHEN written THEN v.name || '@' || v.version
               ELSE r.project || '/' || r.name END,
          rd.role
        FROM (SELECT *, role IN ('output', 'production') AS written FROM run_datasets) rd
        JOIN runs r USING (run_key)
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


# -- the registry: model versions and the production batches they made ---------------------


def _version_label(name: str, version: str) -> str:
    """SQL for a model version's label: `name@version`, then the aliases it holds now in
    brackets ("churn@2 [champion]"); the same from every edge source that names versions."""
    return f"""
    {name} || '@' || {version} || coalesce(' [' || (
        SELECT string_agg(a.alias, ', ' ORDER BY a.alias) FROM model_alias a
        WHERE a.name = {name} AND a.version = {version}) || ']', '')
    """


_VERSION_LABEL = _version_label("v.name", "v.version")
_BATCH_VERSION_LABEL = _version_label("b.model", "b.model_version")


def registry_version_edges(con: DuckDBPyConnection) -> list[EdgeRow]:
    """Run -> registered model version ('registered'), and dataset version -> model version for
    the data its run read when it was registered (labelled with the role: 'train', ...)."""
    return _rows(
        con,
        f"""
        SELECT 'run', v.run_id, coalesce(v.project || '/' || v.run_name, v.run_id),
               'version', v.name || '@' || v.version, {_VERSION_LABEL}, 'registered'
        FROM model_version v
        UNION ALL
        SELECT DISTINCT 'dataset', dv.name || '@' || dv.version, dv.name || '@' || dv.version,
               'version', v.name || '@' || v.version, {_VERSION_LABEL}, d.role
        FROM model_version_dataset d JOIN model_version v USING (name, version)
        JOIN dataset_versions dv ON dv.name = d.dataset AND dv.fingerprint = d.sha256
        WHERE d.role NOT IN ('output', 'production')
        """,
    )


#: Production batches (datasets logged by `log_predictions`) with the version that made them.
_BATCHES = """
    SELECT rd.name AS dataset, rd.sha256,
           json_extract_string(rd.extra, '$.metadata.model') AS model,
           TRY_CAST(json_extract_string(rd.extra, '$.metadata.model_version') AS INTEGER)
               AS model_version
    FROM run_datasets rd
    WHERE rd.role = 'production' AND rd.sha256 IS NOT NULL
"""


def production_batch_edges(con: DuckDBPyConnection) -> list[EdgeRow]:
    """Model version -> the production batches (dataset versions) it made predictions for."""
    return _rows(
        con,
        f"""
        SELECT DISTINCT 'version', b.model || '@' || b.model_version, {_BATCH_VERSION_LABEL},
               'dataset', dv.name || '@' || dv.version, dv.name || '@' || dv.version,
               'production'
        FROM ({_BATCHES}) b
        JOIN dataset_versions dv ON dv.name = b.dataset AND dv.fingerprint = b.sha256
        WHERE b.model IS NOT NULL AND b.model_version IS NOT NULL
        """,
    )


def version_key(con: DuckDBPyConnection, name: str, part: str | None) -> str | None:
    """`name@version` of a registered version: `part` is a number, 'latest', an alias or
    None (the latest); None when there is no such model or version."""
    if part is None or part == "latest":
        row = con.execute("SELECT max(version) FROM model_version WHERE name = ?", [name]).fetchone()
    elif part.isdigit():
        row = con.execute(
            "SELECT version FROM model_version WHERE name = ? AND version = ?", [name, int(part)]
        ).fetchone()
    else:
        row = con.execute(
            "SELECT version FROM model_alias WHERE name = ? AND alias = ?", [name, part]
        ).fetchone()
    return f"{name}@{int(row[0])}" if row and row[0] is not None else None


# -- drift reports ----------------------------------------------------------------------------

_REPORT_LABEL = """
    'report ' || substr(r.report_id, 1, 8) || ': '
    || CASE WHEN r.drift THEN 'drift' ELSE 'no drift' END
    || ', ' || strftime(r.created_at, '%Y-%m-%d %H:%M')
"""


def drift_report_edges(con: DuckDBPyConnection) -> list[EdgeRow]:
    """Dataset version -> drift report, for the report's reference and its current data (by
    content fingerprint); model version -> report when the current data is a production batch
    that version made. Newest report first (then by id), as `drift list` orders them, so every
    node's reports read in that order in the CLI and the app."""
    return _rows(
        con,
        f"""
        SELECT up_kind, up_key, up_label, 'drift', report_id, label, edge FROM (
            SELECT DISTINCT 'dataset' AS up_kind, dv.name || '@' || dv.version AS up_key,
                   dv.name || '@' || dv.version AS up_label, r.report_id, r.created_at,
                   {_REPORT_LABEL} AS label, 'reference' AS edge
            FROM drift_report r JOIN dataset_versions dv ON dv.fingerprint = r.reference_fingerprint
            UNION ALL
            SELECT DISTINCT 'dataset', dv.name || '@' || dv.version, dv.name || '@' || dv.version,
                   r.report_id, r.created_at, {_REPORT_LABEL}, 'current'
            FROM drift_report r JOIN dataset_versions dv ON dv.fingerprint = r.current_fingerprint
            UNION ALL
            SELECT DISTINCT 'version', b.model || '@' || b.model_version, {_BATCH_VERSION_LABEL},
                   r.report_id, r.created_at, {_REPORT_LABEL}, 'checked'
            FROM drift_report r JOIN ({_BATCHES}) b ON b.sha256 = r.current_fingerprint
            WHERE b.model IS NOT NULL AND b.model_version IS NOT NULL
        )
        ORDER BY created_at DESC, report_id, up_kind, up_key, edge
        """,
    )


def report_key(con: DuckDBPyConnection, text: str) -> list[str]:
    """Ids of the drift reports `text` names: an id, a unique prefix, or 'latest'."""
    if text == "latest":
        sql = "SELECT report_id FROM drift_report ORDER BY created_at DESC, report_id LIMIT 1"
        rows = con.execute(sql).fetchall()
    else:
        rows = con.execute(
            "SELECT report_id FROM drift_report WHERE starts_with(report_id, ?)"
            " ORDER BY report_id",
            [text],
        ).fetchall()
    return [str(r[0]) for r in rows]
