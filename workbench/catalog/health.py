"""Catalog health for `workbench doctor`: where it is, its size and schema, roots, holder, errors."""

from __future__ import annotations

import os
import platform
from importlib import metadata

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


def doctor_info(cat) -> dict:
    """What `doctor` reports: catalog path, size, schema, roots, lock holder, recent errors,
    and the Python and library versions in use."""
    from workbench.catalog import ingest_store
    from workbench.catalog.schema import SCHEMA_VERSION
    from workbench.errors import CatalogBusyError

    info: dict = {
        "catalog": str(cat.path),
        "exists": cat.exists(),
        "size_bytes": cat.path.stat().st_size if cat.exists() else 0,
        "schema_version": None,
        "code_schema_version": SCHEMA_VERSION,
        "busy": None,
        "roots": [],
        "counts": {},
        "data_version": 0,
        "recent_errors": [],
        "versions": runtime_versions(),
    }
    if not cat.exists():
        return info
    try:
        with cat.connect(read_only=True) as con:
            from workbench.catalog.connection import read_data_version
            from workbench.catalog.schema import read_version

            info["schema_version"] = read_version(con)
            info["roots"] = [
                {"path": p, "exists": os.path.isdir(p), "last_scan_at": last}
                for p, last in con.execute(
                    "SELECT path, last_scan_at FROM roots ORDER BY path"
                ).fetchall()
            ]
            info["counts"] = ingest_store.catalog_counts(con)
            info["data_version"] = read_data_version(con)
            info["recent_errors"] = [
                {"seen_at": seen, "path": path, "line": line, "message": message}
                for seen, path, line, message in ingest_store.recent_errors(con, 10)
            ]
    except CatalogBusyError as exc:
        info["busy"] = str(exc)
    return info
