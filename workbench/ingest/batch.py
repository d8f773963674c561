"""Step 3 of a pass: one batch, one transaction. Read run.json and the small files, take the
parsed metrics from the line reader piece by piece, and commit every row together with the
read offsets, so a batch killed at any instant leaves the catalog as it was.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from workbench.catalog import ingest_store as store
from workbench.catalog import run_details
from workbench.catalog.connection import bump_data_version
from workbench.catalog.contract import CatalogLike
from workbench.catalog.datasets_store import link_run_datasets
from workbench.catalog.ingest_store import UNREAD_SIZE, ErrorRow, FileState, IngestState
from workbench.errors import RunFormatError
from workbench.formats import runfolder
from workbench.formats.safe_files import UnreadableFileError
from workbench.ingest.artifacts import sync_artifacts
from workbench.ingest.identity import Identities, identify
from workbench.ingest.plan import LineWork, RunWork, follow_ups
from workbench.ingest.reader import LineReader, Piece
from workbench.ingest.report import IngestReport
from workbench.ingest.small_files import SmallFiles, read_small_files, write_params_tags

if TYPE_CHECKING:
    from workbench.catalog.ingest_store import Connection

_RECORD_TABLES = {"datasets": "run_datasets", "models": "run_models"}
#: Parsed points gathered before one INSERT: DuckDB appends a few large inserts into one
#: transaction for less CPU than many small ones (a 1M-point batch in 10 statements cost
#: ~40% more than in 2), and parsing goes on meanwhile.
INSERT_ROWS = 1 << 19


@dataclass
class BatchWork:
    """One batch of a pass: its runs, and the pass's bookkeeping that rides in its transaction."""

    items: list[RunWork]
    gone: list[int] = field(default_factory=list)  # runs whose folder vanished (first batch)
    add_roots: list[str] = field(default_factory=list)  # roots to remember (first batch)
    scanned_roots: list[str] = field(default_factory=list)  # roots to stamp (last batch)
    last: bool = False  # the pass's last batch (it writes the runs' missing documents)


def run_batch(
    cat: CatalogLike, work: BatchWork, state: IngestState, claimed_ids: dict[str, str]
) -> tuple[IngestReport, list[RunWork]]:
    """Read, parse and commit one batch; returns its report and the follow-up work for files
    this batch stopped reading at its byte budget. `state` is kept in step with the commit."""
    reader = LineReader()
    try:
        ids = identify(work.items, state, claimed_ids, reader.add)
        reader.close()
        # Small files on a helper thread, while this one opens the transaction and the
        # reader's pool reads and parses the JSON Lines.
        helper = ThreadPoolExecutor(1, thread_name_prefix="workbench-ingest")
        small = helper.submit(read_small_files, ids.active)
        helper.shutdown(wait=False)
        writer = _BatchWriter(work, ids, reader, state)
        with cat.connect() as con, store.transaction(con):
            writer.write(con, small)
    except BaseException:
        reader.cancel()
        raise
    writer.remember(state)
    state.data_version = writer.data_version
    return writer.report, follow_ups(ids.active, state)


class _BatchWriter:
    """The writes of one batch, in order, inside its transaction; collects what it wrote."""

    def __init__(
        self, work: BatchWork, ids: Identities, reader: LineReader, state: IngestState
    ) -> None:
        self.work = work
        self.ids = ids
        self.active = ids.active
        self.reader = reader
        self.line_items = reader.line_items
        self.state = state
        self.report = IngestReport()
        self.errors: list[ErrorRow] = list(ids.errors)
        self.file_states: list[FileState] = list(ids.file_states)
        self.removed_paths: list[str] = []
        self.reread_paths: list[str] = list(ids.read_paths)  # whose file-level errors go
        self.stale: set[int] = set()  # line items another process read meanwhile
        self.gone: list[int] = []
        self.rows_written = False
        self.parsed_any = False
        self.replaced_any = False
        self.small_changed = False
        self.src_keys = np.empty(0, dtype=np.int32)
        self.pending: list[pl.DataFrame] = []  # keyed points not inserted yet
        self.pending_rows = 0
        self.data_version = state.data_version
        self.repeated = 0  # errors that repeat what the catalog already said about a file

    def write(self, con: Connection, small: Future[SmallFiles]) -> None:
        """Every write of the batch (the caller holds the transaction)."""
        if store.data_version(con) != self.state.data_version:
            raise store.CatalogChangedError("another process ingested meanwhile")
        self._forget_and_check_offsets(con)
        self._write_runs(con)
        self._write_small_files(con, small.result())
        self.src_keys = self._source_keys()  # every run has its key by now
        for piece in self.reader.pieces():
            self._write_piece(con, piece)
        self._flush_points(con)
        self._write_line_files(con)
        self._merge_summaries(con)
        for item in self.active:
            if item.artifacts is not None:
                synced = sync_artifacts(con, item, self.state)
                self.errors.extend(synced.errors)
                self.file_states.extend(synced.refused)
                self.reread_paths.extend(synced.hashed)
        store.upsert_file_states(con, self.file_states)
        store.delete_file_states(con, self.removed_paths)
        # A file still unreadable on a retry is reported again, but is no news to a viewer.
        before = store.file_errors(con, self.reread_paths)
        self.repeated = sum(1 for p, line, m, _k in self.errors if line is None and (p, m) in before)
        store.clear_file_errors(con, sorted({p for p, _m in before}))  # the others have none
        store.insert_errors(con, self.errors)
        store.add_roots(con, self.work.add_roots)
        store.mark_roots_scanned(con, self.work.scanned_roots)
        self._count()
        # Every run whose rows this batch may have changed loses its stored document; the
        # last batch of a pass writes the missing ones (catalog/run_details.py).
        run_details.forget(con, self._touched_runs())
        if self.work.last:
            run_details.fill(con)
        if self.report.changed:
            link_run_datasets(con)  # dataset versions and locations of new datasets.jsonl lines
            self.data_version = bump_data_version(con)

    def _touched_runs(self) -> list[int]:
        """The runs whose rows this batch wrote or may have written."""
        keys = [i.run_key for i in self.active]
        keys += self.gone + list(self.ids.move_missing) + list(self.ids.forget)
        keys += [row[3] for row in self.errors]
        keys += [fs.run_key for fs in self.file_states]
        return [k for k in keys if k is not None]

    def _forget_and_check_offsets(self, con: Connection) -> None:
        """Forget runs read afresh; find files whose offset moved since the pass loaded it."""
        for key in self.ids.forget:
            store.forget_run_files(con, key)
        stored = store.current_offsets(con, [lw.path for _, lw in self.line_items])
        for idx, (_item, lw) in enumerate(self.line_items):
            if stored.get(lw.path) != lw.expected_offset:
                self.stale.add(idx)  # someone else ingested it meanwhile; next pass

    def _write_runs(self, con: Connection) -> None:
        """Keys for new runs, missing flags, and the runs rows of every run.json read."""
        keys = store.new_run_keys(con, len(self.ids.new_runs))
        for item, key in zip(self.ids.new_runs, keys, strict=True):
            item.run_key = key
        for path, message, item in self.ids.notices:
            self.errors.append((path, None, message, item.run_key))
        store.set_missing(con, self.ids.move_missing, True)
        moved = {i.run_key for i in self.active}
        self.gone = [k for k in self.work.gone if k not in moved]
        store.set_missing(con, self.gone, True)  # before upsert_runs, which clears it
        rows = []
        for item in self.active:
            if item.row is not None:
                item.row["run_key"] = item.run_key
                rows.append(item.row)
        self.rows_written = bool(rows)
        store.upsert_runs(con, rows)

    def _write_small_files(self, con: Connection, small: SmallFiles) -> None:
        """Params, tags and notes; the read positions of run.json and the small files."""
        for path, message, item in small.errors:
            self.errors.append((path, None, message, item.run_key))
        self.removed_paths.extend(small.removed)
        self.reread_paths.extend(small.read_paths)
        self.file_states.extend(small.states)
        # States made before the new runs had keys get them now.
        key_of_path = {item.path: item.run_key for item in self.active}
        for fs in self.file_states:
            if fs.run_key is None:
                fs.run_key = key_of_path.get(os.path.dirname(fs.path))
        write_params_tags(con, self.active)
        for item in self.active:
            if item.notes_read:
                assert item.run_key is not None
                store.set_notes(con, item.run_key, item.notes)
        unmissed = [i.run_key for i in self.active if i.unmiss and i.row is None]
        store.set_missing(con, [k for k in unmissed if k is not None], False)
        self.small_changed = any(
            i.params is not None or i.tags is not None or i.notes_read for i in self.active
        )

    def _source_keys(self) -> np.ndarray:
        """run_key by line item index; -1 for the stale ones (their rows are dropped)."""
        return np.array(
            [-1 if i in self.stale else item.run_key
             for i, (item, _) in enumerate(self.line_items)],
            dtype=np.int32,
        )  # fmt: skip

    def _write_piece(self, con: Connection, piece: Piece) -> None:
        """Insert one parsed piece (forgetting first what replaced files had contributed)."""
        points = piece.points
        for idx in piece.indexes:
            item, lw = self.line_items[idx]
            if lw.replaced and idx not in self.stale:
                assert item.run_key is not None
                self._flush_points(con)  # what was gathered goes in before any forgetting
                store.forget_file_rows(con, lw.kind, item.run_key, lw.path)
                self.replaced_any = True
        if points.height:
            self.parsed_any = True
            keyed = points.select(
                pl.Series("run_key", self.src_keys[points["src"].to_numpy()]),
                "key", "step", "ts", "value",
            )  # fmt: skip
            if self.stale:
                keyed = keyed.filter(pl.col("run_key") >= 0)
            self.pending.append(keyed)
            self.pending_rows += keyed.height
            self.report.points += keyed.height
            if self.pending_rows >= INSERT_ROWS:
                self._flush_points(con)
        for err in piece.errors:
            if err.src in self.stale:
                continue
            item, lw = self.line_items[err.src]
            self.errors.append((lw.path, lw.lines + err.index + 1, err.message, item.run_key))

    def _flush_points(self, con: Connection) -> None:
        """Insert the points gathered so far in one statement."""
        if self.pending:
            store.insert_points(con, pl.concat(self.pending, how="vertical", rechunk=False))
            self.pending, self.pending_rows = [], 0

    def _write_line_files(self, con: Connection) -> None:
        """Dataset and model records, and the new read position of every JSON Lines file."""
        for idx, (item, lw) in enumerate(self.line_items):
            if idx in self.stale:
                continue
            if lw.error is not None or (lw.state is not None and lw.state.size == UNREAD_SIZE):
                self.reread_paths.append(lw.path)  # its earlier file-level error goes
            if lw.error is not None:
                self._line_file_failed(item, lw, lw.error)
                continue
            if lw.kind != "metrics" and lw.chunk:
                self._write_records(con, item, lw)
            self.file_states.append(
                FileState(lw.path, item.run_key, lw.kind, lw.end, lw.lines + lw.n_lines,
                          lw.size if not lw.more else -1, lw.mtime, lw.head_after, lw.dev, lw.ino)
            )  # fmt: skip

    def _line_file_failed(self, item: RunWork, lw: LineWork, error: RunFormatError) -> None:
        """Report a JSON Lines file that was not read and keep its offset. One that cannot be
        read now is tried again on every pass; a FIFO or device only once it changes."""
        self.errors.append((lw.path, None, str(error), item.run_key))
        fs = lw.state
        offset, lines, head = (fs.offset, fs.lines, fs.head) if fs is not None else (0, 0, None)
        if isinstance(error, UnreadableFileError):
            size, mtime = UNREAD_SIZE, 0.0
            dev, ino = (fs.dev, fs.ino) if fs is not None else (None, None)
        else:
            size, mtime, dev, ino = lw.size, lw.mtime, lw.dev, lw.ino
        self.file_states.append(
            FileState(lw.path, item.run_key, lw.kind, offset, lines, size, mtime, head, dev, ino)
        )

    def _write_records(self, con: Connection, item: RunWork, lw: LineWork) -> None:
        recs, rec_errors = runfolder.parse_record_lines(lw.chunk, lw.kind, Path(item.path))
        for rec in recs:
            rec["run_key"] = item.run_key
        store.insert_records(con, _RECORD_TABLES[lw.kind], recs)
        for index, msg in rec_errors:
            self.errors.append((lw.path, lw.lines + index + 1, msg, item.run_key))

    def _merge_summaries(self, con: Connection) -> None:
        """Fold the per-key summaries of every piece into metric_summary in one statement."""
        summaries = [f for f in self.reader.summaries if f.height]
        if not summaries:
            return
        summary = pl.concat(summaries, how="vertical")
        summary = summary.select(
            pl.Series("run_key", self.src_keys[summary["src"].to_numpy()]),
            pl.exclude("src"),
        )
        if self.stale:
            summary = summary.filter(pl.col("run_key") >= 0)
        store.merge_summaries(con, summary)

    def _count(self) -> None:
        """The batch's report: what changed, new and updated runs, errors."""
        report = self.report
        report.missing = len(self.gone)
        report.runs_new = sum(1 for i in self.active if i.is_new and i.row is not None)
        report.runs_updated = sum(
            1
            for i in self.active
            if not i.is_new
            and (
                i.row is not None
                or i.params is not None
                or i.tags is not None
                or any(lw.chunk for lw in i.lines)
            )
        )
        report.changed = bool(
            self.rows_written
            or self.parsed_any
            or len(self.errors) > self.repeated
            or self.gone
            or self.ids.forget
            or self.small_changed
            or self.replaced_any
            or any(i.artifacts is not None or i.unmiss for i in self.active)
        )
        report.errors = len(self.errors)
        report.error_list = [(p, line, m) for p, line, m, _k in self.errors]

    def remember(self, state: IngestState) -> None:
        """Bring the pass's in-memory state in step with what was committed."""
        for fs in self.file_states:
            state.files[fs.path] = fs
        for path in self.removed_paths:
            state.files.pop(path, None)
        for item in self.active:
            if item.row is not None:
                assert item.run_key is not None
                run_id = item.row["run_id"]
                state.runs_by_path[item.path] = (item.run_key, run_id, False)
                state.runs_by_id[run_id] = (item.run_key, item.path, False)

