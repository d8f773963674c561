"""Tabular inputs of a drift check read as a stream of Arrow record batches, never whole.

A source is a file (Parquet, CSV, Arrow IPC / Feather, JSON Lines) or an in-memory frame
(polars DataFrame or LazyFrame, pyarrow Table or RecordBatch, pandas DataFrame). Files are
fingerprinted by the SHA-256 of their bytes, so the same data is recognised wherever it lives.
A FIFO, a device or a link to one is refused in one sentence, never opened (readers that open
a path themselves are given one only after a stat found a regular file there).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from workbench.errors import NotFoundError, WorkbenchError
from workbench.formats import safe_files

#: Rows per record batch handed to the engine.
BATCH_ROWS = 1 << 20
_JSONL_BLOCK_BYTES = 64 << 20

FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".arrow": "ipc",
    ".feather": "ipc",
    ".ipc": "ipc",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


class DataSourceError(WorkbenchError, ValueError):
    """A reference or current dataset cannot be read as a table."""


@dataclass
class Source:
    """One readable table: a label for reports, its Arrow schema and a way to stream it."""

    label: str
    schema: pa.Schema
    kind: str  # parquet, csv, ipc, jsonl or frame
    path: Path | None = None
    num_rows: int | None = None
    _table: pa.Table | None = field(default=None, repr=False)
    fingerprint_recalled: bool = False  # the hash came from a cache, not from reading the file
    _fingerprint: str | None = field(default=None, repr=False)
    _hashing: Future | None = field(default=None, repr=False)

    def batches(self, columns: list[str], batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """Record batches holding only `columns`, read one at a time."""
        try:
            yield from self._batches(columns, batch_rows)
        except (pa.ArrowException, OSError) as exc:
            raise DataSourceError(f"cannot read {self.label}: {_first_line(exc)}") from None

    def _batches(self, columns: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        if self._table is not None:
            yield from self._table.select(columns).to_batches(max_chunksize=batch_rows)
            return
        path = self.path
        assert path is not None, "a Source holds either a frame or a file path"
        _require_regular(path)  # it may have been replaced since it was opened
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetFile(path) as f:
                yield from f.iter_batches(batch_size=batch_rows, columns=columns)
        elif self.kind == "ipc":
            yield from _ipc_batches(path, columns)
        elif self.kind == "csv":
            yield from _csv_batches(path, columns)
        else:
            yield from _jsonl_batches(path, self.schema, columns)

    def fingerprint(self) -> str:
        """SHA-256 of the file's bytes (of the Arrow IPC stream for a frame)."""
        if self._fingerprint is None:
            if self._hashing is not None:
                self._fingerprint = self._hashing.result()
            elif self.path is not None:
                self._fingerprint = file_sha256(self.path)
            else:
                self._fingerprint = _table_sha256(self._table)
        return self._fingerprint

    def start_fingerprint(self) -> None:
        """Hash a file in a background thread (hashlib releases the GIL) while it is read."""
        if self.path is not None and self._hashing is None and self._fingerprint is None:
            self._hashing = _hasher().submit(file_sha256, self.path)


def open_source(obj: Any, label: str | None = None) -> Source:
    """A `Source` for a file path or a frame; raises `DataSourceError` if it is neither."""
    if isinstance(obj, (str, os.PathLike)):
        return _open_file(Path(obj))
    table = _as_table(obj)
    return Source(label or "<frame>", table.schema, "frame", None, table.num_rows, table)


def _hasher() -> ThreadPoolExecutor:
    global _HASHER
    if _HASHER is None:
        _HASHER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="workbench-sha256")
    return _HASHER


_HASHER: ThreadPoolExecutor | None = None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 8 MiB blocks."""
    digest = hashlib.sha256()
    with safe_files.open_binary(path) as f:
        while block := f.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def _open_file(path: Path) -> Source:
    if not path.exists():
        raise NotFoundError(f"no file at {path}")
    if path.is_dir():
        raise DataSourceError(f"{path} is a folder; drift compares one table file with another")
    _require_regular(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataSourceError(
            f"cannot tell the format of {path.name}: use .parquet, .csv, .arrow/.feather or .jsonl"
        )
    try:
        schema, rows = _file_schema(path, kind)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataSourceError(f"cannot read {path} as {kind}: {_first_line(exc)}") from None
    return Source(str(path), schema, kind, path, rows)


def _require_regular(path: Path) -> None:
    """DataSourceError unless `path` is a regular file (a FIFO would block its reader, a
    device would never end)."""
    try:
        safe_files.require_regular(path, skipped=False)
    except safe_files.NotRegularFileError as exc:
        raise DataSourceError(f"{exc}; drift compares one table file with another") from None
    except FileNotFoundError:
        raise NotFoundError(f"no file at {path}") from None


def _file_schema(path: Path, kind: str) -> tuple[pa.Schema, int | None]:
    if kind == "parquet":
        import pyarrow.parquet as pq

        meta = pq.read_metadata(path)
        return meta.schema.to_arrow_schema(), meta.num_rows
    if kind == "ipc":
        return _ipc_reader(path).schema, None
    if kind == "csv":
        import pyarrow.csv as pcsv

        with pcsv.open_csv(path, parse_options=_csv_parse(path)) as reader:
            return reader.schema, None
    first = next(_jsonl_blocks(path), b"")
    return _read_json_block(first, None).schema, None


def _ipc_reader(path: Path):
    """An Arrow IPC file (Feather v2) or stream reader over a memory map (pages read on demand)."""
    import pyarrow.ipc as ipc

    try:
        return ipc.open_file(pa.memory_map(str(path), "r"))
    except pa.ArrowInvalid:
        return ipc.open_stream(pa.memory_map(str(path), "r"))


def _ipc_batches(path: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """One record batch at a time (a compressed file is decompressed a batch at a time)."""
    reader = _ipc_reader(path)
    if hasattr(reader, "num_record_batches"):
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i).select(columns)
    else:
        for batch in reader:
            yield batch.select(columns)


def _csv_parse(path: Path):
    import pyarrow.csv as pcsv

    return pcsv.ParseOptions(delimiter="\t" if path.suffix.lower() == ".tsv" else ",")


def _csv_batches(path: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pcsv

    convert = pcsv.ConvertOptions(include_columns=columns)
    read = pcsv.ReadOptions(block_size=16 << 20)
    with pcsv.open_csv(path, read_options=read, parse_options=_csv_parse(path),
                       convert_options=convert) as reader:
        yield from reader


def _jsonl_blocks(path: Path) -> Iterator[bytes]:
    """Blocks of whole lines, about 64 MiB each."""
    with safe_files.open_binary(path) as f:
        rest = b""
        while block := f.read(_JSONL_BLOCK_BYTES):
            block = rest + block
            cut = block.rfind(b"\n")
            if cut < 0:
                rest = block
                continue
            rest = block[cut + 1 :]
            yield block[: cut + 1]
        if rest.strip():
            yield rest + b"\n"


def _read_json_block(block: bytes, schema: pa.Schema | None) -> pa.Table:
    import pyarrow.json as pjson

    parse = pjson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore") if schema else None
    return pjson.read_json(io.BytesIO(block), parse_options=parse)


def _jsonl_batches(path: Path, schema: pa.Schema, columns: list[str]) -> Iterator[pa.RecordBatch]:
    for block in _jsonl_blocks(path):
        try:
            table = _read_json_block(block, schema)
        except pa.ArrowException as exc:
            raise DataSourceError(f"cannot read {path} as JSON Lines: {_first_line(exc)}") from None
        yield from table.select(columns).to_batches(max_chunksize=BATCH_ROWS)


def _as_table(obj: Any) -> pa.Table:
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    module = type(obj).__module__.split(".")[0]
    if module == "polars":
        import polars as pl

        if isinstance(obj, pl.LazyFrame):
            obj = obj.collect(engine="streaming")
        return obj.to_arrow()
    if module == "pandas":
        return pa.Table.from_pandas(obj, preserve_index=False)
    raise DataSourceError(
        f"cannot compare a {type(obj).__name__}: give a file path, a polars or pandas frame or an Arrow table"
    )


def _table_sha256(table: pa.Table) -> str:
    """SHA-256 over a table's schema and the bytes of its column buffers (no copy)."""
    digest = hashlib.sha256(table.schema.serialize().to_pybytes())
    for column in table.columns:
        for chunk in column.chunks:
            for buf in chunk.buffers():
                if buf is not None:
                    digest.update(memoryview(buf))
    return digest.hexdigest()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
