"""Catalog health for `workbench doctor`: where it is, its size and schema, roots, holder, errors."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata

from workbench.catalog import ingest_store, schema
from workbench.catalog.connection import read_data_version
from workbench.catalog.contract import CatalogLike
from workbench.errors import CatalogBusyError, CatalogDamagedError

#: The distributions whose versions `doctor` reports, with the names it shows them under.
REPORTED_PACKAGES = {"duckdb": "DuckDB", "polars": "polars", "pyarrow": "pyarrow", "textual": "Textual"}


def runtime_versions() -> dict[str, str | None]:
    """The Python and key library versions in use, read from package metadata (no imports).

    Keys are "python" and the distribution names in REPORTED_PACKAGES; a package that is not
    installed maps to None.
    """
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for dist in REPORTED_PACKAGES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


@dataclass(frozen=True)
class RootHealth:
    """A folder the catalog watches: does it still exist, and when was it last scanned."""

    path: str
    exists: bool
    last_scan_at: datetime | None


@dataclass(frozen=True)
class RecentError:
    """One of the latest lines ingest skipped, and why."""

    seen_at: datetime | None
    path: str
    line: int | None
    message: str


@dataclass
class CatalogHealth:
    """What `doctor` reports (field order is the order of its --json keys)."""

    catalog: str
    exists: bool
    size_bytes: int
    schema_version: int | None = None
    code_schema_version: int = 0
    busy: str | None = None  # who holds the catalog, when it could not be opened
    damaged: str | None = None  # why the file cannot be read, when it is damaged
    roots: list[RootHealth] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    data_version: int = 0
    recent_errors: list[RecentError] = field(default_factory=list)
    versions: dict[str, str | None] = field(default_factory=runtime_versions)


def doctor_info(cat: CatalogLike) -> CatalogHealth:
    """Catalog path, size, schema, roots, lock holder and the 10 most recent ingest errors."""
    exists = cat.exists()
    info = CatalogHealth(
        catalog=str(cat.path),
        exists=exists,
        size_bytes=cat.path.stat().st_size if exists else 0,
        code_schema_version=schema.SCHEMA_VERSION,
    )
    if not exists:
        return info
    try:
        with cat.connect(read_only=True) as con:
            info.schema_version = schema.read_version(con)
            info.roots = [
                RootHealth(path, os.path.isdir(path), last)
                for path, last in con.execute(
                    "SELECT path, last_scan_at FROM roots ORDER BY path"
                ).fetchall()
            ]
            info.counts = ingest_store.catalog_counts(con)
            info.data_version = read_data_version(con)
            info.recent_errors = [RecentError(*row) for row in ingest_store.recent_errors(con, 10)]
    except CatalogBusyError as exc:
        info.busy = str(exc)
    except CatalogDamagedError as exc:
        info.damaged = str(exc)
    return info
