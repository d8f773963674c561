"""What `Run.log_dataset` records of a data file: fingerprint, size, schema, rows, format.

Standard library at import time; formats/datafiles.py imports pyarrow only inside the call
that reads a Parquet or Arrow footer.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from workbench.errors import DataFileError
from workbench.formats import datafiles
from workbench.formats.fingerprint import FingerprintCache, fingerprint

_COUNTED = ("csv", "tsv", "jsonl", "text")


def describe_source(
    path: Path,
    fmt: str | None,
    rows: int | None = None,
    columns: list[str] | None = None,
    hash: bool = True,  # noqa: A002 - the log_dataset argument
) -> dict[str, object]:
    """The fields of a datasets.jsonl line that come from the data: sha256, size, files,
    rows, columns, schema, format. Metadata a corrupt file does not give is left out."""
    fmt = fmt or datafiles.format_of(path)
    record: dict[str, object] = {}
    lines = None
    counting = rows is None and fmt in _COUNTED and path.is_file()
    if hash or counting:
        cache = FingerprintCache()
        found = fingerprint(path, cache, count_lines=counting)
        cache.save()
        if hash:
            record["sha256"] = found.sha256
        record["size"] = found.size
        lines = found.lines
        if path.is_dir():
            record["files"] = found.files
    else:
        record["size"] = _size(path)
    description = None
    if fmt is not None:
        with contextlib.suppress(DataFileError):
            description = datafiles.describe(path, fmt, lines)
    if rows is None and description is not None:
        rows = description.rows
    if rows is not None:
        record["rows"] = int(rows)
    if columns is not None:
        record["columns"] = [str(c) for c in columns]
    elif description is not None and description.schema:
        record["columns"] = description.columns
    if description is not None and any(c["type"] for c in description.schema):
        record["schema"] = description.schema
    if fmt:
        record["format"] = fmt
    return record


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
