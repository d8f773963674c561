"""Catalog connections: creation, schema version and migration, lock retry and the busy message."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from workbench.catalog import schema
from workbench.catalog.connection import Catalog, lock_holder
from workbench.errors import CatalogBusyError, CatalogError

PY = sys.executable


def test_first_write_open_creates_file_and_schema(tmp_path):
    cat = Catalog(tmp_path / "new" / "dir" / "catalog.duckdb")
    with cat.connect() as con:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    assert {"runs", "metric_points", "ingest_files", "runs_view", "metric_history"} <= tables
    assert cat.schema_version() == schema.SCHEMA_VERSION
    assert cat.data_version() == 0


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "c.duckdb"
    with Catalog(path).connect() as con:
        con.execute("INSERT INTO schema_version VALUES (99, now())")
    with pytest.raises(CatalogError, match="schema version 99, newer") as info, Catalog(path).connect():
        pass
    assert "--" not in str(info.value)  # the app shows it too: no CLI flag in it


def test_older_schema_is_backed_up_and_migrated(tmp_path, monkeypatch):
    path = tmp_path / "c.duckdb"
    with Catalog(path).connect() as con:
        con.execute("INSERT INTO roots VALUES ('/x', now(), NULL)")

    current = schema.SCHEMA_VERSION
    following = current + 1

    def to_next(con):
        con.execute("ALTER TABLE runs ADD COLUMN favourite BOOLEAN DEFAULT false")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, (following, to_next)])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", following)
    cat = Catalog(path)
    with cat.connect(read_only=True) as con:  # a read-only open migrates via a write open
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == following
        assert con.execute("SELECT path FROM roots").fetchall() == [("/x",)]
        con.execute("SELECT favourite FROM runs")
    backup = tmp_path / f"c.duckdb.bak-v{current}"
    assert backup.exists()
    old = duckdb.connect(str(backup), read_only=True)
    assert old.execute("SELECT max(version) FROM schema_version").fetchone()[0] == current
    old.close()


def test_same_process_mixed_modes_share(tmp_path):
    cat = Catalog(tmp_path / "c.duckdb")
    with cat.connect() as con, cat.connect(read_only=True) as ro:
        con.execute("INSERT INTO roots VALUES ('/a', now(), NULL)")
        assert ro.execute("SELECT count(*) FROM roots").fetchone()[0] == 1


def test_lock_holder_names_the_process():
    proc = subprocess.Popen([PY, "-c", "import time; time.sleep(30)", "workbench-test"])
    try:
        time.sleep(0.2)
        text = lock_holder(f"Conflicting lock is held in /usr/bin/python (PID {proc.pid}). See")
        assert text.startswith(f"process {proc.pid} (")
        assert "python" in text
    finally:
        proc.kill()
        proc.wait()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from workbench.catalog.connection import Catalog
    with Catalog(sys.argv[1]).connect() as con:
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


@pytest.mark.slow
def test_busy_catalog_gives_one_sentence(tmp_path):
    path = tmp_path / "c.duckdb"
    with Catalog(path).connect():
        pass
    holder = subprocess.Popen([PY, "-c", HOLDER, str(path), "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        busy = Catalog(path, busy_timeout=0.5)
        with pytest.raises(CatalogBusyError) as info, busy.connect(read_only=True):
            pass
        assert time.monotonic() - started >= 0.5
        message = str(info.value)
        assert message.startswith(f"the catalog at {path} is busy: process {holder.pid} (")
        assert message.endswith("holds it; try again or stop it")
        assert "\n" not in message
        # With a longer wait the reader gets in once the holder is done.
        with Catalog(path, busy_timeout=10).connect(read_only=True) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    finally:
        holder.kill()
        holder.wait()


WRITER = textwrap.dedent(
    """
    import sys
    from workbench.catalog.connection import Catalog
    from workbench.errors import CatalogBusyError
    cat = Catalog(sys.argv[1], busy_timeout=float(sys.argv[3]))
    try:
        for i in range(20):
            with cat.connect() as con:
                con.execute("INSERT INTO roots VALUES (?, now(), NULL)", [f"{sys.argv[2]}-{i}"])
        print("ok")
    except CatalogBusyError as exc:
        print("busy:", exc)
    """
)


@pytest.mark.slow
def test_two_processes_both_succeed_or_one_gets_the_sentence(tmp_path):
    path = tmp_path / "c.duckdb"
    with Catalog(path).connect():
        pass
    procs = [
        subprocess.Popen(
            [PY, "-c", WRITER, str(path), name, "10"], stdout=subprocess.PIPE, text=True
        )
        for name in ("a", "b")
    ]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    for out in outs:
        assert out == "ok" or (out.startswith("busy: the catalog at") and "holds it" in out)
    done = sum(out == "ok" for out in outs)
    assert done >= 1
    with Catalog(path).connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM roots").fetchone()[0] == 20 * done


# -- read-only opens attach the file to one in-memory instance per process ------------------


@pytest.fixture(autouse=True)
def _nothing_lingers_from_before():
    """Each test counts attaches from a clean start (an earlier test's read may linger)."""
    from workbench.catalog import connection

    connection.release_lingering()


def _attached() -> list[str]:
    from workbench.catalog import connection

    with connection._open_lock:  # the linger thread may be detaching meanwhile
        host = connection._host[0]
        if host is None:
            return []
        rows = host.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal")
        return [r[0] for r in rows.fetchall() if r[0].startswith("workbench_catalog_")]


def _detached(before: list[str], limit: float = 30.0) -> bool:
    """Wait (bounded) until the lingering attach is gone; True when it is."""
    deadline = time.monotonic() + limit
    while _attached() != before:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_read_only_open_detaches_on_close(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_READ_LINGER", "0")
    path = tmp_path / "c.duckdb"
    with Catalog(path).connect() as con:
        con.execute("INSERT INTO roots VALUES ('/a', now(), NULL)")
    before = _attached()
    cat = Catalog(path)
    with cat.connect(read_only=True) as a, cat.connect(read_only=True) as b:
        assert len(_attached()) == len(before) + 1  # both readers share one attach
        assert a.execute("SELECT count(*) FROM roots").fetchone()[0] == 1
        assert b.execute("SELECT count(*) FROM runs_view").fetchone()[0] == 0
        with pytest.raises(duckdb.Error):  # read-only really
            a.execute("INSERT INTO roots VALUES ('/b', now(), NULL)")
    assert _attached() == before
    with cat.connect() as con:  # and the file is writable again here
        con.execute("INSERT INTO roots VALUES ('/b', now(), NULL)")


def test_two_catalogs_read_at_once_see_their_own_data(tmp_path):
    one, two = Catalog(tmp_path / "one.duckdb"), Catalog(tmp_path / "two.duckdb")
    with one.connect() as con:
        con.execute("INSERT INTO roots VALUES ('/one', now(), NULL)")
    with two.connect():
        pass
    empty = tmp_path / "empty.duckdb"  # a DuckDB file without the schema yet
    duckdb.connect(str(empty)).close()
    with one.connect(read_only=True) as a, two.connect(read_only=True) as b:
        assert a.execute("SELECT path FROM roots").fetchall() == [("/one",)]
        assert b.execute("SELECT count(*) FROM roots").fetchone()[0] == 0
        assert schema.read_version(a) == schema.read_version(b) == schema.SCHEMA_VERSION
        # another catalog attached in this process does not make the empty file look migrated
        with Catalog(empty).connect(read_only=True) as c:
            assert c.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert Catalog(empty).schema_version() == schema.SCHEMA_VERSION


def test_readers_in_threads(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "c.duckdb"
    with Catalog(path).connect() as con:
        con.execute("INSERT INTO roots SELECT 'r' || i, now(), NULL FROM range(100) t(i)")

    def read(_):
        with Catalog(path).connect(read_only=True) as con:
            return con.execute("SELECT count(*) FROM roots").fetchone()[0]

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(read, range(40))) == [100] * 40
    assert _detached([])


def test_another_process_can_write_after_a_read(tmp_path):
    path = tmp_path / "c.duckdb"
    with Catalog(path).connect():
        pass
    cat = Catalog(path)
    before = _attached()
    with cat.connect(read_only=True) as con:
        con.execute("SELECT count(*) FROM runs").fetchall()
    assert _detached(before)  # a lingering attach lets go by itself
    code = (
        "import sys, duckdb; c = duckdb.connect(sys.argv[1]);"
        " c.execute(\"INSERT INTO roots VALUES ('/x', now(), NULL)\"); c.close()"
    )
    done = subprocess.run([PY, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with cat.connect(read_only=True) as con:  # and a new read sees the write
        assert con.execute("SELECT path FROM roots").fetchall() == [("/x",)]


def test_path_with_a_quote(tmp_path):
    path = tmp_path / "it's here" / "c.duckdb"
    with Catalog(path).connect():
        pass
    with Catalog(path).connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_missing_catalog_reads_as_empty_and_leaves_nothing(tmp_path):
    path = tmp_path / "none" / "c.duckdb"
    before = _attached()
    with Catalog(path).connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs_view").fetchone()[0] == 0
        assert schema.read_version(con) == schema.SCHEMA_VERSION
    assert not path.exists() and not path.parent.exists()
    assert _attached() == before  # an empty stand-in never lingers


# -- a read-only attach lingers a moment after the last reader -------------------------------


def _catalog_with_root(tmp_path, name="c.duckdb"):
    path = tmp_path / name
    with Catalog(path).connect() as con:
        con.execute("INSERT INTO roots VALUES ('/a', now(), NULL)")
    return Catalog(path)


def test_a_burst_of_reads_attaches_once_then_lets_go(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_READ_LINGER", "0.5")
    cat = _catalog_with_root(tmp_path)
    before = _attached()
    with cat.connect(read_only=True) as con:
        con.execute("SELECT 1").fetchall()
    lingering = _attached()
    assert len(lingering) == len(before) + 1
    for _ in range(20):  # reads meanwhile reuse the same attach
        with cat.connect(read_only=True) as con:
            assert con.execute("SELECT count(*) FROM roots").fetchone()[0] == 1
    assert _attached() == lingering
    assert _detached(before)


def test_a_write_here_does_not_wait_for_a_lingering_read(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_READ_LINGER", "60")
    cat = _catalog_with_root(tmp_path)
    with cat.connect(read_only=True) as con:
        con.execute("SELECT 1").fetchall()
    started = time.monotonic()
    with Catalog(cat.path, busy_timeout=0).connect() as con:  # no retrying at all
        con.execute("INSERT INTO roots VALUES ('/b', now(), NULL)")
    assert time.monotonic() - started < 30
    with cat.connect(read_only=True) as con:  # and the next read sees it
        assert con.execute("SELECT count(*) FROM roots").fetchone()[0] == 2


def test_a_replaced_file_is_attached_afresh(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_READ_LINGER", "60")
    cat = _catalog_with_root(tmp_path)
    other = _catalog_with_root(tmp_path, "other.duckdb")
    with other.connect() as con:
        con.execute("INSERT INTO roots VALUES ('/other', now(), NULL)")
    with cat.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM roots").fetchone()[0] == 1
    other.path.replace(cat.path)  # as a rebuild or an import puts a new file in place
    with cat.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM roots").fetchone()[0] == 2


def test_another_process_gets_its_turn_while_this_one_keeps_reading(tmp_path, monkeypatch):
    from workbench.catalog import connection

    monkeypatch.setenv("WORKBENCH_READ_LINGER", "60")
    monkeypatch.setattr(connection, "MAX_HOLD_S", 0.2)
    cat = _catalog_with_root(tmp_path)
    code = textwrap.dedent(
        """
        import sys
        from workbench.catalog.connection import Catalog
        with Catalog(sys.argv[1], busy_timeout=60).connect() as con:
            con.execute("INSERT INTO roots VALUES ('/writer', now(), NULL)")
        """
    )
    writer = subprocess.Popen([PY, "-c", code, str(cat.path)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    seen = 1
    while seen == 1 and time.monotonic() < deadline:  # reads back to back, as fast as we can
        with cat.connect(read_only=True) as con:
            seen = con.execute("SELECT count(*) FROM roots").fetchone()[0]
    assert writer.wait(timeout=60) == 0, writer.stderr.read() if writer.stderr else ""
    assert seen == 2


def test_lingering_off_by_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_READ_LINGER", "0")
    cat = _catalog_with_root(tmp_path)
    before = _attached()
    with cat.connect(read_only=True) as con:
        con.execute("SELECT 1").fetchall()
    assert _attached() == before


def test_readers_in_a_burst_reuse_one_cursor_and_it_reads_the_file(tmp_path, monkeypatch):
    from workbench.catalog import connection

    monkeypatch.setenv("WORKBENCH_READ_LINGER", "60")
    cat = _catalog_with_root(tmp_path)
    with cat.connect(read_only=True) as first:
        first.execute("SELECT * FROM range(100000)").fetchmany(3)  # left half-read
    with cat.connect(read_only=True) as second:
        assert second is first  # handed back, still reading the attach
        assert second.sql("SELECT count(*) FROM roots").fetchall() == [(1,)]
        assert second.execute("SELECT current_database()").fetchall()[0][0].startswith(
            "workbench_catalog_"
        )
    with pytest.raises(ZeroDivisionError), cat.connect(read_only=True) as failed:
        assert failed is first
        raise ZeroDivisionError
    with cat.connect(read_only=True) as third:  # a unit of work that failed closed its cursor
        assert third is not first
        assert third.execute("SELECT count(*) FROM roots").fetchall() == [(1,)]
    with connection._open_lock:
        kept = list(connection._open_modes[str(cat.path)].cursors)
    assert kept == [third]
    connection.release_lingering()  # the attach goes, and the cursors it kept with it
    with pytest.raises(duckdb.Error):
        third.execute("SELECT 1")
