"""Where the catalog file lives: --db flag, then $WORKBENCH_DB, then the per-user data dir."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "WORKBENCH_DB"
DB_FILENAME = "catalog.duckdb"


def user_data_dir() -> Path:
    """The per-user folder where the workbench keeps its catalog and demo data."""
    from platformdirs import user_data_path

    return user_data_path("workbench", appauthor=False)


def resolve_db_path(flag: str | os.PathLike[str] | None = None) -> Path:
    """The catalog path: an explicit --db wins, then $WORKBENCH_DB, then the default."""
    if flag:
        return Path(flag).expanduser().resolve()
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return user_data_dir() / DB_FILENAME
