"""Part of a batch (step 3): read params.json, tags.json and notes.md of the runs that
changed (on a helper thread), and write params and tags with one statement per table.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import polars as pl

from workbench.catalog import ingest_store as store
from workbench.catalog.ingest_store import UNREAD_SIZE, FileState
from workbench.errors import RunFormatError
from workbench.formats import runfolder, spec
from workbench.formats.safe_files import UnreadableFileError
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
    read_paths: list[str] = field(default_factory=list)  # files read (or tried) this batch


def read_small_files(items: list[RunWork]) -> SmallFiles:
    """Read the changed params/tags/notes of each run into its `params`, `tags`, `notes`.

    Runs on a helper thread while the batch's transaction starts: the caller reads those
    fields only once this has returned. A removed file clears the values; a bad params or
    tags file (bad JSON, over its size cap, a FIFO or device) is reported and clears them too;
    a bad notes.md is reported and left alone. A file that cannot be read now (permissions,
    an I/O error) is reported, changes nothing, and is tried again on the next pass.
    """
    out = SmallFiles()
    for item in items:
        for kind in ("params", "tags", "notes"):
            whole = item.whole.get(kind)
            if whole is not None:
                _read_one(item, whole, out)
    return out


def _read_one(item: RunWork, whole: WholeFile, out: SmallFiles) -> None:
    folder = item.path
    kind = whole.kind
    out.read_paths.append(whole.path)
    checked = item.folder.regular(os.path.basename(whole.path))
    try:
        if kind == "params":
            item.params = [] if whole.removed else _capped(runfolder.read_params(folder, checked),
                                                           whole, item, out)  # fmt: skip
        elif kind == "tags":
            item.tags = [] if whole.removed else _capped(runfolder.read_tags(folder, checked),
                                                         whole, item, out)  # fmt: skip
        else:
            item.notes = None if whole.removed else runfolder.read_notes(folder, checked)
            item.notes_read = True
    except UnreadableFileError as exc:
        out.errors.append((whole.path, str(exc), item))
        out.states.append(FileState(whole.path, None, kind, 0, 0, UNREAD_SIZE, 0.0, None))
        return
    except RunFormatError as exc:
        out.errors.append((whole.path, str(exc), item))
        if kind != "notes":
            setattr(item, kind, [])
    if whole.removed:
        out.removed.append(whole.path)
    else:
        out.states.append(FileState(whole.path, None, kind, whole.size, 0, whole.size,
                                    whole.mtime, None, whole.dev, whole.ino))  # fmt: skip


_Row = TypeVar("_Row", tuple[str, str], tuple[str, str, float | None, str])


def _capped(rows: list[_Row], whole: WholeFile, item: RunWork, out: SmallFiles) -> list[_Row]:
    """Params or tags rows within the limits: a key over spec.MAX_KEY_LENGTH characters is
    dropped, a value over spec.MAX_VALUE_LENGTH cut; each reported."""
    if all(len(r[0]) <= spec.MAX_KEY_LENGTH and len(r[1]) <= spec.MAX_VALUE_LENGTH for r in rows):
        return rows
    kept: list[_Row] = []
    what = "param" if whole.kind == "params" else "tag"
    for row in rows:
        key, text = row[0], row[1]
        if len(key) > spec.MAX_KEY_LENGTH:
            out.errors.append((whole.path, f"a {what} key is {len(key):,} characters long, over "
                               f"the limit of {spec.MAX_KEY_LENGTH}; skipped it", item))  # fmt: skip
            continue
        if len(text) > spec.MAX_VALUE_LENGTH:
            out.errors.append((whole.path, f"{what} {key!r} is {len(text):,} characters long; "
                               f"kept the first {spec.MAX_VALUE_LENGTH:,}", item))  # fmt: skip
            row = (key, text[: spec.MAX_VALUE_LENGTH], *row[2:])  # type: ignore[assignment]
        kept.append(row)
    return kept


def write_params_tags(con: Connection, items: list[RunWork]) -> None:
    """Replace params and tags of the runs whose files were read, one statement per table."""
    p_keys: list[int] = []
    t_keys: list[int] = []
    p_cols: list[list[object]] = [[], [], [], [], []]
    t_cols: list[list[object]] = [[], [], []]
    for item in items:
        assert item.run_key is not None
        # A run new in this batch got its key from the sequence: it has nothing to delete.
        if item.params is not None:
            if not item.is_new:
                p_keys.append(item.run_key)
            _extend_columns(p_cols, item.run_key, item.params)
        if item.tags is not None:
            if not item.is_new:
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
