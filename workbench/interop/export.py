"""`workbench export runs|metrics`, and writing any table the app shows: the format follows
the file's extension (.parquet, .csv, .json), the file appears whole or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.catalog import export_store
from workbench.catalog.contract import CatalogLike
from workbench.errors import ExportError
from workbench.formatting import json_safe

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json"}


@dataclass
class Written:
    """A file an export wrote: where, as what, how many rows."""

    path: Path
    format: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format, "rows": self.rows}


def format_of(path: str | os.PathLike[str], allowed: Iterable[str] = ("parquet", "csv", "json")) -> str:
    """The format a file name asks for; ExportError for any other extension."""
    allowed = tuple(allowed)
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None or fmt not in allowed:
        names = ", ".join(f".{a}" for a in allowed)
        raise ExportError(f"cannot tell the format of {Path(path).name!r}: name it {names}")
    return fmt


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary file beside `path`, renamed onto it when the block succeeds."""
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise ExportError(f"the folder {path.parent} does not exist")
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_batches(reader: pa.RecordBatchReader, path: Path, fmt: str) -> int:
    """Stream Arrow batches into a Parquet or CSV file; returns the rows written."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = 0
    with _atomic(path) as tmp:
        writer: Any = (pq.ParquetWriter(tmp, reader.schema) if fmt == "parquet"
                       else pacsv.CSVWriter(tmp, reader.schema))
        try:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
        finally:
            writer.close()
    return rows


def write_frame(frame: pl.DataFrame | pa.Table, path: str | os.PathLike[str],
                records: list[dict[str, Any]] | None = None) -> Written:
    """Write a polars frame or Arrow table as the extension says; `records` replace the
    rows in JSON (the nested form of runs, say)."""
    import polars as pl

    target = Path(path)
    fmt = format_of(target)
    df = frame if isinstance(frame, pl.DataFrame) else pl.from_arrow(frame)
    assert isinstance(df, pl.DataFrame)
    with _atomic(target) as tmp:
        if fmt == "parquet":
            df.write_parquet(tmp)
        elif fmt == "csv":
            df.write_csv(tmp)
        else:
            payload = records if records is not None else df.to_dicts()
            tmp.write_text(json.dumps(json_safe(payload), indent=1, ensure_ascii=False,
                                      allow_nan=False) + "\n", encoding="utf-8")
    return Written(target.expanduser().absolute(), fmt, df.height)


def export_runs(cat: CatalogLike, path: str | os.PathLike[str],
                filter: str | None = None) -> Written:  # noqa: A002
    """The runs table (params, latest metrics, tags) of the runs matching `filter`."""
    from workbench.catalog import queries

    format_of(path)
    df = queries.list_runs(cat, filter=filter)
    return write_frame(df, path, records=queries.runs_to_records(df))


def export_metrics(cat: CatalogLike, path: str | os.PathLike[str],
                   filter: str | None = None) -> Written:  # noqa: A002
    """Every metric point of the runs matching `filter`, one row per point (Parquet or CSV)."""
    target = Path(path)
    fmt = format_of(target, ("parquet", "csv"))
    with cat.connect(read_only=True) as con:
        rows = write_batches(export_store.metric_points(con, filter), target, fmt)
    return Written(target.expanduser().absolute(), fmt, rows)
