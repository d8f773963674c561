"""`dataset profile`: a version's profile from the catalog, computed once per content.

The profile belongs to the fingerprint: computed on first request (out of core, in the
caller's thread: the app runs it in a worker), stored in the catalog, then served from it.
"""

from __future__ import annotations

from typing import Any

from workbench.catalog import datasets_store as store
from workbench.catalog.contract import CatalogLike
from workbench.datasets.profile import (
    Cancel,
    ColumnProfile,
    DatasetProfile,
    Progress,
    compute_profile,
)
from workbench.datasets.refs import DatasetRef
from workbench.datasets.versions import DatasetVersion, version_in
from workbench.errors import DataChangedError
from workbench.formats.fingerprint import FingerprintCache, fingerprint


def cached_profile(cat: CatalogLike, fingerprint_: str) -> DatasetProfile | None:
    """The stored profile of a content, or None if it was never profiled."""
    with cat.connect(read_only=True) as con:
        return _stored(con, fingerprint_)


def _stored(con: Any, fingerprint_: str) -> DatasetProfile | None:
    found = store.load_profile(con, fingerprint_)
    if found is None:
        return None
    head, rows = found
    columns = [ColumnProfile(**row) for row in rows]
    return DatasetProfile(
        fingerprint_, int(head["rows"]), columns, bool(head["distinct_exact"]),
        float(head["seconds"] or 0.0), cached=True,
    )  # fmt: skip


def profile_version(
    cat: CatalogLike,
    ref: str | DatasetRef,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    refresh: bool = False,
) -> tuple[DatasetVersion, DatasetProfile]:
    """The version `ref` and its profile: from the catalog if stored, else computed from a
    file that still holds exactly that content, then stored."""
    with cat.connect(read_only=True) as con:
        version = version_in(con, ref)
        found = None if refresh else _stored(con, version.fingerprint)
    if found is not None:
        return version, found
    path = version.readable_path()
    cache = FingerprintCache()
    current = fingerprint(path, cache)
    cache.save()
    if current.sha256 != version.fingerprint:
        raise DataChangedError(
            f"{path} no longer holds {version.ref} (its content changed); scan it again"
        )
    before = path.stat()
    profile = compute_profile(path, version.format, version.fingerprint, progress, cancel)
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise DataChangedError(f"{path} changed while it was being profiled; profile it again")
    head: dict[str, Any] = {
        "rows": profile.rows,
        "columns": len(profile.columns),
        "distinct_exact": profile.distinct_exact,
        "seconds": profile.seconds,
    }
    with cat.connect() as con:
        store.save_profile(con, version.fingerprint, head, [vars(c) for c in profile.columns])
    return version, profile
