"""The SQL the ingester needs: read ingest state, and write one batch of runs, points and offsets.

Every write function runs inside the caller's `transaction(con)` (see workbench.ingest.batch);
bulk rows arrive as polars frames / Arrow tables and go in with one statement each.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from workbench.catalog import transaction as _transaction

if TYPE_CHECKING:
    import polars as pl
    from duckdb import DuckDBPyConnection

#: The open catalog connection every function here takes (the ingester's type for it).
Connection: TypeAlias = "DuckDBPyConnection"

#: One ingest_errors row: (path, line or None, message, run_key or None).
ErrorRow = tuple[str, int | None, str, int | None]

RUN_COLUMNS = (
    "run_key", "run_id", "project", "name", "status", "started_at", "ended_at", "heartbeat_at",
    "path", "root", "host", "user_name", "pid", "python", "platform", "command", "cwd",
    "git_commit", "git_branch", "git_dirty", "format_version", "parent_id", "deleted",
)  # fmt: skip


@dataclass
class FileState:
    """What the catalog remembers about one file of a run folder."""

    path: str
    run_key: int | None
    kind: str
    offset: int
    lines: int
    size: int
    mtime: float
    head: str | None
    dev: int | None = None  # the file's identity (st_dev, st_ino) when it was read
    ino: int | None = None


#: FileState.size of a file that could not be read (permissions, an I/O error): it differs
#: from every real size, so each pass tries it again.
UNREAD_SIZE = -2


@dataclass
class IngestState:
    """Everything a pass compares the folders against, loaded in one short read."""

    files: dict[str, FileState] = field(default_factory=dict)
    runs_by_path: dict[str, tuple[int, str, bool]] = field(default_factory=dict)  # key, id, missing
    runs_by_id: dict[str, tuple[int, str, bool]] = field(default_factory=dict)  # key, path, missing
    artifacts: dict[int, dict[str, tuple[int, float]]] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)
    data_version: int = 0  # catalog_state's data_version when this state was read


class CatalogChangedError(Exception):
    """Another process wrote the catalog since this pass read its state: plan again.

    Raised inside `transaction`, which has rolled back by the time the caller sees it.
    """


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """One transaction on an open connection: committed when the block ends, rolled back if
    it raises (anything, KeyboardInterrupt included), so rows and read offsets land together.

    A constraint violation (another process inserted the same run meanwhile) comes out as
    CatalogChangedError.
    """
    import duckdb

    try:
        with _transaction.transaction(con):
            yield con
    except duckdb.ConstraintException as exc:
        raise CatalogChangedError(str(exc)) from exc


def load_state(con: Connection) -> IngestState:
    """Read ingest_files, runs, artifacts and roots into Python dicts."""
    state = IngestState()
    for row in con.execute(
        'SELECT path, run_key, kind, "offset", lines, size, mtime, head, dev, ino FROM ingest_files'
    ).fetchall():
        state.files[row[0]] = FileState(*row)
    for run_key, run_id, path, missing in con.execute(
        "SELECT run_key, run_id, path, missing FROM runs"
    ).fetchall():
        state.runs_by_path[path] = (run_key, run_id, missing)
        state.runs_by_id[run_id] = (run_key, path, missing)
    for run_key, path, size, mtime in con.execute(
        "SELECT run_key, path, size, mtime FROM artifacts"
    ).fetchall():
        state.artifacts.setdefault(run_key, {})[path] = (size, mtime)
    state.roots = [r[0] for r in con.execute("SELECT path FROM roots ORDER BY path").fetchall()]
    state.data_version = data_version(con)
    return state


def data_version(con: Connection) -> int:
    """The catalog's data_version counter (bumped by every commit that changed data)."""
    rows = con.execute("SELECT value FROM catalog_state WHERE key = 'data_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def list_roots(con: Connection) -> list[str]:
    """Every root folder the catalog knows."""
    return [r[0] for r in con.execute("SELECT path FROM roots ORDER BY path").fetchall()]


def add_roots(con: Connection, paths: Sequence[str]) -> None:
    """Remember root folders (already-known ones are left alone)."""
    for path in paths:
        con.execute(
            "INSERT INTO roots VALUES (?, now() AT TIME ZONE 'UTC', NULL) ON CONFLICT DO NOTHING",
            [path],
        )


def mark_roots_scanned(con: Connection, paths: Sequence[str]) -> None:
    """Record when each root was last scanned."""
    if paths:
        con.execute(
            "UPDATE roots SET last_scan_at = now() AT TIME ZONE 'UTC' WHERE list_contains(?, path)",
            [paths],
        )


def current_offsets(con: Connection, paths: list[str]) -> dict[str, int]:
    """Stored offsets of these files right now (inside the write transaction)."""
    if not paths:
        return {}
    rows = con.execute(
        'SELECT path, "offset" FROM ingest_files WHERE list_contains(?, path)', [paths]
    ).fetchall()
    return dict(rows)


def new_run_keys(con: Connection, count: int) -> list[int]:
    """Fresh surrogate keys for new runs."""
    if count <= 0:
        return []
    rows = con.execute("SELECT nextval('run_key_seq') FROM range(?)", [count]).fetchall()
    return [int(r[0]) for r in rows]


def upsert_runs(con: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or update runs (keyed by run_key); clears `missing`, keeps `notes` and ingested_at."""
    import polars as pl

    if not rows:
        return
    frame = pl.DataFrame(
        [{c: r.get(c) for c in RUN_COLUMNS} for r in rows],
        schema={
            "run_key": pl.Int32, "run_id": pl.String, "project": pl.String, "name": pl.String,
            "status": pl.String, "started_at": pl.Datetime("us"), "ended_at": pl.Datetime("us"),
            "heartbeat_at": pl.Datetime("us"), "path": pl.String, "root": pl.String,
            "host": pl.String, "user_name": pl.String, "pid": pl.Int64, "python": pl.String,
            "platform": pl.String, "command": pl.String, "cwd": pl.String,
            "git_commit": pl.String, "git_branch": pl.String, "git_dirty": pl.Boolean,
            "format_version": pl.Int32, "parent_id": pl.String, "deleted": pl.Boolean,
        },
    )  # fmt: skip
    cols = ", ".join(RUN_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in RUN_COLUMNS if c != "run_key")
    con.register("_wb_runs", frame.to_arrow())
    try:
        con.execute(
            f"INSERT INTO runs ({cols}, missing, ingested_at, updated_at) "
            f"SELECT {cols}, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' "
            f"FROM _wb_runs ON CONFLICT (run_key) DO UPDATE SET {updates}, missing = false, "
            "updated_at = now() AT TIME ZONE 'UTC'"
        )
    finally:
        con.unregister("_wb_runs")


def set_notes(con: Connection, run_key: int, notes: str | None) -> None:
    """Store a run's notes.md text."""
    con.execute("UPDATE runs SET notes = ? WHERE run_key = ?", [notes, run_key])


def set_missing(con: Connection, run_keys: list[int], missing: bool) -> None:
    """Flag runs whose folder disappeared (or came back)."""
    if run_keys:
        con.execute(
            "UPDATE runs SET missing = ?, updated_at = now() AT TIME ZONE 'UTC' "
            "WHERE list_contains(?, run_key)",
            [missing, run_keys],
        )


def replace_params_bulk(con: Connection, frame: tuple[list[int], pl.DataFrame]) -> None:
    """Replace params: delete those of the runs in frame[0], insert frame[1] (run_key, key,
    value_text, value_num, value_type). A run new in this transaction need not be listed."""
    _replace_bulk(con, "params", frame, "run_key, key, value_text, value_num, value_type")


def replace_tags_bulk(con: Connection, frame: tuple[list[int], pl.DataFrame]) -> None:
    """Replace tags: delete those of the runs in frame[0], insert frame[1] (run_key, key,
    value)."""
    _replace_bulk(con, "tags", frame, "run_key, key, value")


def _replace_bulk(
    con: Connection, table: str, frame: tuple[list[int], pl.DataFrame], cols: str
) -> None:
    """Delete the rows of the runs in frame[0] and insert the rows of frame[1]."""
    run_keys, rows = frame
    if run_keys:
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, run_key)", [run_keys])
    if rows.height:
        con.register("_wb_rows", rows.to_arrow())
        try:
            con.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _wb_rows "
                "QUALIFY row_number() OVER (PARTITION BY run_key, key) = 1"
            )
        finally:
            con.unregister("_wb_rows")


def forget_file_rows(con: Connection, kind: str, run_key: int, path: str) -> None:
    """Delete what one JSON Lines file contributed (it was replaced, or the run moved)."""
    table = {"metrics": "metric_points", "datasets": "run_datasets", "models": "run_models"}[kind]
    con.execute(f"DELETE FROM {table} WHERE run_key = ?", [run_key])
    if kind == "metrics":
        con.execute("DELETE FROM metric_summary WHERE run_key = ?", [run_key])
    con.execute("DELETE FROM ingest_errors WHERE path = ?", [path])


def forget_run_files(con: Connection, run_key: int) -> None:
    """Drop a run's read positions and per-line data so its folder is read again from scratch."""
    tables = (
        "metric_points",
        "metric_summary",
        "run_datasets",
        "run_models",
        "ingest_errors",
        "artifacts",
    )
    for table in tables:
        con.execute(f"DELETE FROM {table} WHERE run_key = ?", [run_key])
    con.execute("DELETE FROM ingest_files WHERE run_key = ?", [run_key])


def insert_points(con: Connection, frame: pl.DataFrame) -> None:
    """Append metric points (run_key, key, step, ts, value) in one statement."""
    if frame.height == 0:
        return
    con.register("_wb_points", frame.to_arrow())
    try:
        con.execute(
            "INSERT INTO metric_points (run_key, key, step, ts, value) "
            "SELECT run_key, key, step, ts, value FROM _wb_points"
        )
    finally:
        con.unregister("_wb_points")


def insert_records(con: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Append run_datasets or run_models rows (each dict holds run_key and the columns)."""
    if not rows:
        return
    cols = list(rows[0])
    placeholders = ", ".join("?" for _ in cols)
    con.executemany(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})",
        [[r[c] for c in cols] for r in rows],
    )


def upsert_file_states(con: Connection, states: list[FileState]) -> None:
    """Store read positions (offset, line count, size, mtime, head) of files."""
    import polars as pl

    if not states:
        return
    frame = pl.DataFrame(
        {
            "path": [s.path for s in states],
            "run_key": [s.run_key for s in states],
            "kind": [s.kind for s in states],
            "offset": [s.offset for s in states],
            "lines": [s.lines for s in states],
            "size": [s.size for s in states],
            "mtime": [s.mtime for s in states],
            "head": [s.head for s in states],
            "dev": [s.dev for s in states],
            "ino": [s.ino for s in states],
        },
        schema={
            "path": pl.String, "run_key": pl.Int32, "kind": pl.String, "offset": pl.Int64,
            "lines": pl.Int64, "size": pl.Int64, "mtime": pl.Float64, "head": pl.String,
            "dev": pl.UInt64, "ino": pl.UInt64,
        },
    )  # fmt: skip
    cols = 'path, run_key, kind, "offset", lines, size, mtime, head, dev, ino'
    con.register("_wb_files", frame.to_arrow())
    try:
        con.execute(
            f"INSERT INTO ingest_files ({cols}) SELECT {cols} "
            "FROM _wb_files ON CONFLICT (path) DO UPDATE SET run_key = excluded.run_key, "
            'kind = excluded.kind, "offset" = excluded."offset", lines = excluded.lines, '
            "size = excluded.size, mtime = excluded.mtime, head = excluded.head, "
            "dev = excluded.dev, ino = excluded.ino"
        )
    finally:
        con.unregister("_wb_files")


def delete_file_states(con: Connection, paths: list[str]) -> None:
    """Forget files that were removed from their run folder."""
    if paths:
        con.execute("DELETE FROM ingest_files WHERE list_contains(?, path)", [paths])


def file_errors(con: Connection, paths: list[str]) -> set[tuple[str, str]]:
    """(path, message) of the whole-file errors (line NULL) recorded for these files."""
    if not paths:
        return set()
    # Whole-file errors are few; matching them in Python spares binding thousands of paths
    # as a list parameter (a full first ingest passes every file it read).
    wanted = set(paths)
    rows = con.execute("SELECT path, message FROM ingest_errors WHERE line IS NULL").fetchall()
    return {(p, m) for p, m in rows if p in wanted}


def clear_file_errors(con: Connection, paths: list[str]) -> None:
    """Forget the whole-file errors (line NULL) of these files: they were read again."""
    if paths:
        con.execute(
            "DELETE FROM ingest_errors WHERE line IS NULL AND list_contains(?, path)", [paths]
        )


def insert_errors(con: Connection, rows: list[ErrorRow]) -> None:
    """Record bad input: (path, line or None, message, run_key or None)."""
    if rows:
        con.executemany(
            "INSERT INTO ingest_errors VALUES (?, ?, ?, now() AT TIME ZONE 'UTC', ?)",
            [(p, line, m, k) for p, line, m, k in rows],
        )


def replace_artifacts(
    con: Connection, run_key: int, rows: list[tuple[str, int, str, float]], removed: list[str]
) -> None:
    """Upsert (path, size, sha256, mtime) artifact rows and drop the removed paths."""
    if removed:
        con.execute(
            "DELETE FROM artifacts WHERE run_key = ? AND list_contains(?, path)", [run_key, removed]
        )
    if rows:
        con.executemany(
            "INSERT INTO artifacts VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_key, path) DO UPDATE "
            "SET size = excluded.size, sha256 = excluded.sha256, mtime = excluded.mtime",
            [(run_key, *r) for r in rows],
        )


def merge_summaries(con: Connection, frame: pl.DataFrame) -> None:
    """Fold per-(run_key, key) summaries of a batch's new points into metric_summary.

    `frame` columns: run_key, key, last_value, last_step, last_ts, min_value, max_value,
    count — one row per (run_key, key), computed from the new points alone (the ingester does
    it in polars). The stored last point is kept only when its step is greater than the
    batch's (on a tie the new, later line wins); min/max ignore NaN (NULL when all NaN).
    Callers delete a run's summary first when its file is re-read.
    """
    if frame.height == 0:
        return
    con.register("_wb_new", frame.to_arrow())
    try:
        con.execute(
            """
            INSERT OR REPLACE INTO metric_summary
            SELECT b.run_key, b.key,
                   CASE WHEN s.run_key IS NULL OR b.last_step >= s.last_step
                        THEN b.last_value ELSE s.last_value END,
                   CASE WHEN s.run_key IS NULL OR b.last_step >= s.last_step
                        THEN b.last_step ELSE s.last_step END,
                   CASE WHEN s.run_key IS NULL OR b.last_step >= s.last_step
                        THEN b.last_ts ELSE s.last_ts END,
                   CASE WHEN s.min_value IS NULL THEN b.min_value
                        WHEN b.min_value IS NULL THEN s.min_value
                        ELSE least(s.min_value, b.min_value) END,
                   CASE WHEN s.max_value IS NULL THEN b.max_value
                        WHEN b.max_value IS NULL THEN s.max_value
                        ELSE greatest(s.max_value, b.max_value) END,
                   coalesce(s.count, 0) + b.count
            FROM _wb_new b LEFT JOIN metric_summary s ON s.run_key = b.run_key AND s.key = b.key
            """
        )
    finally:
        con.unregister("_wb_new")


def recent_errors(con: Connection, limit: int = 10) -> list[tuple[Any, ...]]:
    """The newest ingest errors: (seen_at, path, line, message)."""
    return con.execute(
        "SELECT seen_at, path, line, message FROM ingest_errors "
        "ORDER BY seen_at DESC, path, line LIMIT ?",
        [limit],
    ).fetchall()


def catalog_counts(con: Connection) -> dict[str, int]:
    """Row counts doctor shows."""
    out = {}
    for name, sql in (
        ("runs", "SELECT count(*) FROM runs"),
        ("missing_runs", "SELECT count(*) FROM runs WHERE missing"),
        ("metric_points", "SELECT count(*) FROM metric_points"),
        ("ingest_errors", "SELECT count(*) FROM ingest_errors"),
    ):
        row = con.execute(sql).fetchone()
        out[name] = int(row[0]) if row is not None else 0
    return out
