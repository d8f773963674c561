"""The SQL of the model registry: its tables (schema v3), their rebuild from the event log,
and the reads the registry services need.

Every registry table is derived from the log (workbench/registry/): `replace_registry`
empties them and writes the replayed state in one transaction. Plain functions taking an
open DuckDB connection; rows come back as dicts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from workbench.catalog.filters import compile_filter
from workbench.catalog.transaction import transaction

REGISTRY_TABLES = """
CREATE TABLE IF NOT EXISTS registered_model (
  name VARCHAR PRIMARY KEY, created_at TIMESTAMP, created_by VARCHAR, latest_version INTEGER);
CREATE TABLE IF NOT EXISTS model_version (
  name VARCHAR NOT NULL, version INTEGER NOT NULL, run_id VARCHAR, project VARCHAR,
  run_name VARCHAR, logged_name VARCHAR, path VARCHAR, flavor VARCHAR, sha256 VARCHAR,
  size BIGINT, registered_at TIMESTAMP, registered_by VARCHAR, description VARCHAR,
  record VARCHAR NOT NULL, PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS model_version_dataset (
  name VARCHAR NOT NULL, version INTEGER NOT NULL, dataset VARCHAR, path VARCHAR,
  sha256 VARCHAR, role VARCHAR, size BIGINT, rows BIGINT, format VARCHAR);
CREATE TABLE IF NOT EXISTS model_alias (
  name VARCHAR NOT NULL, alias VARCHAR NOT NULL, version INTEGER NOT NULL, since TIMESTAMP,
  PRIMARY KEY (name, alias));
CREATE TABLE IF NOT EXISTS gate (
  name VARCHAR NOT NULL, alias VARCHAR NOT NULL, expr VARCHAR NOT NULL, direction VARCHAR,
  added_at TIMESTAMP, added_by VARCHAR);
CREATE TABLE IF NOT EXISTS registry_event (
  seq INTEGER PRIMARY KEY, at_utc TIMESTAMP, who VARCHAR, kind VARCHAR, model VARCHAR,
  alias VARCHAR, from_version INTEGER, to_version INTEGER, reason VARCHAR, forced BOOLEAN,
  prev VARCHAR, hash VARCHAR, event VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS registry_source (path VARCHAR NOT NULL);
"""

_TABLES = (
    "registered_model",
    "model_version",
    "model_version_dataset",
    "model_alias",
    "gate",
    "registry_event",
    "registry_source",
)

Row = dict[str, Any]


def utc(text: Any) -> datetime | None:
    """An ISO 8601 UTC text ('...Z') as a naive UTC datetime; None when it does not parse."""
    if not isinstance(text, str) or not text:
        return None
    raw = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


def _dicts(con: Any, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> list[Row]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# -- the log's head as the catalog saw it -------------------------------------------------


def registry_head(con: Any) -> tuple[int, str | None]:
    """(seq, hash) of the last event the tables were built from; (0, None) when none."""
    rows = con.execute("SELECT seq, hash FROM registry_event ORDER BY seq DESC LIMIT 1").fetchall()
    return (int(rows[0][0]), rows[0][1]) if rows else (0, None)


def registry_source(con: Any) -> str | None:
    """The path of the log the tables were built from (None: never built)."""
    rows = con.execute("SELECT path FROM registry_source").fetchall()
    return str(rows[0][0]) if rows else None


def event_hashes(con: Any) -> dict[int, str]:
    """seq -> hash of every event the tables were built from."""
    return {int(s): str(h) for s, h in con.execute("SELECT seq, hash FROM registry_event").fetchall()}


# -- rebuild ------------------------------------------------------------------------------


def replace_registry(
    con: Any,
    source: str,
    models: Sequence[Mapping[str, Any]],
    versions: Sequence[Mapping[str, Any]],
    aliases: Sequence[Mapping[str, Any]],
    gates: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    only: Sequence[str] | None = None,
) -> None:
    """Write the replayed state in one transaction: every table emptied first, or with `only`,
    just those models' rows replaced and `events` (the new ones) appended."""
    with transaction(con):
        if only is None:
            for table in _TABLES:
                con.execute(f"DELETE FROM {table}")
        else:
            for table in _TABLES[:-2]:
                con.execute(f"DELETE FROM {table} WHERE list_contains(?, name)", [list(only)])
            con.execute("DELETE FROM registry_source")
            keep = set(only)
            models = [m for m in models if m["name"] in keep]
            versions = [v for v in versions if v["name"] in keep]
            aliases = [a for a in aliases if a["name"] in keep]
            gates = [g for g in gates if g["model"] in keep]
        _insert(con, "registered_model", [
            (m["name"], utc(m["created_at"]), m["created_by"], m["latest"]) for m in models
        ])  # fmt: skip
        _insert(con, "model_version", [_version_row(v) for v in versions])
        _insert(con, "model_version_dataset", [
            (v["name"], v["version"], d.get("name"), d.get("path"), d.get("sha256"),
             d.get("role"), d.get("size"), d.get("rows"), d.get("format"))
            for v in versions for d in v["datasets"]
        ])  # fmt: skip
        _insert(con, "model_alias", [
            (a["name"], a["alias"], a["version"], utc(a["since"])) for a in aliases
        ])  # fmt: skip
        _insert(con, "gate", [
            (g["model"], g["alias"], g["expr"], g["direction"], utc(g["added_at"]), g["added_by"])
            for g in gates
        ])  # fmt: skip
        _insert(con, "registry_event", [_event_row(e) for e in events])
        con.execute("INSERT INTO registry_source VALUES (?)", [source])


def _insert(con: Any, table: str, rows: list[tuple[Any, ...]], chunk: int = 500) -> None:
    """Multi-row INSERT statements (one per `chunk` rows): far cheaper than executemany."""
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        one = "(" + ", ".join("?" * len(part[0])) + ")"
        values = ", ".join([one] * len(part))
        con.execute(f"INSERT INTO {table} VALUES {values}", [v for row in part for v in row])


def _version_row(v: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        v["name"], v["version"], v["run_id"], v["project"], v["run_name"], v["logged_name"],
        v["path"], v["flavor"], v["sha256"], v["size"], utc(v["registered_at"]),
        v["registered_by"], v["description"], json.dumps(v, sort_keys=True, allow_nan=False),
    )  # fmt: skip


def _event_row(e: Mapping[str, Any]) -> tuple[Any, ...]:
    def num(key: str) -> int | None:
        value = e.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return (
        e.get("seq"), utc(e.get("at")), e.get("who"), e.get("kind"), e.get("model"),
        e.get("alias"), num("from_version"), num("to_version"), e.get("reason"),
        bool(e.get("forced", False)), e.get("prev"), e.get("hash"),
        json.dumps(dict(e), sort_keys=True, ensure_ascii=False),
    )  # fmt: skip


# -- reads --------------------------------------------------------------------------------


def list_models(con: Any) -> list[Row]:
    """name, versions, latest_version, aliases ({alias: version}), created_at per model."""
    rows = _dicts(
        con,
        """
        SELECT m.name, m.latest_version, m.created_at,
               (SELECT count(*) FROM model_version v WHERE v.name = m.name) AS versions
        FROM registered_model m WHERE m.latest_version IS NOT NULL ORDER BY m.name
        """,
    )
    held: dict[str, dict[str, int]] = {}
    for name, alias, version in con.execute(
        "SELECT name, alias, version FROM model_alias ORDER BY name, alias"
    ).fetchall():
        held.setdefault(name, {})[alias] = int(version)
    for row in rows:
        row["aliases"] = held.get(row["name"], {})
    return rows


def version_records(con: Any, name: str) -> list[Row]:
    """Every version of `name` as its stored record (a dict), oldest first."""
    return [
        json.loads(r[0])
        for r in con.execute(
            "SELECT record FROM model_version WHERE name = ? ORDER BY version", [name]
        ).fetchall()
    ]


def model_aliases(con: Any, name: str) -> dict[str, int]:
    """alias -> version held, for one model."""
    return {
        str(a): int(v)
        for a, v in con.execute(
            "SELECT alias, version FROM model_alias WHERE name = ? ORDER BY alias", [name]
        ).fetchall()
    }


def model_gates(con: Any, name: str) -> list[Row]:
    """The gates of one model, in the order they were added."""
    return _dicts(
        con,
        "SELECT name AS model, alias, expr, direction, added_at, added_by FROM gate"
        " WHERE name = ? ORDER BY added_at, expr",
        [name],
    )


def model_events(con: Any, name: str | None) -> list[Row]:
    """The stored events (as the log wrote them) of one model or all, newest first."""
    if name is None:
        rows = con.execute("SELECT event FROM registry_event ORDER BY seq DESC").fetchall()
    else:
        rows = con.execute(
            "SELECT event FROM registry_event WHERE model = ? ORDER BY seq DESC", [name]
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def run_matches_filter(con: Any, run_id: str, expression: str) -> bool | None:
    """Whether the run matches a filter expression; None when the catalog has no such run."""
    if not con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchall():
        return None
    compiled = compile_filter(expression, prefix="g")
    params: dict[str, Any] = {**compiled.params, "gate_run": run_id}
    sql = f"SELECT count(*) FROM runs r WHERE r.run_id = $gate_run AND ({compiled.sql})"
    return bool(con.execute(sql, params).fetchall()[0][0])


def run_notes(con: Any, run_id: str) -> str | None:
    """The catalog's notes of a run (None when it has none, or no such run)."""
    rows = con.execute("SELECT notes FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return rows[0][0] if rows else None


def run_model_rows(con: Any, run_key: int) -> list[Row]:
    """The models a run logged (run_models rows), oldest first."""
    return _dicts(
        con,
        "SELECT name, path, flavor, sha256, size, metadata, logged_at FROM run_models"
        " WHERE run_key = ? ORDER BY logged_at, name",
        [run_key],
    )


def production_batches(con: Any, name: str, version: int | None = None) -> list[Row]:
    """Datasets logged with role 'production' whose metadata names this model (and version)."""
    rows = _dicts(
        con,
        """
        SELECT r.run_id, r.project, r.path AS run_path, d.name AS dataset, d.rows,
               make_timestamp(CAST(d.logged_at * 1000000 AS BIGINT)) AS logged_at, d.sha256, d.path,
               TRY_CAST(json_extract_string(d.extra, '$.metadata.model_version') AS INTEGER)
                   AS version
        FROM run_datasets d JOIN runs r USING (run_key)
        WHERE d.role = 'production'
          AND json_extract_string(d.extra, '$.metadata.model') = ?
        ORDER BY d.logged_at DESC NULLS LAST
        """,
        [name],
    )
    return [r for r in rows if version is None or r["version"] == version]


def versions_by_fingerprint(con: Any, sha256: str) -> list[Row]:
    """Registered versions whose run used a dataset with this SHA-256 fingerprint (lineage)."""
    return _dicts(
        con,
        """
        SELECT d.name, d.version, d.dataset, d.role, d.path, v.run_id
        FROM model_version_dataset d JOIN model_version v USING (name, version)
        WHERE d.sha256 = ? ORDER BY d.name, d.version
        """,
        [sha256],
    )
