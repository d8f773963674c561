"""Part of a batch (step 3): read the new bytes of JSON Lines files and parse the metrics
columnar, in pieces on a small thread pool while the calling thread writes the previous piece.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from workbench.catalog.ingest_store import FileState
from workbench.errors import RunFormatError
from workbench.formats import runfolder, safe_files
from workbench.ingest import plan
from workbench.ingest.plan import LineWork, RunWork

#: Bytes of metrics parsed per polars call; each parsed piece is inserted while the next parses.
GROUP_BYTES = 8 << 20
#: Pieces parsed at once (polars parses one piece on one core).
PARSE_THREADS = 2


@dataclass
class Piece:
    """The parsed metrics of a few files: which line items, their points and bad lines.

    `points` has a `src` column: the index of the line item (see LineReader.line_items).
    """

    indexes: list[int]
    points: pl.DataFrame
    errors: list[runfolder.LineError]
    summary: pl.DataFrame


def prepare_lines(lw: LineWork, budget: int) -> None:
    """Decide where to read from (detecting a replaced file) and read the new complete lines.

    A file that cannot be read (permissions, an I/O error), or is not a regular file, is
    never read nor waited on: `lw.error` says why.
    """
    fs = lw.state
    lw.start, lw.lines = (fs.offset, fs.lines) if fs is not None else (0, 0)
    budget = max(budget, 1 << 16)
    try:
        fd, st = safe_files.open_regular(lw.path, checked=lw.regular)
    except FileNotFoundError:
        lw.chunk, lw.more = b"", False  # removed since the stat: nothing to read
        return
    except RunFormatError as exc:
        lw.error = exc
        return
    try:
        lw.size, lw.mtime, lw.dev, lw.ino = st.st_size, st.st_mtime, st.st_dev, st.st_ino
        if fs is not None and fs.offset > 0 and _replaced(fd, lw, fs):
            lw.replaced = True
            lw.start, lw.lines = 0, 0
        lw.chunk, lw.more = runfolder.read_complete_lines_fd(fd, lw.start, budget, lw.size)
        lw.head_after = _head_after(fd, lw)
    except OSError as exc:
        lw.chunk, lw.more, lw.replaced = b"", False, False
        lw.error = safe_files.unreadable(lw.path, exc)
    finally:
        os.close(fd)
    lw.n_lines = lw.chunk.count(b"\n")


def _replaced(fd: int, lw: LineWork, fs: FileState) -> bool:
    """Whether the open file is not the one the stored offset belongs to: another file
    (device and inode; a rename put it there), shorter than the offset, or other first bytes."""
    if fs.ino is not None and (fs.ino != lw.ino or fs.dev != lw.dev):
        return True
    if lw.size < fs.offset:
        return True
    return runfolder.head_signature_fd(fd, runfolder.head_length(fs.head)) != fs.head


def _head_after(fd: int, lw: LineWork) -> str | None:
    """The signature of the file's first bytes after this read (how a replaced file is told)."""
    head = lw.state.head if (lw.state is not None and not lw.replaced) else None
    if head is not None and runfolder.head_length(head) >= runfolder.HEAD_BYTES:
        return head
    if not lw.end:
        return None
    if lw.start == 0:  # the chunk is the start of the file
        return runfolder.signature_of(lw.chunk[: runfolder.HEAD_BYTES])
    return runfolder.head_signature_fd(fd, lw.end)


class LineReader:
    """Reads the new bytes of a batch's JSON Lines files and parses the metrics, in pieces of
    about GROUP_BYTES on a small thread pool, while the calling thread goes on.

    File reads and polars release the GIL, so this overlaps with reading run.json/params on
    the calling thread, and reading/parsing one piece overlaps with inserting another.
    Pieces are handed back in file order.
    """

    def __init__(self) -> None:
        self.line_items: list[tuple[RunWork, LineWork]] = []
        self.summaries: list[pl.DataFrame] = []  # per-(src, key) summaries of pieces consumed
        self._pool = ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="workbench-ingest")
        self._pieces: list[Future[Piece]] = []
        self._group: list[tuple[int, LineWork]] = []
        self._size = 0
        self._budget = plan.BATCH_BYTES

    def add(self, item: RunWork) -> None:
        """Queue one run's files; a piece is submitted once enough new bytes are queued."""
        for lw in item.lines:
            self._group.append((len(self.line_items), lw))
            self.line_items.append((item, lw))
            # The batch's read budget, from the sizes stat saw (the bytes read differ by at
            # most a partial last line); every file may read at least 1 MiB, so each gets on.
            lw.max_bytes = self._budget
            offset = lw.expected_offset or 0
            expected = lw.size - offset if lw.size >= offset else lw.size
            self._budget = max(self._budget - min(expected, lw.max_bytes), 1 << 20)
            self._size += expected
            if self._size >= GROUP_BYTES:
                self._submit()

    def close(self) -> None:
        """No more files; the pool's threads end once every piece is done."""
        if self._group:
            self._submit()
        self._pool.shutdown(wait=False)

    def cancel(self) -> None:
        """Stop: drop the pieces not started yet (the batch failed)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self) -> None:
        group, self._group, self._size = self._group, [], 0
        self._pieces.append(self._pool.submit(read_and_parse, group))

    def pieces(self) -> Iterator[Piece]:
        """Each piece once parsed, in file order."""
        for future in self._pieces:
            piece = future.result()
            self.summaries.append(piece.summary)
            yield piece


def read_and_parse(group: list[tuple[int, LineWork]]) -> Piece:
    """Read the new lines of each file of a piece, then parse its metrics in one polars call."""
    chunks = []
    counts = {}
    for idx, lw in group:
        prepare_lines(lw, lw.max_bytes)
        if lw.kind == "metrics" and lw.chunk:
            chunks.append((idx, lw.chunk))
            counts[idx] = lw.n_lines
    points, errors = runfolder.parse_metric_chunks(chunks, counts)
    return Piece([idx for idx, _ in group], points, errors, summarize(points))


def summarize(points: pl.DataFrame) -> pl.DataFrame:
    """metric_summary rows per (src, key) of parsed points (in file order within each src).

    The last point is the one with the greatest step, the later line on a tie; min/max
    ignore NaN (NULL when every value is NaN).
    """

    def aggregate(last_value: pl.Expr, last_ts: pl.Expr) -> pl.DataFrame:
        return points.group_by("src", "key").agg(
            last_value.alias("last_value"),
            pl.col("step").max().alias("last_step"),
            last_ts.alias("last_ts"),
            pl.col("value").min().fill_nan(None).alias("min_value"),  # polars skips NaN
            pl.col("value").max().fill_nan(None).alias("max_value"),
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("step").last().alias("_end_step"),
        )

    # Usual case: steps never go back, so the last line is the last point.
    summary = aggregate(pl.col("value").last(), pl.col("ts").last())
    if (summary["_end_step"] != summary["last_step"]).any():
        at_last = pl.col("step") == pl.col("step").max()
        summary = aggregate(
            pl.col("value").filter(at_last).last(), pl.col("ts").filter(at_last).last()
        )
    return summary.drop("_end_step")
