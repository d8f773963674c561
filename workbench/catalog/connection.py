"""Open the catalog for one unit of work: create and migrate it, retry while another process holds it.

Every caller does `with Catalog(path).connect() as con: ...`. A writer closes the file when
its unit of work ends. A reader's read-only attach may linger a moment after it (at most
READ_LINGER_S idle, MAX_HOLD_S in one stretch), so a burst of reads attaches once.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from workbench.catalog import failures, schema
from workbench.catalog.compat import finish_pending
from workbench.errors import CatalogBusyError, CatalogError

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

#: Seconds to keep retrying while another process holds the catalog's lock
#: (override with $WORKBENCH_BUSY_TIMEOUT or Catalog(busy_timeout=...)).
DEFAULT_BUSY_TIMEOUT_S = 5.0
BUSY_TIMEOUT_ENV = "WORKBENCH_BUSY_TIMEOUT"

_LOCK_MARKERS = ("Could not set lock on file", "Conflicting lock")
_SAME_PROCESS_MARKER = "different configuration"
_PID_RE = re.compile(r"\(PID (\d+)\)")

# DuckDB refuses, inside one process, a second connection to the same file in another mode
# (read-only vs read-write). We count the connections this process has open per file and
# mode: a read-only request while a writer is open here shares the writer's instance; a write
# request while readers are open here waits for them like it waits for another process.
_open_lock = threading.Lock()
#: One migration at a time in this process: threads opening a new or older file together
#: would otherwise both migrate it (a write-write conflict on `schema_version`).
_migrate_lock = threading.Lock()
_open_modes: dict[str, _Open] = {}  # path -> how this process has the file open

#: Seconds a read-only attach is kept after its last reader is done, so that a burst of reads
#: (the app moving through runs, a script reading run after run) attaches once instead of
#: once per read (an attach costs more than a point read). $WORKBENCH_READ_LINGER overrides;
#: 0 turns it off. A writer in another process meets the lock for at most this long.
READ_LINGER_S = 0.2
READ_LINGER_ENV = "WORKBENCH_READ_LINGER"
#: A lingering attach is never kept past this many seconds from its attach; after such a
#: release, reads do not linger for COOLDOWN_S, so a writer that retries gets its turn.
MAX_HOLD_S = 2.0
COOLDOWN_S = 0.5
_cooldown_until: dict[str, float] = {}


class _Open:
    """How this process has one catalog file open: mode, readers, the attach (read-only)."""

    __slots__ = ("read_only", "count", "alias", "identity", "attached_at", "idle_since", "memo",
                 "cursors")

    def __init__(self, read_only: bool, alias: str | None = None, identity: Any = None):
        self.read_only = read_only
        self.count = 1
        self.alias = alias
        self.identity = identity
        self.attached_at = time.monotonic()
        self.idle_since: float | None = None  # set while a read-only attach lingers
        self.memo: dict[str, Any] = {}  # see attach_memo()
        #: Reader cursors a finished unit of work handed back, already `USE`-ing the attach
        #: (a `USE` is a statement of its own, as dear as a point read's lookup).
        self.cursors: list[DuckDBPyConnection] = []


#: id(reader cursor) -> the memo of the attach it reads (see attach_memo).
_memo_of: dict[int, dict[str, Any]] = {}


def attach_memo(con: DuckDBPyConnection) -> dict[str, Any] | None:
    """A dict that lives exactly as long as the read-only attach `con` reads through, for
    answers only a change of the file could make wrong (while the file is attached here, no
    other process can write it, and a write in this process detaches it first); None for a
    connection that is not such a reader."""
    return _memo_of.get(id(con))


class _Retry(Exception):
    """Internal: the file is held (by us or another process); try again shortly."""


def lock_holder(message: str) -> str:
    """Describe the process named in a DuckDB lock error: 'process 1234 (workbench watch)'."""
    match = _PID_RE.search(message)
    if not match:
        return "another process"
    pid = int(match.group(1))
    return f"process {pid} ({process_command(pid)})" if process_command(pid) else f"process {pid}"


def process_command(pid: int) -> str:
    """A short one-line command for `pid` from /proc ('workbench watch'), or '' if unknown."""
    text = " ".join(_process_command(pid).split())
    return text if len(text) <= 60 else text[:59] + "…"


def _process_command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    parts = [p.decode("utf-8", "replace") for p in raw.split(b"\0") if p]
    if not parts:
        return ""
    # "python -m workbench.cli.main --db X watch ..." or ".../bin/workbench --db X watch ..."
    # -> "workbench watch": the subcommand, past the global options.
    for i, part in enumerate(parts):
        base = os.path.basename(part)
        if base == "workbench" or part.endswith("workbench/cli/main.py"):
            return workbench_command(parts[i + 1 :])
        if part == "-m" and i + 1 < len(parts):
            if parts[i + 1].split(".")[0] == "workbench":
                return workbench_command(parts[i + 2 :])
            return " ".join(parts[i + 1 : i + 4])
    return " ".join(os.path.basename(p) if j == 0 else p for j, p in enumerate(parts[:3]))


#: Global options of the `workbench` command that take a value.
_GLOBAL_VALUE_OPTIONS = {"--db"}
#: Commands whose subcommand names what they do ("workbench models promote").
_COMMAND_GROUPS = {"models", "datasets", "drift"}


def workbench_command(args: list[str]) -> str:
    """'workbench ingest' (or 'workbench models promote') from the arguments after the
    program; 'workbench (the app)' when no subcommand was given."""
    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in _GLOBAL_VALUE_OPTIONS:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        words.append(arg)
        if words[0] not in _COMMAND_GROUPS or len(words) == 2:
            break
    return "workbench " + " ".join(words) if words else "workbench (the app)"


class Catalog:
    """A handle on the catalog file; cheap to create, holds nothing open between calls."""

    def __init__(self, path: str | os.PathLike[str], busy_timeout: float | None = None):
        self.path = Path(path).expanduser().absolute()
        if busy_timeout is None:
            try:
                busy_timeout = float(os.environ.get(BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT_S))
            except ValueError:
                busy_timeout = DEFAULT_BUSY_TIMEOUT_S
        self.busy_timeout = busy_timeout
        self._checked_version = False

    def __repr__(self) -> str:
        return f"Catalog({str(self.path)!r})"

    def exists(self) -> bool:
        """True once the catalog file has been created."""
        return self.path.exists()

    # -- opening -------------------------------------------------------------------------

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[DuckDBPyConnection]:
        """Open the catalog for one unit of work and close it afterwards.

        A write open creates the file (and its folder) and migrates an older schema, after
        copying the file aside. A read-only open of a catalog that does not exist yet yields
        an empty in-memory catalog, so reads answer "nothing yet" instead of failing.
        """
        if read_only and not self.path.exists():
            con, alias = _empty_catalog()
            try:
                yield con
            finally:
                con.close()
                with _open_lock:
                    _detach(alias)
            return
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con, key = self._open_with_retry(read_only)
        if not self._checked_version:
            try:
                with self._translated():
                    self._check_schema(con, read_only)
            except _NeedsMigration:
                _release(key, con)
                with self.connect(read_only=False):
                    pass  # migrates (and backs up) the older file
                con, key = self._open_with_retry(read_only)
            except BaseException:
                _release(key, con)
                raise
        clean = False
        try:
            with self._translated():
                yield con
            clean = True
        finally:
            _release(key, con, reuse=clean and read_only)

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """A DuckDB error that means a damaged file or a full disk becomes its one sentence."""
        import duckdb

        try:
            yield
        except (duckdb.Error, OSError) as exc:
            if isinstance(exc, OSError) and not failures.is_disk_full(exc):
                raise
            translated = failures.translate(self.path, exc)
            if translated is None:
                raise
            raise translated from None

    def _open_with_retry(self, read_only: bool) -> tuple[DuckDBPyConnection, str]:
        import duckdb

        deadline = time.monotonic() + self.busy_timeout
        delay = 0.02
        key = str(self.path)
        while True:
            try:
                return _acquire(key, read_only, duckdb), key
            except _Retry as exc:
                last = str(exc)
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                text = str(exc)
                if not any(m in text for m in (*_LOCK_MARKERS, _SAME_PROCESS_MARKER)):
                    raise self._cannot_open(exc) from None
                last = text
            except duckdb.Error as exc:
                raise self._cannot_open(exc) from None
            if time.monotonic() >= deadline:
                holder = lock_holder(last) if "PID" in last else "this process"
                raise CatalogBusyError(
                    f"the catalog at {self.path} is busy: {holder} holds it; try again or stop it"
                )
            time.sleep(delay)
            delay = min(delay * 1.6, 0.25)

    def _cannot_open(self, exc: BaseException) -> CatalogError:
        """One sentence for a failed open: damage and a full disk in our words, else DuckDB's
        first line without its copy of the path (the sentence names the file once)."""
        translated = failures.translate(self.path, exc)
        if translated is not None:
            return translated
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        for quoted in (f'"{self.path}"', f"'{self.path}'", str(self.path)):
            text = text.replace(quoted, "the file")
        return CatalogError(f"cannot open the catalog at {self.path}: {text}")

    def _check_schema(self, con: DuckDBPyConnection, read_only: bool) -> None:
        version = schema.read_version(con)
        if version > schema.SCHEMA_VERSION:
            raise CatalogError(
                f"the catalog at {self.path} has schema version {version}, newer than this "
                f"workbench understands ({schema.SCHEMA_VERSION}); upgrade workbench or use another"
                " catalog file"
            )
        if version < schema.SCHEMA_VERSION:
            if read_only:
                raise _NeedsMigration()
            with _migrate_lock:
                version = schema.read_version(con)  # another thread may have just migrated it
                if version < schema.SCHEMA_VERSION:
                    if version > 0:
                        con.execute("CHECKPOINT")
                        backup = self.path.with_name(f"{self.path.name}.bak-v{version}")
                        shutil.copy2(self.path, backup)
                    schema.apply_migrations(con, version)
        self._checked_version = True

    # -- small conveniences --------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version of the file (0 when it does not exist yet)."""
        if not self.path.exists():
            return 0
        with self.connect(read_only=True) as con:
            return schema.read_version(con)

    def data_version(self) -> int:
        """A counter every ingest that changed rows bumps; cheap change detection for views."""
        with self.connect(read_only=True) as con:
            return read_data_version(con)


class _NeedsMigration(Exception):
    """Internal: a read-only open met an older schema."""


def read_data_version(con: DuckDBPyConnection) -> int:
    """The current data_version counter from an open connection."""
    # fetchall, not fetchone: an unfinished result makes DuckDB refuse the next con.sql().
    rows = con.execute("SELECT value FROM catalog_state WHERE key = 'data_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def bump_data_version(con: DuckDBPyConnection) -> int:
    """Increment data_version (inside the caller's transaction) and return the new value."""
    con.execute(
        "INSERT INTO catalog_state VALUES ('data_version', 1) "
        "ON CONFLICT (key) DO UPDATE SET value = catalog_state.value + 1"
    )
    return read_data_version(con)


def _acquire(key: str, read_only: bool, duckdb: ModuleType) -> DuckDBPyConnection:
    with _open_lock:
        entry = _open_modes.get(key)
        if entry is not None and entry.count == 0 and (  # a read-only attach lingering
            not read_only or entry.identity != _identity(key)
        ):
            _drop(key, entry)  # a writer here, or the file changed: attach afresh
            entry = None
        if entry is not None:
            if entry.read_only != read_only and not read_only:
                raise _Retry("this process has the catalog open read-only")
            if entry.read_only:  # more readers of the file this process has attached
                assert entry.alias is not None
                con = entry.cursors.pop() if entry.cursors else _reader_cursor(entry.alias, duckdb)
                _memo_of[id(con)] = entry.memo
            else:  # a writer also reads: share its instance
                con = _connect(duckdb, key)
            entry.count += 1
            entry.idle_since = None
            return con
        if read_only:
            identity = _identity(key)
            alias = _attach(key, duckdb)
            try:
                con = _reader_cursor(alias, duckdb)
            except BaseException:
                _detach(alias)
                raise
            entry = _open_modes[key] = _Open(True, alias, identity)
            _memo_of[id(con)] = entry.memo
            return con
        con = _connect(duckdb, key)
        _open_modes[key] = _Open(False)
        return con


def _connect(duckdb: ModuleType, key: str) -> DuckDBPyConnection:
    con: DuckDBPyConnection = duckdb.connect(key, read_only=False)
    return con


#: At most this many idle reader cursors are kept per attach.
_MAX_IDLE_CURSORS = 4


def _release(key: str, con: DuckDBPyConnection, reuse: bool = False) -> None:
    """A unit of work is done with `con`. A reader cursor whose work ended without an error
    (`reuse`) goes back to its attach for the next reader; any other is closed."""
    if reuse:
        try:  # outside the lock: the rest of a half-read result may take a while
            finish_pending(con)  # else it would refuse the next reader's query
        except Exception:  # noqa: BLE001 - a cursor that cannot finish is closed, not kept
            reuse = False
    with _open_lock:
        _memo_of.pop(id(con), None)
        entry = _open_modes.get(key)
        try:
            if (reuse and entry is not None and entry.read_only and entry.alias is not None
                    and len(entry.cursors) < _MAX_IDLE_CURSORS):
                entry.cursors.append(con)
            else:
                con.close()
        finally:
            if entry:
                entry.count -= 1
                if entry.count <= 0:
                    _linger_or_drop(key, entry)


def _linger_or_drop(key: str, entry: _Open) -> None:
    """The last reader is done: keep the attach a moment (see READ_LINGER_S), or let go."""
    now = time.monotonic()
    linger = read_linger()
    if not entry.read_only or linger <= 0 or now < _cooldown_until.get(key, 0.0):
        _drop(key, entry)
    elif now - entry.attached_at >= MAX_HOLD_S:
        _drop(key, entry)
        _cooldown_until[key] = now + COOLDOWN_S
    else:
        entry.idle_since = now
        _start_reaper()


def _drop(key: str, entry: _Open) -> None:
    """Forget the open and detach its file (the caller holds _open_lock)."""
    if _open_modes.get(key) is entry:
        del _open_modes[key]
    for cursor in entry.cursors:
        cursor.close()
    entry.cursors.clear()
    if entry.alias is not None:
        _detach(entry.alias)


def read_linger() -> float:
    """Seconds a read-only attach lingers ($WORKBENCH_READ_LINGER, else READ_LINGER_S)."""
    try:
        return float(os.environ.get(READ_LINGER_ENV, READ_LINGER_S))
    except ValueError:
        return READ_LINGER_S


def release_lingering() -> None:
    """Detach every read-only attach that only lingers (nobody is reading it now)."""
    with _open_lock:
        for key, entry in list(_open_modes.items()):
            if entry.count == 0:
                _drop(key, entry)


def _identity(key: str) -> tuple[Any, ...]:
    """What tells a file (and its WAL) apart from the one attached: an attach is reused only
    while this is unchanged."""
    out: list[Any] = []
    for path in (key, key + ".wal"):
        try:
            st = os.stat(path)
        except OSError:
            out.append(None)
        else:
            out.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


_reaper: list[threading.Thread | None] = [None]


def _start_reaper() -> None:
    """One daemon thread detaches lingering attaches when their time is up (caller holds
    _open_lock)."""
    thread = _reaper[0]
    if thread is not None and thread.is_alive():
        return
    thread = threading.Thread(target=_reap, name="workbench-catalog-linger", daemon=True)
    _reaper[0] = thread
    thread.start()


def _reap() -> None:
    """Detach what lingered long enough; stay while anything is attached read-only here (a
    thread started per release cost more than the reads it serves)."""
    while True:
        with _open_lock:
            now = time.monotonic()
            linger = read_linger()
            wait = None
            for key, entry in list(_open_modes.items()):
                if not entry.read_only:
                    continue
                if entry.count != 0 or entry.idle_since is None:
                    wait = linger if wait is None else min(wait, linger)  # being read
                    continue
                due = entry.idle_since + linger
                if due <= now or now - entry.attached_at >= MAX_HOLD_S:
                    _drop(key, entry)
                else:
                    wait = due - now if wait is None else min(wait, due - now)
            if wait is None:
                _reaper[0] = None
                return
        time.sleep(min(max(wait, 0.005), 0.25))


def _after_fork_in_child() -> None:
    """A forked child has its own DuckDB instance: the parent's attaches are not its own."""
    _open_modes.clear()
    _cooldown_until.clear()
    _memo_of.clear()
    _reaper[0] = None


atexit.register(release_lingering)

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# Read-only opens ATTACH the file to one in-memory DuckDB instance per process and DETACH
# it when the last reader is done: the file (and its lock) is held exactly as long as with
# duckdb.connect(path, read_only=True), but the ~12 ms of creating and destroying a DuckDB
# instance is paid once per process instead of once per call (an attach + detach is ~1 ms).
_host: list[Any] = [None, 0]  # [the in-memory connection, the pid that created it]
_aliases = iter(range(1, 1 << 62))


def _host_connection(duckdb: ModuleType) -> DuckDBPyConnection:
    if _host[0] is None or _host[1] != os.getpid():  # a forked child makes its own
        _host[0] = duckdb.connect(
            ":memory:",
            config={"autoinstall_known_extensions": False},
        )
        _host[1] = os.getpid()
    host: DuckDBPyConnection = _host[0]
    return host


def _attach(key: str, duckdb: ModuleType) -> str:
    alias = f"workbench_catalog_{next(_aliases)}"
    quoted = key.replace("'", "''")
    _host_connection(duckdb).execute(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")
    return alias


def _detach(alias: str) -> None:
    host = _host[0]
    if host is not None and _host[1] == os.getpid():
        host.execute(f"DETACH DATABASE IF EXISTS {alias}")


def _reader_cursor(alias: str, duckdb: ModuleType) -> DuckDBPyConnection:
    cur = _host_connection(duckdb).cursor()
    try:
        cur.execute(f"USE {alias}")
    except BaseException:
        cur.close()
        raise
    return cur


def _empty_catalog() -> tuple[DuckDBPyConnection, str]:
    """(cursor, alias) of a fresh in-memory database with the full schema, attached to the
    process's in-memory instance (the caller detaches it)."""
    import duckdb

    with _open_lock:
        alias = f"workbench_catalog_{next(_aliases)}"
        _host_connection(duckdb).execute(f"ATTACH ':memory:' AS {alias}")
        try:
            con = _reader_cursor(alias, duckdb)
        except BaseException:
            _detach(alias)
            raise
    try:
        schema.apply_migrations(con, 0)
    except BaseException:
        con.close()
        with _open_lock:
            _detach(alias)
        raise
    return con, alias
