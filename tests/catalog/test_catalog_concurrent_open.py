"""Threads of one process opening a new (or older) catalog at once: one migrates, none fails."""

from __future__ import annotations

import threading
from pathlib import Path

from workbench.catalog import schema
from workbench.catalog.connection import Catalog


def test_threads_creating_one_catalog_at_once_all_succeed(tmp_path: Path) -> None:
    """The app's loaders (runs, models, live updates) may all open a new file at once; two of
    them migrating it together was a write-write conflict on `schema_version`."""
    for attempt in range(15):
        path = tmp_path / f"c{attempt}.duckdb"
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def open_it(path: Path = path, barrier: threading.Barrier = barrier,
                    errors: list[BaseException] = errors) -> None:
            barrier.wait()
            try:
                with Catalog(path).connect() as con:
                    con.execute("SELECT 1").fetchall()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [], errors
        assert Catalog(path).schema_version() == schema.SCHEMA_VERSION
