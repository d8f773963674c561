"""Part of a batch (step 3): read params.json, tags.json and notes.md of the runs that
changed (on a helper thread), and write params and tags with one statement per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.catalog import ingest_store as store
from workbench.catalog.ingest_store import FileState
from workbench.errors import RunFormatError
from workbench.formats import runfolder
from workbench.ingest.plan import RunWork, WholeFile

if TYPE_CHECKING:
    from workbench.catalog.ingest_store import Connection

_PARAMS_SCHEMA = {"run_key": pl.Int32, "key": pl.String, "value_text": pl.String,
                  "value_num": pl.Float64, "value_type": pl.String}  # fmt: skip
_TAGS_SCHEMA = {"run_key": pl.Int32, "key": pl.String, "value": pl.String}


@dataclass
class SmallFiles:
    """Read positions and problems of the small files of a batch (the values are on each run)."""

    states: list[FileState] = field(default_factory=list)  # run_key filled in by the batch
    removed: list[str] = field(default_factory=list)  # paths of files that were deleted
    errors: list[tuple[str, str, RunWork]] = field(default_factory=list)  # path, message, run


def read_small_files(items: list[RunWork]) -> SmallFiles:
    """Read the changed params/tags/notes of each run into its `params`, `tags`, `notes`.

    Runs on a helper thread while the batch's transaction starts: the caller reads those
    fields only once this has returned. A removed file clears the values; a bad params or
    tags file is reported and clears them too; a bad notes.md is reported and left alone.
    """
    out = SmallFiles()
    for item in items:
        for kind in ("params", "tags", "notes"):
            whole = item.whole.get(kind)
            if whole is not None:
                _read_one(item, whole, out)
    return out


def _read_one(item: RunWork, whole: WholeFile, out: SmallFiles) -> None:
    folder = Path(item.path)
    kind = whole.kind
    try:
        if kind == "params":
            item.params = [] if whole.removed else runfolder.read_params(folder)
        elif kind == "tags":
            item.tags = [] if whole.removed else runfolder.read_tags(folder)
        else:
            item.notes = None if whole.removed else runfolder.read_notes(folder)
            item.notes_read = True
    except RunFormatError as exc:
        out.errors.append((whole.path, str(exc), item))
        if kind == "notes":
            return
        setattr(item, kind, [])
    if whole.removed:
        out.removed.append(whole.path)
    else:
        out.states.append(FileState(whole.path, None, kind, whole.size, 0, whole.size,
                                    whole.mtime, None))  # fmt: skip


def write_params_tags(con: Connection, items: list[RunWork]) -> None:
    """Replace params and tags of the runs whose files were read, one statement per table."""
    p_keys: list[int] = []
    t_keys: list[int] = []
    p_cols: list[list[object]] = [[], [], [], [], []]
    t_cols: list[list[object]] = [[], [], []]
    for item in items:
        assert item.run_key is not None
        if item.params is not None:
            p_keys.append(item.run_key)
            _extend_columns(p_cols, item.run_key, item.params)
        if item.tags is not None:
            t_keys.append(item.run_key)
            _extend_columns(t_cols, item.run_key, item.tags)
    params = pl.DataFrame(dict(zip(_PARAMS_SCHEMA, p_cols, strict=True)), schema=_PARAMS_SCHEMA)
    tags = pl.DataFrame(dict(zip(_TAGS_SCHEMA, t_cols, strict=True)), schema=_TAGS_SCHEMA)
    store.replace_params_bulk(con, (p_keys, params))
    store.replace_tags_bulk(con, (t_keys, tags))


def _extend_columns(
    cols: list[list[object]], run_key: int, rows: Sequence[tuple[object, ...]]
) -> None:
    """Append rows (tuples of the columns after run_key) to column lists, run_key first."""
    cols[0].extend([run_key] * len(rows))
    for col, values in zip(cols[1:], zip(*rows, strict=True), strict=False):
        col.extend(values)
