"""A way back from a broken catalog: a truncated or garbage file, or a full disk, is one
sentence naming the file (from every command, doctor included); `workbench rebuild` makes a
new catalog from the run folders and the registry's log and keeps the old file as a backup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _runfolders import write_run

from workbench.catalog.connection import Catalog
from workbench.catalog.sources import read_sources, sources_path
from workbench.ingest import ingest_paths

COMMANDS = [
    ["runs"],
    ["show", "r1"],
    ["doctor"],
    ["projects"],
    ["sql", "SELECT count(*) FROM runs_view"],
    ["compare", "r1", "r2"],
    ["models"],
    ["datasets"],
    ["ingest", "{root}"],
]


def wb(db: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    """`workbench --db DB ARGS` in a fresh process (after running `code`, when given)."""
    prelude = (code or "") + "\nimport sys\nfrom workbench.cli.main import main\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + "sys.exit(main(sys.argv[1:]))", "--db", str(db), *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture
def catalog(tmp_path: Path) -> tuple[Path, Path]:
    """(catalog, root): three runs ingested; the roots recorded beside the catalog."""
    root = tmp_path / "runs"
    for i in (1, 2, 3):
        write_run(root, f"r{i}", params={"lr": i / 10}, metrics={"acc": [0.5, 0.5 + i / 10]})
    db = tmp_path / "catalog.duckdb"
    ingest_paths(Catalog(db), [root])
    return db, root


def truncate(db: Path) -> None:
    """Cut the file after its headers, as a copy or a crash cut short would."""
    with open(db, "r+b") as fh:
        fh.truncate(20_000)


def garbage(db: Path) -> None:
    db.write_bytes(os.urandom(64 * 1024))


def run_count(db: Path) -> int:
    with Catalog(db).connect(read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]


@pytest.mark.parametrize("damage", [truncate, garbage], ids=["truncated", "garbage"])
def test_every_command_says_one_sentence_naming_the_file_and_the_way_out(catalog, damage):
    db, root = catalog
    damage(db)
    for args in COMMANDS:
        args = [a.format(root=root) for a in args]
        result = wb(db, *args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr, args
        assert "workbench rebuild" in result.stdout + result.stderr, args
        if args[0] == "doctor":
            assert f"damaged         the catalog at {db} cannot be read" in result.stdout
            continue
        assert len(lines) == 1, (args, lines)
        assert lines[0].startswith(f"error: the catalog at {db} cannot be read: "), args
        assert lines[0].count(str(db)) == 1, args  # the path once, not repeated by DuckDB's text


FULL_DISK_AT_COMMIT = """
import contextlib, duckdb
from workbench.catalog import ingest_store

@contextlib.contextmanager
def transaction(con):
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("ROLLBACK")  # what a failed commit leaves: nothing of the transaction
    raise duckdb.IOException(
        'IO Error: Could not write file "catalog.duckdb.wal": No space left on device')

ingest_store.transaction = transaction
"""


def test_a_full_disk_at_commit_is_one_sentence_and_loses_nothing(catalog):
    db, root = catalog
    write_run(root, "r4", metrics={"acc": [0.9]})
    result = wb(db, "ingest", str(root), code=FULL_DISK_AT_COMMIT)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: the disk holding the catalog at {db} is full: the change was rolled back and"
        " the catalog is as it was before; free some space and try again"
    ]
    assert run_count(db) == 3
    assert wb(db, "ingest", str(root)).returncode == 0  # space again: the run arrives
    assert run_count(db) == 4


def test_a_full_disk_while_backing_up_before_a_migration_is_one_sentence(tmp_path):
    from workbench.catalog import failures

    error = failures.translate(tmp_path / "c.duckdb", OSError(28, "No space left on device"))
    assert error is not None and "is full" in str(error)


def test_rebuild_of_a_truncated_catalog_from_its_recorded_roots(catalog):
    db, root = catalog
    assert read_sources(db).roots == [str(root.resolve())]
    truncate(db)
    damaged_bytes = db.read_bytes()
    result = wb(db, "rebuild")
    assert result.returncode == 0, result.stderr
    assert "3 runs" in result.stdout
    backups = sorted(db.parent.glob("catalog.duckdb.backup-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == damaged_bytes
    assert f"the old catalog is kept as {backups[0]}" in result.stdout
    assert "reading the runs under 1 folder" in result.stderr  # progress
    assert run_count(db) == 3
    shown = wb(db, "show", "r2", "--json")
    assert json.loads(shown.stdout)["params"] == {"lr": 0.2}
    assert not list(db.parent.glob("*.rebuilding*"))


def test_rebuild_without_a_sidecar_takes_roots_from_the_flag(catalog):
    db, root = catalog
    sources_path(db).unlink()
    garbage(db)
    refused = wb(db, "rebuild")
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"error: no run folders are known for the catalog at {db}")
    assert not list(db.parent.glob("catalog.duckdb.backup-*"))  # nothing was touched
    result = wb(db, "rebuild", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert run_count(db) == 3
    assert read_sources(db).roots == [str(root.resolve())]


def test_rebuild_scans_the_data_folders_datasets_scan_registered(catalog, tmp_path):
    db, _root = catalog
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("a,b\n1,2\n3,4\n")
    assert wb(db, "datasets", "scan", str(data)).returncode == 0
    assert read_sources(db).scanned == [str(data)]
    truncate(db)
    result = wb(db, "rebuild")
    assert result.returncode == 0, result.stderr
    assert "datasets: 1 files in 1 folders" in result.stdout
    listed = wb(db, "datasets", "--json")
    assert "train" in listed.stdout


HOLDER = """
import sys, time
from workbench.catalog.connection import Catalog
with Catalog(sys.argv[2]).connect():
    print("holding", flush=True)
    time.sleep(30)
"""


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--db", "{db}", "ingest", "{root}"], "workbench ingest"),
        (["--db={db}", "models", "promote", "churn"], "workbench models promote"),
    ],
)
def test_the_busy_message_names_the_subcommand_holding_the_catalog(catalog, tmp_path, args, named):
    """The holder is a real process started as `workbench --db CAT ingest ...`; its
    command line, not the global --db option, names it."""
    from workbench.errors import CatalogBusyError

    db, root = catalog
    program = tmp_path / "bin" / "workbench"
    program.parent.mkdir()
    program.write_text(HOLDER.replace("sys.argv[2]", repr(str(db))))
    argv = [a.format(db=db, root=root) for a in args]
    holder = subprocess.Popen([sys.executable, str(program), *argv], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(CatalogBusyError) as info, Catalog(db, busy_timeout=0.5).connect():
            pass
        assert f"is busy: process {holder.pid} ({named}) holds it" in str(info.value)
    finally:
        holder.kill()
        holder.wait()


def test_only_the_catalogs_own_damage_is_called_damage(tmp_path):
    """A user's damaged file read in the SQL console, or a function named checksum, is not
    the catalog's damage."""
    from workbench.catalog import failures

    db = tmp_path / "c.duckdb"
    ours = failures.translate(db, Exception(f'IO Error: Could not read enough bytes from file "{db}"'))
    assert ours is not None and str(db) in str(ours)
    theirs = Exception('IO Error: Could not read enough bytes from file "/data/a.parquet"')
    assert failures.translate(db, theirs) is None
    assert failures.translate(db, Exception("Scalar Function with name checksum does not exist")) is None


@pytest.mark.anyio
async def test_the_app_says_the_catalog_is_damaged_and_the_way_out(catalog):
    from _tui import notifications, wait_for

    from workbench.tui.app import make_app

    db, _root = catalog
    truncate(db)
    app = make_app(db, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:

        def told() -> bool:
            return any(
                f"the catalog at {db} cannot be read" in m and "workbench rebuild" in m
                for m in notifications(app)
            )

        assert await wait_for(pilot, told)
