"""Step 2 of a pass: compare the folders with what the catalog remembers, and cut the work into
batches (each batch is one transaction).

Planning only stats and compares; no file is read here except the listing of artifacts/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.catalog.ingest_store import FileState, IngestState
from workbench.errors import RunFormatError
from workbench.formats import runfolder, spec
from workbench.ingest.discover import LINE_KINDS, WHOLE_KINDS, RunFolder

#: Bytes of new JSON Lines read into one batch (one transaction).
BATCH_BYTES = 128 << 20
#: Runs whose small files (run.json, params, ...) are read into one batch at most.
BATCH_RUNS = 5000


@dataclass
class WholeFile:
    """A small file (run.json, params, tags, notes) to read whole; size -1: it was removed."""

    kind: str
    path: str
    size: int
    mtime: float
    dev: int | None = None
    ino: int | None = None

    @property
    def removed(self) -> bool:
        return self.size < 0


@dataclass
class LineWork:
    """New bytes to read from one JSON Lines file, and (once read) the bytes themselves."""

    kind: str
    path: str
    size: int
    mtime: float
    state: FileState | None  # what the catalog remembers; None: read from the start
    start: int = 0  # offset to read from
    lines: int = 0  # complete lines before `start`
    replaced: bool = False  # the file is not the one the offset belongs to: read it afresh
    chunk: bytes = b""
    more: bool = False  # the read stopped at the byte budget: a follow-up batch reads on
    n_lines: int = 0  # complete lines in chunk
    max_bytes: int = BATCH_BYTES  # most bytes this pass may read from the file
    dev: int | None = None  # the file's identity (from the open file once read)
    ino: int | None = None
    head_after: str | None = None  # the head signature after this read
    error: RunFormatError | None = None  # why the file could not be read (safe_files errors)
    regular: bool = False  # the pass's stat found a regular file (no second stat needed)

    @property
    def expected_offset(self) -> int | None:
        """The offset the catalog held when the pass planned this read (None: not known)."""
        return self.state.offset if self.state is not None else None

    @property
    def end(self) -> int:
        """The offset after the bytes read."""
        return self.start + len(self.chunk)


@dataclass(eq=False)
class RunWork:
    """Everything that changed in one run folder, and what the batch learns about it.

    Planning fills the first fields; reading run.json fills `run_key` (for a new run, once
    the transaction hands out keys), `row` and `is_new`; the small-file reader fills
    `params`, `tags` and `notes`. Compared (and hashed) by identity.
    """

    folder: RunFolder
    run_key: int | None
    whole: dict[str, WholeFile]  # changed small files by kind
    lines: list[LineWork]
    artifacts: runfolder.ArtifactScan | None  # a scan when artifacts/ changed
    unmiss: bool = False  # the catalog marks the run missing, and its folder is back
    row: dict[str, Any] | None = None  # run.json as a runs row, when it was (re)read
    is_new: bool = False
    params: list[tuple[str, str, float | None, str]] | None = None  # None: unchanged
    tags: list[tuple[str, str]] | None = None
    notes: str | None = None
    notes_read: bool = False

    @property
    def path(self) -> str:
        return self.folder.path

    def file_path(self, name: str) -> str:
        return os.path.join(self.folder.path, name)

    def capped_lines(self) -> list[LineWork]:
        """The files this batch stopped reading at its byte budget."""
        return [lw for lw in self.lines if lw.more]


def plan(folders: list[RunFolder], state: IngestState) -> list[RunWork]:
    """The folders with something new to read (a no-op pass returns [])."""
    work: list[RunWork] = []
    for folder in folders:
        whole = _changed_whole_files(folder, state)
        run_fs = state.files.get(os.path.join(folder.path, spec.RUN_FILE))
        run_key = run_fs.run_key if run_fs is not None else None
        if run_fs is not None and run_key is None and not whole:
            continue  # run.json known bad or duplicate, and unchanged
        lines = _changed_line_files(folder, state)
        known = state.artifacts.get(run_key, {}) if run_key else {}
        artifacts = artifact_changes(folder, known, state)
        by_path = state.runs_by_path.get(folder.path)
        unmiss = bool(by_path and by_path[2])
        if whole or lines or artifacts or unmiss:
            work.append(RunWork(folder, run_key, whole, lines, artifacts, unmiss))
    return work


def _changed_whole_files(folder: RunFolder, state: IngestState) -> dict[str, WholeFile]:
    whole: dict[str, WholeFile] = {}
    for name, kind in WHOLE_KINDS.items():
        st = folder.stats.get(name)
        path = os.path.join(folder.path, name)
        fs = state.files.get(path)
        if st is None:
            if fs is not None and kind != "run":
                whole[kind] = WholeFile(kind, path, -1, 0.0)  # file removed
            continue
        if fs is None or fs.size != st[0] or fs.mtime != st[1] or _other_file(fs, st):
            whole[kind] = WholeFile(kind, path, st[0], st[1], st[2], st[3])
    return whole


def _other_file(fs: FileState, st: tuple[int, float, int, int]) -> bool:
    """True when the file at the path is not the one the catalog read (replaced by rename)."""
    return fs.ino is not None and (fs.ino != st[3] or fs.dev != st[2])


def _changed_line_files(folder: RunFolder, state: IngestState) -> list[LineWork]:
    lines = []
    for name, kind in LINE_KINDS.items():
        st = folder.stats.get(name)
        if st is None:
            continue
        path = os.path.join(folder.path, name)
        fs = state.files.get(path)
        if fs is None or fs.size != st[0] or fs.mtime != st[1] or _other_file(fs, st):
            lines.append(LineWork(kind, path, st[0], st[1], fs, dev=st[2], ino=st[3],
                                  regular=folder.regular(name)))  # fmt: skip
    return lines


def artifact_changes(
    folder: RunFolder, known: dict[str, tuple[int, float]], state: IngestState
) -> runfolder.ArtifactScan | None:
    """A scan of artifacts/ when it differs from what the catalog holds, else None (stat only)."""
    if not folder.has_artifacts and not known:
        return None
    scan = (
        runfolder.scan_artifacts(Path(folder.path))
        if folder.has_artifacts
        else runfolder.ArtifactScan()
    )
    if (
        any(known.get(rel) != v for rel, v in scan.files.items())
        or any(rel not in scan.files for rel in known)
        or any(path not in state.files for path, _ in scan.refused)
    ):
        return scan
    return None


def batches(work: list[RunWork]) -> list[list[RunWork]]:
    """Cut the work into batches of at most BATCH_BYTES new bytes and BATCH_RUNS runs."""
    out: list[list[RunWork]] = []
    current: list[RunWork] = []
    budget = 0
    for item in work:
        need = sum(max(0, lw.size - (lw.expected_offset or 0)) for lw in item.lines)
        if current and (budget + need > BATCH_BYTES or len(current) >= BATCH_RUNS):
            out.append(current)
            current, budget = [], 0
        current.append(item)
        budget += need
    if current:
        out.append(current)
    return out


def follow_ups(done: list[RunWork], state: IngestState) -> list[RunWork]:
    """A batch for the files a committed batch stopped reading at its budget, reading on from
    the offsets just committed (`state` is already up to date)."""
    again = []
    for item in done:
        capped = item.capped_lines()
        if capped:
            lines = [
                LineWork(lw.kind, lw.path, lw.size, lw.mtime, state.files.get(lw.path),
                         dev=lw.dev, ino=lw.ino)
                for lw in capped
            ]
            again.append(RunWork(item.folder, item.run_key, {}, lines, None))
    return again
