"""The SQL of drift: stored reports and per-column verdicts, cached reference summaries,
and remembered file fingerprints. Plain functions taking an open connection."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from workbench.catalog.compat import finish_pending
from workbench.catalog.transaction import transaction

if TYPE_CHECKING:
    import polars as pl
    from duckdb import DuckDBPyConnection

DRIFT_TABLES = """
CREATE TABLE IF NOT EXISTS drift_report (
  report_id VARCHAR PRIMARY KEY,
  created_at TIMESTAMP NOT NULL,
  reference VARCHAR NOT NULL, current VARCHAR NOT NULL,
  reference_fingerprint VARCHAR, current_fingerprint VARCHAR,
  reference_rows BIGINT, current_rows BIGINT,
  drift BOOLEAN NOT NULL,
  columns_tested INTEGER, columns_drifted INTEGER,
  summary VARCHAR, verdict_rule VARCHAR, seconds DOUBLE,
  report_json VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS drift_column (
  report_id VARCHAR NOT NULL, column_name VARCHAR NOT NULL,
  kind VARCHAR, state VARCHAR NOT NULL, reason VARCHAR,
  min_adjusted_pvalue DOUBLE, ks DOUBLE, wasserstein_sd DOUBLE, psi DOUBLE,
  jensen_shannon DOUBLE, reference_missing DOUBLE, current_missing DOUBLE,
  unseen_count BIGINT,
  PRIMARY KEY (report_id, column_name)
);
CREATE TABLE IF NOT EXISTS reference_summary (
  cache_key VARCHAR PRIMARY KEY,
  fingerprint VARCHAR NOT NULL, label VARCHAR,
  created_at TIMESTAMP NOT NULL, size BIGINT,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS file_fingerprint (
  path VARCHAR PRIMARY KEY, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, sha256 VARCHAR NOT NULL
);
"""

_LIST_COLUMNS = (
    "report_id, created_at, drift, columns_drifted AS drifted, columns_tested AS tested, "
    "reference, current, summary, seconds"
)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def insert_report(con: DuckDBPyConnection, report: dict[str, Any]) -> None:
    """Store one report (its JSON whole, plus a row per column) in one transaction."""
    columns = report["columns"]
    tested = sum(1 for c in columns if c["state"] != "skipped")
    drifted = sum(1 for c in columns if c["state"] == "drift")
    with transaction(con):
        con.execute(
            "INSERT INTO drift_report VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [report["report_id"], datetime.fromisoformat(report["created_at"].rstrip("Z")),
             report["reference"], report["current"], report["reference_fingerprint"],
             report["current_fingerprint"], report["reference_rows"], report["current_rows"],
             report["drift"], tested, drifted, report["summary"], report["verdict_rule"],
             report["seconds"], json.dumps(report)],
        )
        rows = [_column_row(report["report_id"], c) for c in columns]
        if rows:
            con.executemany(
                "INSERT INTO drift_column VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )


def _column_row(report_id: str, c: dict[str, Any]) -> list[Any]:
    q = [t["adjusted_pvalue"] for t in c["tests"] if t["adjusted_pvalue"] is not None]
    e = c["effects"]
    return [report_id, c["column"], c["kind"], c["state"], c["reason"], min(q) if q else None,
            e.get("ks"), e.get("wasserstein_sd"), e.get("psi"), e.get("jensen_shannon"),
            c["reference_missing"], c["current_missing"], c["unseen_count"]]


def list_reports(con: DuckDBPyConnection, limit: int | None = None) -> pl.DataFrame:
    """Stored reports, newest first: one row each, without the per-column detail."""
    sql = f"SELECT {_LIST_COLUMNS} FROM drift_report ORDER BY created_at DESC, report_id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    finish_pending(con)  # finish any half-read execute() result, else DuckDB refuses con.sql()
    frame: pl.DataFrame = con.sql(sql).pl()
    return frame


def report_ids_like(con: DuckDBPyConnection, prefix: str) -> list[str]:
    """Report ids equal to or starting with `prefix`."""
    rows = con.execute(
        "SELECT report_id FROM drift_report WHERE starts_with(report_id, ?) ORDER BY report_id",
        [prefix],
    ).fetchall()
    return [str(r[0]) for r in rows]


def latest_report_id(con: DuckDBPyConnection) -> str | None:
    row = con.execute(
        "SELECT report_id FROM drift_report ORDER BY created_at DESC, report_id LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else None


def report_json(con: DuckDBPyConnection, report_id: str) -> dict[str, Any] | None:
    row = con.execute(
        "SELECT report_json FROM drift_report WHERE report_id = ?", [report_id]
    ).fetchone()
    return cast("dict[str, Any]", json.loads(row[0])) if row else None


def latest_report_for(
    con: DuckDBPyConnection, reference_fingerprint: str, current_fingerprint: str
) -> str | None:
    """The newest report comparing exactly these two datasets (by content), if any."""
    row = con.execute(
        "SELECT report_id FROM drift_report WHERE reference_fingerprint = ? AND "
        "current_fingerprint = ? ORDER BY created_at DESC LIMIT 1",
        [reference_fingerprint, current_fingerprint],
    ).fetchone()
    return str(row[0]) if row else None


def get_summary(con: DuckDBPyConnection, cache_key: str) -> bytes | None:
    row = con.execute(
        "SELECT data FROM reference_summary WHERE cache_key = ?", [cache_key]
    ).fetchone()
    return bytes(row[0]) if row else None


def put_summary(
    con: DuckDBPyConnection, cache_key: str, fingerprint: str, label: str, data: bytes
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO reference_summary VALUES (?, ?, ?, ?, ?, ?)",
        [cache_key, fingerprint, label, _now(), len(data), data],
    )


def get_fingerprint(con: DuckDBPyConnection, path: str, size: int, mtime_ns: int) -> str | None:
    """The SHA-256 remembered for a file, if its size and modification time are unchanged."""
    row = con.execute(
        "SELECT sha256 FROM file_fingerprint WHERE path = ? AND size = ? AND mtime_ns = ?",
        [path, size, mtime_ns],
    ).fetchone()
    return str(row[0]) if row else None


def put_fingerprint(
    con: DuckDBPyConnection, path: str, size: int, mtime_ns: int, sha256: str
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO file_fingerprint VALUES (?, ?, ?, ?)",
        [path, size, mtime_ns, sha256],
    )
