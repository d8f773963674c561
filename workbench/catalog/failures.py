"""What a DuckDB or OS error on the catalog file means to a person: damaged file, full disk.

One sentence naming the file, never DuckDB's own text (which repeats the path and speaks of
blocks and bytes); the faces add the way out (rebuilding, freeing space).
"""

from __future__ import annotations

import errno
from pathlib import Path

from workbench.errors import CatalogDamagedError, CatalogError, DiskFullError

#: DuckDB's words for a file it cannot read as a database, and what we say instead.
_DAMAGE_MARKERS = (
    ("not a valid DuckDB database file", "it is not a DuckDB database file"),
    ("Could not read enough bytes", "it is cut short (truncated)"),
    ("Corrupt database file", "part of it is corrupt"),
)
_DISK_FULL_MARKERS = ("No space left on device", "Disk quota exceeded", "disk is full")


def damage_reason(message: str) -> str | None:
    """Why DuckDB could not read the file, in our words; None when `message` is not damage."""
    for marker, reason in _DAMAGE_MARKERS:
        if marker.lower() in message.lower():
            return reason
    return None


def is_disk_full(exc: BaseException) -> bool:
    """True for an OS or DuckDB error that says the disk (or the user's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return any(marker.lower() in str(exc).lower() for marker in _DISK_FULL_MARKERS)


def damaged(path: Path, reason: str) -> CatalogDamagedError:
    return CatalogDamagedError(
        f"the catalog at {path} cannot be read: {reason}; its runs can be read again from"
        " their folders into a new catalog"
    )


def disk_full(path: Path) -> DiskFullError:
    return DiskFullError(
        f"the disk holding the catalog at {path} is full: the change was rolled back and the"
        " catalog is as it was before; free some space and try again"
    )


def translate(path: Path, exc: BaseException) -> CatalogError | None:
    """The user's error for `exc` met while using the catalog at `path`, or None to let it be."""
    if is_disk_full(exc):
        return disk_full(path)
    message = str(exc)
    reason = damage_reason(message)
    if reason is None:
        return None
    if 'file "' in message and str(path) not in message:
        return None  # another file a query read (a user's damaged CSV in the SQL console)
    return damaged(path, reason)
