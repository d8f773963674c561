"""Data file formats: which format a path is, and its schema and row count read from metadata.

Parquet and Arrow files are described from their footers (pyarrow, imported only here and
only when such a file is described); CSV/TSV from the header line; JSON Lines from the first
line. Nothing here reads the data itself, and nothing opens a FIFO or a device (a path is
checked to be a regular file before a reader is given it).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import DataFileError
from workbench.formats import safe_files

#: File suffix -> format name (the `format` field of datasets.jsonl).
FORMATS_BY_SUFFIX: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".npy": "npy",
    ".npz": "npz",
    ".txt": "text",
}
#: The formats `datasets scan` registers and `dataset profile` reads.
TABULAR_FORMATS = ("csv", "tsv", "parquet", "arrow", "jsonl")
#: Marker files that make a folder of Parquet files one dataset (Spark, Hive, pyarrow).
_PART_MARKERS = ("_SUCCESS", "_metadata", "_common_metadata")


@dataclass
class DataDescription:
    """What a data file's metadata says: format, rows (None if unknown), columns and types."""

    format: str | None
    rows: int | None = None
    schema: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return [str(c["name"]) for c in self.schema]


def format_of(path: Path) -> str | None:
    """The format of a file from its suffix; 'parquet' for a folder of Parquet parts."""
    if path.is_dir():
        return "parquet" if is_parquet_folder(path) else None
    return FORMATS_BY_SUFFIX.get(path.suffix.lower())


def is_parquet_folder(path: Path) -> bool:
    """True for a folder written as one Parquet dataset: named *.parquet, or holding
    part-* files, hive partitions (key=value folders) or a _SUCCESS/_metadata marker."""
    if not path.is_dir():
        return False
    try:
        children = list(path.iterdir())
    except OSError:
        return False
    files = [c.name for c in children if c.is_file()]
    folders = [c.name for c in children if c.is_dir()]
    return parquet_folder_rule(path, files, folders)


def parquet_folder_rule(path: Path, files: list[str], folders: list[str]) -> bool:
    """`is_parquet_folder` on a listing the caller already has (the names of the files and
    of the folders directly in `path`), so a walk over a tree lists each folder once."""
    parts = [n for n in files if suffix_of(n) in (".parquet", ".pq")]
    hive = [n for n in folders if "=" in n and not n.startswith(".")]
    if hive:
        return any(_has_parquet(path / h) for h in hive)
    if not parts:
        return False
    marked = any(n in _PART_MARKERS for n in files) or any(n in _PART_MARKERS for n in folders)
    named = path.suffix.lower() == ".parquet"
    return named or marked or all(n.startswith(("part-", "part_", "part.")) for n in parts)


def suffix_of(name: str) -> str:
    """The lower-cased suffix of a file name as `Path.suffix` gives it ('' for '.hidden')."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def _has_parquet(path: Path) -> bool:
    return any(p.suffix.lower() in (".parquet", ".pq") for p in path.rglob("*") if p.is_file())


def parquet_parts(path: Path) -> list[Path]:
    """The Parquet files of a Parquet file or folder, sorted (hidden and marker files left out)."""
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".parquet", ".pq")
        and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
    )


def describe(
    path: Path | str, fmt: str | None = None, lines: int | None = None, data: bytes | None = None
) -> DataDescription:
    """Schema and row count of a data file or Parquet folder, from metadata only.

    `lines` is the file's line count when the caller already has it (it counts rows of
    CSV/TSV/JSON Lines); `data` is the whole content of a small text file the caller has
    already read (it is not opened again). Raises DataFileError naming the file for a
    corrupt or unreadable one.
    """
    fmt = fmt or format_of(Path(path))
    try:
        if fmt == "parquet":
            return _describe_parquet(Path(path))
        if fmt == "arrow":
            return _describe_arrow(Path(path))
        if fmt in ("csv", "tsv"):
            header = csv_header(path, "," if fmt == "csv" else "\t", data)
            rows = max(lines - 1, 0) if lines is not None else None
            return DataDescription(fmt, rows, [{"name": c, "type": None} for c in header])
        if fmt == "jsonl":
            keys = _jsonl_keys(path, data)
            return DataDescription(fmt, lines, [{"name": c, "type": None} for c in keys])
    except DataFileError:
        raise
    except safe_files.NotRegularFileError as exc:
        raise DataFileError(str(exc)) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path} cannot be read as {fmt}: {_first_line(exc)}") from None
    except Exception as exc:  # pyarrow raises its own ArrowInvalid / ArrowIOError kinds
        raise DataFileError(f"{path} cannot be read as {fmt}: {_first_line(exc)}") from None
    return DataDescription(fmt, lines if fmt == "text" else None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _schema_of(schema: Any) -> list[dict[str, str | None]]:
    return [{"name": str(f.name), "type": str(f.type)} for f in schema]


def _describe_parquet(path: Path) -> DataDescription:
    import pyarrow.parquet as pq

    if not path.is_dir():
        safe_files.require_regular(path, skipped=False)
    parts = parquet_parts(path)
    if not parts:
        raise DataFileError(f"{path} holds no Parquet files")
    rows = 0
    schema = None
    for part in parts:
        safe_files.require_regular(part, skipped=False)
        meta = pq.read_metadata(part)
        rows += meta.num_rows
        if schema is None:
            schema = meta.schema.to_arrow_schema()
    return DataDescription("parquet", rows, _schema_of(schema))


def _describe_arrow(path: Path) -> DataDescription:
    import pyarrow as pa

    safe_files.require_regular(path, skipped=False)
    with pa.memory_map(str(path), "r") as source:
        try:
            reader = pa.ipc.open_file(source)
        except pa.ArrowInvalid:
            source.seek(0)
            stream = pa.ipc.open_stream(source)
            rows = sum(batch.num_rows for batch in stream)
            return DataDescription("arrow", rows, _schema_of(stream.schema))
        rows = sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
        return DataDescription("arrow", rows, _schema_of(reader.schema))


def _text(path: Path | str, data: bytes | None, newline: str | None) -> io.TextIOBase:
    """The file as UTF-8 text, from `data` when the caller has already read it."""
    if data is None:
        raw = io.BufferedReader(safe_files.open_binary(path))
        return io.TextIOWrapper(raw, encoding="utf-8", newline=newline)
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=newline)


def csv_header(path: Path | str, delimiter: str, data: bytes | None = None) -> list[str]:
    """The header row of a delimited text file (empty for an empty file)."""
    with _text(path, data, "") as handle:
        first = handle.readline(1 << 20)
    if not first:
        return []
    row = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    return [cell.strip() for cell in row]


def _jsonl_keys(path: Path | str, data: bytes | None = None) -> list[str]:
    with _text(path, data, None) as handle:
        for line in handle:
            if line.strip():
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("the first line is not a JSON object")
                return [str(k) for k in obj]
    return []
