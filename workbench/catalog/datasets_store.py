"""The SQL of the dataset catalog: sightings become names, content versions and locations.

A *sighting* is one data file seen somewhere (logged by a run, or found by a scan) with its
name and fingerprint. A name gets a new version for each fingerprint it has not had before,
numbered in order of first sight; the content (size, rows, schema, profile) belongs to the
fingerprint, so the same bytes under two paths or two names are one content.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from workbench.catalog.compat import finish_pending
from workbench.catalog.transaction import transaction

if TYPE_CHECKING:
    import polars as pl
    from duckdb import DuckDBPyConnection

#: Columns of a sightings table (one list each handed to `record_scan`).
SIGHTING_COLUMNS = (
    "name", "fingerprint", "path", "format", "size", "rows", "files", "schema_json", "mtime",
    "source", "seen_at",
)  # fmt: skip

_UTC_NOW = "(now() AT TIME ZONE 'UTC')"
_TS = "make_timestamp(CAST(s.seen_at * 1000000 AS BIGINT))"

# Run-logged datasets not yet linked to a version or a location. A relative path is resolved
# against the run folder and dropped (no location) if it climbs out of it with `..`.
_RUN_SIGHTINGS = r"""
WITH logged AS (
  SELECT rd.name, rd.sha256 AS fingerprint,
         CASE WHEN rd.path[1] = '/' OR regexp_matches(rd.path, '^[A-Za-z]:[\\/]') THEN rd.path
              WHEN NOT regexp_matches(rd.path, '(^|[\\/])\.\.([\\/]|$)')
              THEN r.path || '/' || rd.path END AS path,
         rd.format, rd.size, rd.rows,
         TRY_CAST(json_extract(rd.extra, '$.files') AS BIGINT) AS files,
         CAST(json_extract(rd.extra, '$.schema') AS VARCHAR) AS schema_json,
         CAST(NULL AS DOUBLE) AS mtime, 'run' AS source,
         coalesce(rd.logged_at, epoch(r.started_at)) AS seen_at
  FROM run_datasets rd JOIN runs r USING (run_key)
  WHERE rd.sha256 IS NOT NULL
)
SELECT l.* FROM logged l
WHERE NOT EXISTS (SELECT 1 FROM dataset_versions v
                  WHERE v.name = l.name AND v.fingerprint = l.fingerprint)
   OR (l.path IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM dataset_locations d
                       WHERE d.fingerprint = l.fingerprint AND d.path = l.path))
"""


def link_run_datasets(con: DuckDBPyConnection) -> int:
    """Give every dataset a run logged (with a fingerprint) its version and location;
    returns how many sightings were new. Names logged without a fingerprint are listed too."""
    con.execute(
        f"INSERT INTO datasets SELECT name, {_UTC_NOW} FROM run_datasets"
        " GROUP BY name ON CONFLICT DO NOTHING"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_sightings AS {_RUN_SIGHTINGS}")
    try:
        count = int(con.execute("SELECT count(*) FROM _wb_sightings").fetchall()[0][0])
        if count:
            _record_from(con)
    finally:
        con.execute("DROP TABLE IF EXISTS _wb_sightings")
    return count


def _record_from(con: DuckDBPyConnection) -> None:
    """Insert the names, contents, versions and locations the sightings in the temporary
    table _wb_sightings imply."""
    con.execute(
        f"INSERT INTO datasets SELECT name, {_UTC_NOW} FROM _wb_sightings"
        " GROUP BY name ON CONFLICT DO NOTHING"
    )
    con.execute(
        f"""
        INSERT INTO dataset_contents
        SELECT s.fingerprint, any_value(s.format), any_value(s.size), max(s.rows),
               max(s.files), max(s.schema_json), min({_TS})
        FROM _wb_sightings s GROUP BY s.fingerprint
        ON CONFLICT (fingerprint) DO UPDATE SET
          format = coalesce(dataset_contents.format, excluded.format),
          size = coalesce(dataset_contents.size, excluded.size),
          rows = coalesce(dataset_contents.rows, excluded.rows),
          files = coalesce(dataset_contents.files, excluded.files),
          schema_json = coalesce(dataset_contents.schema_json, excluded.schema_json)
        """
    )
    con.execute(
        f"""
        INSERT INTO dataset_versions
        SELECT n.name,
               coalesce(m.top, 0) + row_number() OVER (PARTITION BY n.name
                                                       ORDER BY n.first, n.fingerprint),
               n.fingerprint, n.first
        FROM (SELECT s.name, s.fingerprint, min({_TS}) AS first FROM _wb_sightings s
              GROUP BY ALL) n
        LEFT JOIN (SELECT name, max(version) AS top FROM dataset_versions GROUP BY name) m
               USING (name)
        WHERE NOT EXISTS (SELECT 1 FROM dataset_versions v
                          WHERE v.name = n.name AND v.fingerprint = n.fingerprint)
        """
    )
    con.execute(
        f"""
        INSERT INTO dataset_locations
        SELECT s.fingerprint, s.path, any_value(s.size), max(s.mtime), any_value(s.source),
               max({_TS})
        FROM _wb_sightings s WHERE s.path IS NOT NULL GROUP BY s.fingerprint, s.path
        ON CONFLICT (fingerprint, path) DO UPDATE SET
          mtime = coalesce(excluded.mtime, dataset_locations.mtime),
          seen_at = greatest(excluded.seen_at, dataset_locations.seen_at)
        """
    )
    con.execute(
        "DELETE FROM dataset_errors WHERE path IN (SELECT path FROM _wb_sightings)"
    )


_SIGHTING_TYPES = (
    "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "BIGINT", "VARCHAR", "DOUBLE",
    "VARCHAR", "DOUBLE",
)  # fmt: skip


def _load_sightings(con: DuckDBPyConnection, columns: dict[str, list[Any]]) -> None:
    """Make the temporary table _wb_sightings from Python lists, one per SIGHTING_COLUMNS, in
    one statement (the lists are bound as DuckDB lists and unnested side by side)."""
    select = ", ".join(
        f"unnest(${i + 1}::{kind}[]) AS {name}"
        for i, (name, kind) in enumerate(zip(SIGHTING_COLUMNS, _SIGHTING_TYPES, strict=True))
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _wb_sightings AS SELECT {select}",
        [columns[name] for name in SIGHTING_COLUMNS],
    )


def record_scan(
    con: DuckDBPyConnection,
    sightings: dict[str, list[Any]],
    errors: list[tuple[str, str]],
    unchanged: tuple[list[str], list[str], float] | None = None,
) -> int:
    """Record a scan's sightings (a list per SIGHTING_COLUMNS) and unreadable files in one
    transaction; `unchanged` (fingerprints, paths, when) are locations seen again as they
    were, whose last-seen time moves on. Returns how many versions were new."""
    with transaction(con):
        before = version_count(con)
        if sightings["path"]:
            _load_sightings(con, sightings)
            try:
                _record_from(con)
            finally:
                con.execute("DROP TABLE IF EXISTS _wb_sightings")
        if unchanged is not None and unchanged[0]:
            con.execute(
                """
                UPDATE dataset_locations l SET seen_at = make_timestamp(CAST($3 * 1e6 AS BIGINT))
                FROM (SELECT unnest($1::VARCHAR[]) AS fingerprint, unnest($2::VARCHAR[]) AS path) u
                WHERE l.fingerprint = u.fingerprint AND l.path = u.path
                """,
                list(unchanged),
            )
        record_errors(con, errors)
        new = version_count(con) - before
    return new


def scan_state(con: DuckDBPyConnection, tops: list[str]) -> list[dict[str, Any]]:
    """What the catalog knows of the files under the folders `tops` (a scan's earlier
    sightings): path, size, mtime, epoch seconds last seen, fingerprint, the content's
    format, rows, files and schema, and the dataset names that content has a version in."""
    return _dicts(
        con,
        """
        WITH tops AS (SELECT unnest($1::VARCHAR[]) AS top),
        here AS (
          SELECT DISTINCT l.fingerprint, l.path, l.size, l.mtime, epoch(l.seen_at) AS seen
          FROM dataset_locations l JOIN tops t
            ON l.path = t.top OR starts_with(l.path, rtrim(t.top, '/') || '/')
          WHERE l.mtime IS NOT NULL
        ),
        names AS (
          SELECT fingerprint, list(name ORDER BY name) AS names FROM dataset_versions
          WHERE fingerprint IN (SELECT fingerprint FROM here) GROUP BY fingerprint
        )
        SELECT h.path, h.size, h.mtime, h.seen, h.fingerprint, c.format, c.rows, c.files,
               c.schema_json, coalesce(n.names, []) AS names
        FROM here h JOIN dataset_contents c USING (fingerprint)
        LEFT JOIN names n USING (fingerprint)
        """,
        [tops],
    )


def record_errors(con: DuckDBPyConnection, errors: list[tuple[str, str]]) -> None:
    """Remember files a scan could not read (path, one sentence), replacing older reports."""
    if not errors:
        return
    con.executemany(
        f"INSERT OR REPLACE INTO dataset_errors VALUES (?, ?, {_UTC_NOW})",
        [list(e) for e in errors],
    )


def version_count(con: DuckDBPyConnection) -> int:
    """How many dataset versions the catalog holds."""
    return int(con.execute("SELECT count(*) FROM dataset_versions").fetchall()[0][0])


# -- reads ----------------------------------------------------------------------------------


def list_datasets(con: DuckDBPyConnection) -> pl.DataFrame:
    """One row per dataset name: versions, the latest version's size and rows, runs that used it."""
    finish_pending(con)  # finish any half-read execute() result, else DuckDB refuses con.sql()
    frame: pl.DataFrame = con.sql(
        """
        WITH latest AS (
          SELECT v.name, v.version, c.size, c.rows, c.format
          FROM dataset_versions v JOIN dataset_contents c USING (fingerprint)
          QUALIFY row_number() OVER (PARTITION BY v.name ORDER BY v.version DESC) = 1
        ),
        counts AS (SELECT name, count(*) AS versions FROM dataset_versions GROUP BY name),
        used AS (SELECT name, count(DISTINCT run_key) AS runs FROM run_datasets GROUP BY name)
        SELECT d.name, coalesce(c.versions, 0) AS versions, l.version AS latest,
               l.format, l.size, l.rows, coalesce(u.runs, 0) AS runs
        FROM datasets d LEFT JOIN counts c USING (name) LEFT JOIN latest l USING (name)
        LEFT JOIN used u USING (name)
        ORDER BY d.name
        """
    ).pl()
    return frame


def dataset_exists(con: DuckDBPyConnection, name: str) -> bool:
    """True if a dataset of this name is catalogued."""
    rows = con.execute("SELECT count(*) FROM datasets WHERE name = ?", [name]).fetchall()
    return int(rows[0][0]) > 0


def dataset_names(con: DuckDBPyConnection, near: str, limit: int = 5) -> list[str]:
    """Names that contain `near` (case-insensitive), for "did you mean" messages."""
    rows = con.execute(
        "SELECT name FROM datasets WHERE contains(lower(name), lower(?)) ORDER BY name LIMIT ?",
        [near, limit],
    ).fetchall()
    return [str(r[0]) for r in rows]


def versions(con: DuckDBPyConnection, name: str) -> list[dict[str, Any]]:
    """Every version of a dataset, oldest first, with its content's size, rows, format, schema."""
    return _dicts(
        con,
        """
        SELECT v.name, v.version, v.fingerprint, v.first_seen_at, c.format, c.size, c.rows,
               c.files, c.schema_json, coalesce(u.runs, 0) AS runs
        FROM dataset_versions v JOIN dataset_contents c USING (fingerprint)
        LEFT JOIN (SELECT sha256, count(DISTINCT run_key) AS runs FROM run_datasets
                   WHERE name = $1 GROUP BY sha256) u ON u.sha256 = v.fingerprint
        WHERE v.name = $1 ORDER BY v.version
        """,
        [name],
    )


def locations(con: DuckDBPyConnection, fingerprint: str) -> list[dict[str, Any]]:
    """Where a content has been seen: path, source (run or scan), size, when last seen."""
    return _dicts(
        con,
        "SELECT path, source, size, mtime, seen_at FROM dataset_locations"
        " WHERE fingerprint = ? ORDER BY seen_at DESC, path",
        [fingerprint],
    )


def usage(con: DuckDBPyConnection, name: str, fingerprint: str) -> list[dict[str, Any]]:
    """The runs that logged this version of a dataset, with the role, newest first."""
    return _dicts(
        con,
        """
        SELECT r.run_id, r.project, r.name AS run_name, rd.role, rd.logged_at
        FROM run_datasets rd JOIN runs r USING (run_key)
        WHERE rd.name = ? AND rd.sha256 = ?
        ORDER BY rd.logged_at DESC NULLS LAST, r.run_id
        """,
        [name, fingerprint],
    )


def scan_errors(con: DuckDBPyConnection) -> list[dict[str, Any]]:
    """Files scans could not read: path, message, when."""
    return _dicts(con, "SELECT path, message, seen_at FROM dataset_errors ORDER BY path", [])


def _dicts(con: DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# -- profiles -------------------------------------------------------------------------------

_PROFILE_JSON = ("min_json", "max_json", "quantiles_json", "top_json", "histogram_json")


def load_profile(
    con: DuckDBPyConnection, fingerprint: str
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """(profile header, column rows with JSON fields decoded) cached for a content, or None."""
    head = _dicts(
        con,
        "SELECT rows, columns, distinct_exact, seconds, computed_at FROM dataset_profiles"
        " WHERE fingerprint = ?",
        [fingerprint],
    )
    if not head:
        return None
    columns = _dicts(
        con,
        "SELECT * EXCLUDE (fingerprint) FROM dataset_profile_columns WHERE fingerprint = ?"
        " ORDER BY position",
        [fingerprint],
    )
    for column in columns:
        for key in _PROFILE_JSON:
            text = column.pop(key)
            column[key.removesuffix("_json")] = json.loads(text) if text is not None else None
    return head[0], columns


def save_profile(
    con: DuckDBPyConnection,
    fingerprint: str,
    head: dict[str, Any],
    columns: list[dict[str, Any]],
) -> None:
    """Store (replace) the profile of a content: a header row and one row per column."""
    con.execute("DELETE FROM dataset_profile_columns WHERE fingerprint = ?", [fingerprint])
    con.execute("DELETE FROM dataset_profiles WHERE fingerprint = ?", [fingerprint])
    con.execute(
        f"INSERT INTO dataset_profiles VALUES (?, ?, ?, ?, ?, {_UTC_NOW})",
        [fingerprint, head["rows"], head["columns"], head["distinct_exact"], head["seconds"]],
    )
    scalar = (
        "position", "name", "dtype", "kind", "rows", "null_count", "null_rate",
        "distinct_count", "distinct_exact",
    )  # fmt: skip
    numeric = ("mean", "std")
    rows = []
    for col in columns:
        row = [fingerprint, *(col[k] for k in scalar)]
        row += [json.dumps(col[k.removesuffix("_json")]) for k in _PROFILE_JSON[:2]]
        row += [col[k] for k in numeric]
        row += [json.dumps(col[k.removesuffix("_json")]) for k in _PROFILE_JSON[2:]]
        rows.append(row)
    if rows:
        con.executemany(
            "INSERT INTO dataset_profile_columns (fingerprint, position, name, dtype, kind,"
            " rows, null_count, null_rate, distinct_count, distinct_exact, min_json, max_json,"
            " mean, std, quantiles_json, top_json, histogram_json)"
            f" VALUES ({', '.join('?' for _ in rows[0])})",
            rows,
        )
