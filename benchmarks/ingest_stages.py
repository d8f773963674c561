"""Where a full ingest spends its time: wall and CPU per stage, for bench_ingest.py --stages.

The ingester's own functions are wrapped with timers for one pass (nothing in the package
changes). The pass's thread pools are replaced by an inline executor, so every stage runs on
the calling thread one after another and each stage's wall and process CPU (DuckDB's and
polars' worker threads included) are its own; the overlapped pass is timed separately. Each
stage's time is exclusive: a stage that calls another (a store function calling DuckDB) does
not count the inner one. Statements DuckDB runs are their own rows ("... · DuckDB").
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

#: Stage names in the order the table prints them, grouped under headings.
ORDER = [
    ("planning", [
        "open catalog + create schema", "record roots", "load state (ingest_files lookup)",
        "list folders + stat", "plan (compare with state) + batches",
    ]),
    ("identity / safety", [
        "read run.json + identify", "data_version + stored offset check",
    ]),
    ("reading + parsing", [
        "read metrics.jsonl (open, head check, read)", "parse: polars read_ndjson",
        "parse: field/colon checks", "parse: vector checks", "parse: per-line fallback",
        "parse: other", "summaries (group_by per run, key)", "read params/tags/notes",
    ]),
    ("building batches", [
        "metric_points: key by run (polars)", "polars -> Arrow", "metric_summary: concat + key",
        "params/tags columns", "runs rows (polars)", "file states (polars)",
    ]),
    ("DuckDB writes", [
        "begin", "runs · DuckDB", "params + tags · DuckDB", "metric_points · DuckDB",
        "metric_summary · DuckDB", "ingest_files · DuckDB", "errors · DuckDB",
        "datasets link + data_version · DuckDB", "other SQL · DuckDB",
    ]),
    ("commit + close", [
        "commit", "close (checkpoint)",
    ]),
]  # fmt: skip


class Timers:
    """Exclusive wall and CPU per stage name, on one thread (the pass runs inline)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[Any]] = []  # [name, wall0, cpu0, child_wall, child_cpu]

    @property
    def current(self) -> str | None:
        return self._stack[-1][0] if self._stack else None

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        frame = [name, time.perf_counter(), time.process_time(), 0.0, 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            wall = time.perf_counter() - frame[1]
            cpu = time.process_time() - frame[2]
            self.wall[name] += wall - frame[3]
            self.cpu[name] += cpu - frame[4]
            self.calls[name] += 1
            if self._stack:
                self._stack[-1][3] += wall
                self._stack[-1][4] += cpu

    def wrap(self, fn: Callable[..., Any], name: str | Callable[..., str]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name(*args, **kwargs) if callable(name) else name):
                return fn(*args, **kwargs)

        return timed


#: The DuckDB row a statement counts under, by the stage that runs it.
_SQL_ROWS = {
    "runs rows (polars)": "runs · DuckDB",
    "params/tags columns": "params + tags · DuckDB",
    "metric_points: key by run (polars)": "metric_points · DuckDB",
    "metric_summary: concat + key": "metric_summary · DuckDB",
    "file states (polars)": "ingest_files · DuckDB",
    "errors": "errors · DuckDB",
    "datasets link + data_version": "datasets link + data_version · DuckDB",
    "data_version + stored offset check": "data_version + stored offset check",
    "load state (ingest_files lookup)": "load state (ingest_files lookup)",
    "open catalog + create schema": "open catalog + create schema",
}


class TimedConnection:
    """A DuckDB connection whose statements are timed under the stage that runs them."""

    def __init__(self, con: Any, timers: Timers) -> None:
        self._con = con
        self._timers = timers

    def _row(self, sql: str) -> str:
        head = sql.lstrip()[:16].upper()
        if head.startswith("COMMIT"):
            return "commit"
        if head.startswith("BEGIN"):
            return "begin"
        return _SQL_ROWS.get(self._timers.current or "", "other SQL · DuckDB")

    def execute(self, sql: str, *args: Any) -> Any:
        with self._timers.stage(self._row(sql)):
            self._con.execute(sql, *args)
        return self

    def executemany(self, sql: str, *args: Any) -> Any:
        with self._timers.stage(self._row(sql)):
            self._con.executemany(sql, *args)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class InlineExecutor:
    """A ThreadPoolExecutor stand-in that runs each task at once on the calling thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller like a pool would
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


@contextlib.contextmanager
def instrumented(timers: Timers | None) -> Iterator[None]:
    """Run the pool work inline and (with `timers`) time each stage, for the block's duration."""
    import polars as pl

    from workbench.catalog import connection, ingest_store
    from workbench.formats import metric_lines, runfolder
    from workbench.ingest import batch, ingester, reader

    patches: list[tuple[Any, str, Any]] = [
        (reader, "ThreadPoolExecutor", InlineExecutor),
        (batch, "ThreadPoolExecutor", InlineExecutor),
    ]
    if timers is not None:
        t = timers
        original_open = connection.Catalog._open_with_retry

        def open_timed(self: Any, read_only: bool) -> tuple[Any, str]:
            with t.stage(t.current or "open catalog + create schema"):
                con, key = original_open(self, read_only)
            return (con if read_only else TimedConnection(con, t)), key

        def release_timed(key: str, con: Any, reuse: bool = False) -> None:
            name = "close (checkpoint)" if isinstance(con, TimedConnection) else (t.current or "")
            with t.stage(name or "close (read-only)"):
                original_release(key, con, reuse)

        original_release = connection._release
        writer = batch._BatchWriter
        stages = [
            (ingester, "record_sources", "record roots"),
            (ingester, "_load_state", "load state (ingest_files lookup)"),
            (ingester, "discover_roots", "list folders + stat"),
            (ingester, "plan", "plan (compare with state) + batches"),
            (ingester, "batches", "plan (compare with state) + batches"),
            (ingester, "missing_runs", "plan (compare with state) + batches"),
            (connection.Catalog, "_check_schema", "open catalog + create schema"),
            (batch, "identify", "read run.json + identify"),
            (writer, "_forget_and_check_offsets", "data_version + stored offset check"),
            (ingest_store, "data_version", "data_version + stored offset check"),
            (reader, "prepare_lines", "read metrics.jsonl (open, head check, read)"),
            (runfolder, "parse_metric_chunks", "parse: other"),
            (metric_lines, "_parse_lines_slowly", "parse: per-line fallback"),
            (metric_lines, "_one_field_each", "parse: field/colon checks"),
            (metric_lines, "_vector_checks", "parse: vector checks"),
            (reader, "summarize", "summaries (group_by per run, key)"),
            (batch, "read_small_files", "read params/tags/notes"),
            (writer, "_write_piece", "metric_points: key by run (polars)"),
            (writer, "_flush_points", "metric_points: key by run (polars)"),
            (writer, "_merge_summaries", "metric_summary: concat + key"),
            (batch, "write_params_tags", "params/tags columns"),
            (ingest_store, "upsert_runs", "runs rows (polars)"),
            (ingest_store, "upsert_file_states", "file states (polars)"),
            (ingest_store, "insert_errors", "errors"),
            (ingest_store, "file_errors", "errors"),
            (ingest_store, "clear_file_errors", "errors"),
            (batch, "link_run_datasets", "datasets link + data_version"),
            (batch, "bump_data_version", "datasets link + data_version"),
        ]
        patches += [
            (obj, attr, t.wrap(getattr(obj, attr), name))
            for obj, attr, name in stages
            if attr in obj.__dict__  # (a stage an older ingester does not have is skipped)
        ]
        patches += [
            (connection.Catalog, "_open_with_retry", open_timed),
            (connection, "_release", release_timed),
            (pl.DataFrame, "to_arrow", t.wrap(pl.DataFrame.to_arrow, "polars -> Arrow")),
            (pl, "read_ndjson", t.wrap(pl.read_ndjson, "parse: polars read_ndjson")),
        ]
    saved = [(obj, attr, obj.__dict__[attr]) for obj, attr, _ in patches]
    try:
        for obj, attr, value in patches:
            setattr(obj, attr, value)
        yield
    finally:
        for obj, attr, value in reversed(saved):
            setattr(obj, attr, value)


def _fresh(db: Path) -> None:
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)


def staged_pass(root: Path, db: Path) -> tuple[Timers, float, float]:
    """One full ingest of `root` into a new catalog, inline and timed: (timers, wall, cpu)."""
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    _fresh(db)
    timers = Timers()
    with instrumented(timers):
        t0, c0 = time.perf_counter(), time.process_time()
        ingest_paths(Catalog(db), [root])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    _fresh(db)
    return timers, wall, cpu


def profiled_pass(root: Path, db: Path, top: int = 25) -> str:
    """cProfile of one full ingest run inline (so every stage is on the profiled thread)."""
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    _fresh(db)
    profile = cProfile.Profile()
    with instrumented(None):
        profile.enable()
        ingest_paths(Catalog(db), [root])
        profile.disable()
    _fresh(db)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def read_json_parts(root: Path, db: Path) -> dict[str, float]:
    """DuckDB's read_json of every metrics.jsonl: into memory, and into a file (statement and
    close with its checkpoint apart); wall and CPU of each."""
    import duckdb

    sql = (
        "CREATE TABLE points AS SELECT filename, key, step, timestamp AS ts, value FROM read_json("
        "?, format = 'newline_delimited', filename = true, columns = {key: 'VARCHAR', "
        "value: 'DOUBLE', step: 'BIGINT', timestamp: 'DOUBLE'})"
    )
    pattern = str(root / "**" / "metrics.jsonl")
    out = {}
    for label, target in (("memory", ":memory:"), ("file", str(db))):
        _fresh(db)
        t0, c0 = time.perf_counter(), time.process_time()
        con = duckdb.connect(target)
        con.execute(sql, [pattern])
        t1, c1 = time.perf_counter(), time.process_time()
        con.close()
        t2, c2 = time.perf_counter(), time.process_time()
        out[f"{label}_statement_wall"], out[f"{label}_statement_cpu"] = t1 - t0, c1 - c0
        out[f"{label}_close_wall"], out[f"{label}_close_cpu"] = t2 - t1, c2 - c1
        out[f"{label}_wall"], out[f"{label}_cpu"] = t2 - t0, c2 - c0
    _fresh(db)
    return out


def stage_table(timers: Timers, wall: float, cpu: float) -> list[str]:
    """The table: each stage's wall and CPU and its share of the inline pass."""
    lines = [f"  {'stage':<46} {'wall s':>7} {'share':>6} {'cpu s':>7} {'share':>6} {'calls':>6}"]
    named = {name for _, names in ORDER for name in names}
    for heading, names in ORDER:
        group_wall = sum(timers.wall.get(n, 0.0) for n in names)
        group_cpu = sum(timers.cpu.get(n, 0.0) for n in names)
        lines.append(
            f"  {heading:<46} {group_wall:>7.3f} {group_wall / wall:>6.1%} "
            f"{group_cpu:>7.3f} {group_cpu / cpu:>6.1%}"
        )
        for name in names:
            if timers.calls.get(name):
                w, c = timers.wall[name], timers.cpu[name]
                lines.append(
                    f"    {name:<44} {w:>7.3f} {w / wall:>6.1%} {c:>7.3f} {c / cpu:>6.1%} "
                    f"{timers.calls[name]:>6}"
                )
    unnamed = [n for n in timers.wall if n not in named]
    rest_wall = wall - sum(v for n, v in timers.wall.items() if n in named)
    rest_cpu = cpu - sum(v for n, v in timers.cpu.items() if n in named)
    lines.append(
        f"  {'Python glue (batch/ingester, not timed above)':<46} {rest_wall:>7.3f} "
        f"{rest_wall / wall:>6.1%} {rest_cpu:>7.3f} {rest_cpu / cpu:>6.1%}"
    )
    if unnamed:
        lines.append(f"  (also inside the glue: {', '.join(sorted(unnamed))})")
    lines.append(f"  {'total (inline pass)':<46} {wall:>7.3f} {1:>6.0%} {cpu:>7.3f} {1:>6.0%}")
    return lines
