"""Root folders: the folders of runs the catalog remembers and every pass scans."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from workbench.catalog import ingest_store
from workbench.catalog.contract import CatalogLike
from workbench.errors import NotFoundError


def resolve_roots(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Absolute, resolved paths of folders given by a user; NotFoundError for a missing one."""
    roots = []
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            is_dir = path.is_dir()
        except OSError as exc:  # Python < 3.12 raises for a folder it may not look into
            raise NotFoundError(f"cannot look at the folder {raw}: {exc.strerror}") from None
        if not is_dir:
            raise NotFoundError(f"no such folder: {raw}")
        roots.append(str(path.resolve()))
    return roots


def list_roots(cat: CatalogLike) -> list[str]:
    """Every root folder the catalog knows, sorted ([] before the catalog exists)."""
    if not cat.exists():
        return []
    with cat.connect(read_only=True) as con:
        return ingest_store.list_roots(con)
