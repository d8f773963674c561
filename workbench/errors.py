"""Errors a user can cause: each carries one sentence a person can act on."""

from __future__ import annotations

from typing import Any


class WorkbenchError(Exception):
    """Base class for every error the CLI prints as one line (no traceback)."""


class RunFormatError(WorkbenchError, ValueError):
    """A run folder, or a value written to one, breaks the run-folder format."""


class CatalogError(WorkbenchError):
    """The catalog file cannot be used (missing, newer schema, corrupt)."""


class CatalogBusyError(CatalogError):
    """Another process holds the catalog's lock for longer than we waited."""


class CatalogDamagedError(CatalogError):
    """The catalog file is not a readable DuckDB database (truncated, overwritten, corrupt)."""


class DiskFullError(CatalogError):
    """The disk holding the catalog is full: the change was rolled back, nothing was written."""


class FilterSyntaxError(WorkbenchError, ValueError):
    """A runs filter expression does not parse; carries the failing column."""

    def __init__(self, message: str, expression: str = "", column: int = 0) -> None:
        self.expression = expression
        self.column = column
        super().__init__(message)


class NotFoundError(WorkbenchError, LookupError):
    """A run, project, path or key the user named does not exist."""


class RunNotFoundError(NotFoundError):
    """A run reference matches no run, or several."""


class ReadOnlyError(WorkbenchError):
    """A statement would change the catalog where only reading is allowed."""


class DataFileError(WorkbenchError, ValueError):
    """A data file cannot be read: unknown format, unreadable or corrupt."""


class DataChangedError(DataFileError):
    """A data file changed while it was being fingerprinted or profiled."""


class RegistryError(WorkbenchError):
    """A registry request cannot be done as asked (unknown version, alias already held, ...)."""


class GateFailedError(RegistryError):
    """A promotion was refused by a gate; `results` holds every gate's outcome."""

    def __init__(self, message: str, results: list[Any] | None = None) -> None:
        self.results = results or []
        super().__init__(message)


class RegistryBusyError(RegistryError):
    """Another process holds the registry log's lock for longer than we waited."""


class RegistryDamagedError(RegistryError):
    """The registry log fails verification (an event was altered, removed or reordered)."""


class ExportError(WorkbenchError):
    """An export or a restore cannot be done as asked (unknown file type, folder not empty,
    an export from a newer workbench, a damaged export)."""


class CatalogNotEmptyError(ExportError):
    """A restore would overwrite a catalog that already holds runs, datasets or models."""


class InteropError(WorkbenchError):
    """Another tracker's store could not be read or written: not its store, a schema this
    release does not know, a locked or damaged database, an unreachable server."""
