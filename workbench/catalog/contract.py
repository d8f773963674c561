"""The typed contract every service function codes against: what a catalog handle offers.

Services (runs, datasets, registry, drift, interop) take a `CatalogLike` and return
dataclasses or polars frames; the CLI and the app are two faces over those functions.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@runtime_checkable
class CatalogLike(Protocol):
    """A handle on one catalog file that opens it for one unit of work at a time.

    `connect()` yields a DuckDB connection and closes (or releases) it on exit; a
    read-only open of a catalog that does not exist yet yields an empty catalog.
    """

    path: Path

    def connect(self, read_only: bool = False) -> AbstractContextManager[DuckDBPyConnection]: ...

    def exists(self) -> bool: ...
