"""Writing in-memory frames (polars, pyarrow, pandas) as Parquet files, for `log_dataset`.

The frame's library is never imported here unless a frame of it is written: the type is
recognised by its module name.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

from workbench.errors import RunFormatError


def _frame_kind(frame: object) -> str | None:
    module = type(frame).__module__.split(".")[0]
    kind = type(frame).__name__
    if module == "polars" and kind in ("DataFrame", "LazyFrame"):
        return "polars"
    if module == "pyarrow" and kind in ("Table", "RecordBatch"):
        return "pyarrow"
    if module == "pandas" and kind == "DataFrame":
        return "pandas"
    return None


def write_frame(frame: object, folder: Path, name: str) -> Path:
    """Write a polars, pyarrow or pandas frame as `folder/<name>.parquet` (a new file; an
    existing one of that name gets a -2, -3 ... suffix) and return its path."""
    kind = _frame_kind(frame)
    if kind is None:
        raise RunFormatError(
            "data must be a path or a polars, pyarrow or pandas frame, "
            f"not {type(frame).__name__}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._ +=@,-]", "_", name).strip(" .")[:100] or "dataset"
    target = folder / f"{stem}.parquet"
    serial = 1
    while target.exists():
        serial += 1
        target = folder / f"{stem}-{serial}.parquet"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _write(kind, frame, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def _write(kind: str, frame: object, path: Path) -> None:
    if kind == "polars":
        data: Any = frame
        if type(frame).__name__ == "LazyFrame":
            data = data.collect()
        data.write_parquet(path)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    if kind == "pandas":
        table = pa.Table.from_pandas(frame)
    elif isinstance(frame, pa.RecordBatch):
        table = pa.Table.from_batches([frame])
    else:
        table = frame
    pq.write_table(table, path)
