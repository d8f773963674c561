"""Incremental, transactional ingest of run folders into the catalog.

A pass stats every run folder under the roots, compares against what the catalog remembers,
reads only new bytes, parses metrics columnar, and commits rows together with the read
offsets in one transaction per batch — so a pass killed at any instant resumes exactly.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import NotFoundError, RunFormatError
from workbench.formats import runfolder, spec

#: Bytes of new JSON Lines read into one batch (one transaction).
BATCH_BYTES = 128 << 20
#: Runs whose small files (run.json, params, ...) are read into one batch at most.
BATCH_RUNS = 5000

_LINE_KINDS = {
    spec.METRICS_FILE: "metrics",
    spec.DATASETS_FILE: "datasets",
    spec.MODELS_FILE: "models",
}
_WHOLE_KINDS = {
    spec.RUN_FILE: "run",
    spec.PARAMS_FILE: "params",
    spec.TAGS_FILE: "tags",
    spec.NOTES_FILE: "notes",
}


@dataclass
class IngestReport:
    """What one ingest pass did."""

    runs_seen: int = 0
    runs_new: int = 0
    runs_updated: int = 0
    points: int = 0
    errors: int = 0
    missing: int = 0
    seconds: float = 0.0
    error_list: list[tuple[str, int | None, str]] = field(default_factory=list)
    changed: bool = False

    def merge(self, other: IngestReport) -> None:
        for name in ("runs_new", "runs_updated", "points", "errors", "missing"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error_list.extend(other.error_list)
        self.changed = self.changed or other.changed

    def to_dict(self) -> dict:
        return {
            "runs_seen": self.runs_seen,
            "runs_new": self.runs_new,
            "runs_updated": self.runs_updated,
            "points": self.points,
            "errors": self.errors,
            "missing": self.missing,
            "seconds": round(self.seconds, 3),
            "error_list": [
                {"path": p, "line": line, "message": m} for p, line, m in self.error_list
            ],
        }


# -- discovery --------------------------------------------------------------------------------


@dataclass
class RunFolder:
    """A directory holding run.json, with the stat of the files the ingester reads."""

    path: str
    root: str
    stats: dict[str, tuple[int, float]]  # file name -> (size, mtime)
    has_artifacts: bool


def discover(root: str) -> list[RunFolder]:
    """Every folder under `root` (at any depth) that holds a run.json; never enters artifacts/."""
    found: list[RunFolder] = []
    stack = [root]
    wanted = set(_LINE_KINDS) | set(_WHOLE_KINDS)
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        names = {e.name: e for e in entries}
        is_run = spec.RUN_FILE in names
        if is_run:
            stats = {}
            for name in wanted:
                entry = names.get(name)
                if entry is None:
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                stats[name] = (st.st_size, st.st_mtime)
            if spec.RUN_FILE in stats:
                art = names.get(spec.ARTIFACTS_DIR)
                found.append(RunFolder(folder, root, stats, bool(art and art.is_dir())))
        for entry in entries:
            if entry.name.startswith(".") or (is_run and entry.name == spec.ARTIFACTS_DIR):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
            except OSError:
                continue
    return found


# -- planning ---------------------------------------------------------------------------------


@dataclass
class LineWork:
    """New bytes to read from one JSON Lines file."""

    kind: str
    path: str
    size: int
    mtime: float
    state: object  # FileState | None
    start: int = 0  # offset to read from
    lines: int = 0  # complete lines before `start`
    replaced: bool = False
    chunk: bytes = b""
    more: bool = False
    n_lines: int = 0  # complete lines in chunk
    max_bytes: int = BATCH_BYTES  # most bytes this pass may read from the file


@dataclass
class RunWork:
    """Everything that changed in one run folder."""

    folder: RunFolder
    run_key: int | None
    whole: list[tuple[str, str, int, float]]  # (kind, path, size, mtime) changed whole files
    lines: list[LineWork]
    artifacts: object  # runfolder.ArtifactScan when artifacts/ changed, else None
    unmiss: bool = False


def _artifact_changes(folder: RunFolder, known: dict, state):
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


def _plan(folders: list[RunFolder], state) -> list[RunWork]:
    work: list[RunWork] = []
    for folder in folders:
        known = state.runs_by_path.get(folder.path)
        whole = []
        for name, kind in _WHOLE_KINDS.items():
            st = folder.stats.get(name)
            path = os.path.join(folder.path, name)
            fs = state.files.get(path)
            if st is None:
                if fs is not None and kind != "run":
                    whole.append((kind, path, -1, 0.0))  # file removed
                continue
            if fs is None or fs.size != st[0] or fs.mtime != st[1]:
                whole.append((kind, path, st[0], st[1]))
        run_fs = state.files.get(os.path.join(folder.path, spec.RUN_FILE))
        run_key = run_fs.run_key if run_fs is not None else None
        if run_fs is not None and run_key is None and not whole:
            continue  # run.json known bad or duplicate, and unchanged
        lines = []
        for name, kind in _LINE_KINDS.items():
            st = folder.stats.get(name)
            if st is None:
                continue
            path = os.path.join(folder.path, name)
            fs = state.files.get(path)
            if fs is None or fs.size != st[0] or fs.mtime != st[1]:
                lines.append(LineWork(kind, path, st[0], st[1], fs))
        artifacts = _artifact_changes(
            folder, state.artifacts.get(run_key, {}) if run_key else {}, state
        )
        unmiss = bool(known and known[2])
        if whole or lines or artifacts or unmiss:
            work.append(RunWork(folder, run_key, whole, lines, artifacts, unmiss))
    return work


# -- the pass ---------------------------------------------------------------------------------


def ingest_paths(cat, paths, progress=None) -> IngestReport:
    """Add each folder as a root (remembered) and ingest it; NotFoundError for a missing folder."""
    roots = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_dir():
            raise NotFoundError(f"no such folder: {raw}")
        roots.append(str(path.resolve()))
    return ingest_roots(cat, roots, progress=progress, add=True)


def ingest_roots(cat, roots=None, progress=None, add: bool = False) -> IngestReport:
    """Ingest every known root (or just `roots`); unchanged folders cost one stat each.

    `progress(report)` is called after each committed batch (from the calling thread).
    Passes in one process run one at a time (a watcher thread and a manual refresh in the
    same app wait for each other); across processes the catalog lock and the offset check
    inside each transaction keep two ingesters from reading the same bytes twice.
    """
    import gc

    with _pass_lock:
        # A pass allocates many small objects that all live until it ends: collecting them
        # midway finds nothing and cost a fifth of a full ingest. Collect once afterwards.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return _ingest_roots(cat, roots, progress, add)
        finally:
            if enabled:
                gc.enable()


_pass_lock = threading.RLock()


def _ingest_roots(cat, roots, progress, add) -> IngestReport:
    from workbench.catalog import ingest_store as store

    started = time.perf_counter()
    if cat.exists():
        with cat.connect(read_only=True) as con:
            state = store.load_state(con)
    else:
        state = store.IngestState()
    if roots is None:
        roots = state.roots
    report = IngestReport()
    folders: list[RunFolder] = []
    seen: set[str] = set()
    scanned_roots = []
    for root in roots:
        if not os.path.isdir(root):
            report.error_list.append((root, None, "root folder not found"))
            report.errors += 1
        else:
            scanned_roots.append(root)
        for folder in discover(root):
            if folder.path not in seen:
                seen.add(folder.path)
                folders.append(folder)
    folders.sort(key=lambda f: f.path)
    report.runs_seen = len(folders)

    gone = _missing_runs(state, roots, seen)
    work = _plan(folders, state)
    if add:
        add = [r for r in roots if r not in state.roots]
    if not work and not gone and not add:
        report.seconds = time.perf_counter() - started
        return report

    batches = _batches(work) or [[]]
    first = True
    claimed_ids: dict[str, str] = {}
    while batches:
        batch = batches.pop(0)
        extra = {
            "add_roots": (add or []) if first else [],
            "scanned": [] if batches else scanned_roots,
        }
        result, again = _run_batch(cat, batch, state, claimed_ids, gone if first else [], extra)
        first = False
        report.merge(result)
        if again:
            batches.insert(0, again)
        if progress is not None:
            progress(report)
    report.seconds = time.perf_counter() - started
    return report


def _missing_runs(state, roots: list[str], seen: set[str]) -> list[int]:
    gone = []
    prefixes = [r.rstrip(os.sep) + os.sep for r in roots]
    for path, (run_key, _run_id, missing) in state.runs_by_path.items():
        if missing or path in seen:
            continue
        if any(path.startswith(p) or path == p[:-1] for p in prefixes):
            gone.append(run_key)
    return gone


def _batches(work: list[RunWork]) -> list[list[RunWork]]:
    batches: list[list[RunWork]] = []
    current: list[RunWork] = []
    budget = 0
    for item in work:
        need = sum(max(0, lw.size - (lw.state.offset if lw.state else 0)) for lw in item.lines)
        if current and (budget + need > BATCH_BYTES or len(current) >= BATCH_RUNS):
            batches.append(current)
            current, budget = [], 0
        current.append(item)
        budget += need
    if current:
        batches.append(current)
    return batches


def _prepare_lines(lw: LineWork, budget: int) -> None:
    """Decide where to read from (detecting a replaced file) and read the new complete lines."""
    fs = lw.state
    lw.start, lw.lines = (fs.offset, fs.lines) if fs is not None else (0, 0)
    budget = max(budget, 1 << 16)
    if fs is not None and fs.offset > 0:
        if lw.size < fs.offset:
            lw.replaced = True
        else:
            try:
                sig = runfolder.head_signature(lw.path, runfolder.head_length(fs.head))
            except OSError:
                sig = None
            if sig != fs.head:
                lw.replaced = True
    if lw.replaced:
        lw.start, lw.lines = 0, 0
    try:
        lw.chunk, lw.more = runfolder.read_complete_lines(lw.path, lw.start, budget, lw.size)
    except OSError:
        lw.chunk, lw.more = b"", False
    lw.n_lines = lw.chunk.count(b"\n")


#: Bytes of metrics parsed per polars call; each parsed piece is inserted while the next parses.
GROUP_BYTES = 8 << 20
#: Pieces parsed at once (polars parses one piece on one core).
PARSE_THREADS = 2


class _LineReader:
    """Reads the new bytes of a batch's JSON Lines files and parses the metrics, in pieces of
    about GROUP_BYTES on a small thread pool, while the calling thread goes on.

    File reads and polars release the GIL, so this overlaps with reading run.json/params on
    the calling thread, and reading/parsing one piece overlaps with inserting another.
    Pieces are handed back in file order.
    """

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.line_items: list[tuple[RunWork, LineWork]] = []
        self.summaries: list = []  # per-(src, key) summaries of the pieces consumed so far
        self._pool = ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="workbench-ingest")
        self._pieces: list = []  # (line item indexes, future of (points, errors, summary))
        self._group: list[tuple[int, LineWork]] = []
        self._size = 0
        self._budget = BATCH_BYTES

    def add(self, item: RunWork) -> None:
        """Queue one run's files; a piece is submitted once enough new bytes are queued."""
        for lw in item.lines:
            self._group.append((len(self.line_items), lw))
            self.line_items.append((item, lw))
            # The batch's read budget, from the sizes stat saw (the bytes read differ by at
            # most a partial last line); every file may read at least 1 MiB, so each gets on.
            lw.max_bytes = self._budget
            offset = lw.state.offset if lw.state is not None else 0
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
        future = self._pool.submit(_read_and_parse, group)
        self._pieces.append(([idx for idx, _ in group], future))

    def pieces(self):
        """Yield (line item indexes, points frame, line errors) per piece, in file order."""
        for idxs, future in self._pieces:
            points, errors, summary = future.result()
            self.summaries.append(summary)
            yield idxs, points, errors


def _read_and_parse(group: list[tuple[int, LineWork]]):
    """Read the new lines of each file of a piece, then parse its metrics in one polars call."""
    chunks = []
    counts = {}
    for idx, lw in group:
        _prepare_lines(lw, lw.max_bytes)
        if lw.kind == "metrics" and lw.chunk:
            chunks.append((idx, lw.chunk))
            counts[idx] = lw.n_lines
    points, errors = runfolder.parse_metric_chunks(chunks, counts)
    return points, errors, _summarize(points)


def _summarize(points):
    """metric_summary rows per (src, key) of parsed points (in file order within each src).

    The last point is the one with the greatest step, the later line on a tie; min/max
    ignore NaN (NULL when every value is NaN).
    """
    import polars as pl

    def aggregate(last_value, last_ts):
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


def _run_batch(cat, batch: list[RunWork], state, claimed_ids, gone, extra):
    """Read, parse and commit one batch; returns (report, follow-up batch for capped files)."""
    import numpy as np
    import polars as pl

    from workbench.catalog import ingest_store as store
    from workbench.catalog.connection import bump_data_version
    from workbench.catalog.datasets_store import link_run_datasets

    report = IngestReport()
    errors: list[tuple[str, int | None, str, int | None]] = []  # path, line, msg, run_key
    file_states: list = []

    # 1. small files, identity
    new_runs: list[RunWork] = []
    run_rows: dict[int, dict] = {}  # id(work) -> row
    params: dict[int, list] = {}
    tags: dict[int, list] = {}
    notes: dict[int, str | None] = {}
    forget: list[int] = []
    move_missing: list[int] = []
    active: list[RunWork] = []
    small: list[tuple[RunWork, Path, dict]] = []
    removed_paths: list[str] = []
    reader = _LineReader()
    try:
        for item in batch:
            folder = Path(item.folder.path)
            whole = {kind: (path, size, mtime) for kind, path, size, mtime in item.whole}
            if "run" in whole:
                path, size, mtime = whole["run"]
                try:
                    row = runfolder.read_run_json(folder)
                except RunFormatError as exc:
                    errors.append((path, None, str(exc), None))
                    file_states.append(
                        store.FileState(path, None, "run", size, 0, size, mtime, None)
                    )
                    continue
                row["path"] = item.folder.path
                row["root"] = item.folder.root
                by_path = state.runs_by_path.get(item.folder.path)
                by_id = state.runs_by_id.get(row["run_id"])
                other = claimed_ids.get(row["run_id"])
                # Another folder already holds this id (in this pass, or still on disk): skip.
                holder = other if other and other != item.folder.path else None
                moved = by_id is not None and by_id[1] != item.folder.path
                if holder is None and moved and os.path.exists(os.path.join(by_id[1], spec.RUN_FILE)):
                    holder = by_id[1]
                if holder is not None:
                    errors.append(
                        (
                            path,
                            None,
                            f"run id {row['run_id']} is also used by {holder}; this folder is ignored",
                            None,
                        )
                    )
                    file_states.append(
                        store.FileState(path, None, "run", size, 0, size, mtime, None)
                    )
                    continue
                if moved:
                    # The run moved: re-read it from its new folder.
                    item.run_key = by_id[0]
                    forget.append(by_id[0])
                    for lw in item.lines:
                        lw.state = None
                    for kind in ("params", "tags", "notes"):
                        p = os.path.join(
                            item.folder.path,
                            {
                                "params": spec.PARAMS_FILE,
                                "tags": spec.TAGS_FILE,
                                "notes": spec.NOTES_FILE,
                            }[kind],
                        )
                        if kind not in whole and os.path.exists(p):
                            st = os.stat(p)
                            whole[kind] = (p, st.st_size, st.st_mtime)
                elif by_path is not None and by_path[1] != row["run_id"]:
                    # Another run now lives in this folder: the old one is missing, start afresh.
                    move_missing.append(by_path[0])
                    forget.append(by_path[0])
                    item.run_key = None
                    for lw in item.lines:
                        lw.state = None
                elif by_path is not None:
                    item.run_key = by_path[0]
                claimed_ids[row["run_id"]] = item.folder.path
                run_rows[id(item)] = row
                file_states.append(
                    store.FileState(path, item.run_key, "run", size, 0, size, mtime, None)
                )
                if item.run_key is None:
                    new_runs.append(item)
                    # a fresh run reads every file it has
                    for kind, name in (
                        ("params", spec.PARAMS_FILE),
                        ("tags", spec.TAGS_FILE),
                        ("notes", spec.NOTES_FILE),
                    ):
                        st = item.folder.stats.get(name)
                        if kind not in whole and st is not None:
                            whole[kind] = (os.path.join(item.folder.path, name), st[0], st[1])
            elif item.run_key is None:
                continue
            small.append((item, folder, whole))
            active.append(item)
            reader.add(item)
        reader.close()
        line_items = reader.line_items

        # 2. small files on a helper thread, while this one opens the transaction and the
        # reader's pool reads and parses the JSON Lines
        from concurrent.futures import ThreadPoolExecutor

        helper = ThreadPoolExecutor(1, thread_name_prefix="workbench-ingest")
        small_files = helper.submit(_read_small_files, small, store)
        helper.shutdown(wait=False)

        # 3. one transaction
        with cat.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for key in forget:
                    store.forget_run_files(con, key)
                stored = store.current_offsets(con, [lw.path for _, lw in line_items])
                stale_src = set()
                for idx, (_item, lw) in enumerate(line_items):
                    now = stored.get(lw.path)
                    expected = lw.state.offset if lw.state is not None else None
                    if now != expected:
                        stale_src.add(idx)  # someone else ingested it meanwhile; next pass
                keys = store.new_run_keys(con, len(new_runs))
                new_ids = {id(i) for i in new_runs}
                for item, key in zip(new_runs, keys, strict=True):
                    item.run_key = key
                store.set_missing(con, move_missing, True)
                moved = {i.run_key for i in active}
                gone = [k for k in gone if k not in moved]
                store.set_missing(con, gone, True)  # before upsert_runs, which clears it
                report.missing = len(gone)
                rows = []
                for item in active:
                    row = run_rows.get(id(item))
                    if row is not None:
                        row["run_key"] = item.run_key
                        rows.append(row)
                        if id(item) in new_ids:
                            report.runs_new += 1
                store.upsert_runs(con, rows)
                small_states, small_errors = small_files.result()
                for f_path, msg, item in small_errors:
                    errors.append((f_path, None, msg, item.run_key))
                for _item, values in small_states:
                    params.update(values.get("params", {}))
                    tags.update(values.get("tags", {}))
                    notes.update(values.get("notes", {}))
                    removed_paths.extend(values.get("removed", []))
                    file_states.extend(values.get("states", []))
                # fill run keys of states that were created before keys were known
                key_of_path = {item.folder.path: item.run_key for item in active}
                for fs in file_states:
                    if fs.run_key is None:
                        fs.run_key = key_of_path.get(os.path.dirname(fs.path))
                _write_params_tags(con, store, pl, active, params, tags)
                for item in active:
                    if id(item) in notes:
                        store.set_notes(con, item.run_key, notes[id(item)])
                store.set_missing(
                    con, [i.run_key for i in active if i.unmiss and id(i) not in run_rows], False
                )

                # JSON Lines: each piece as it is parsed (the pool parses the next meanwhile),
                # then read positions and datasets/models
                replaced_any = False
                src_keys = np.array(
                    [
                        -1 if i in stale_src else item.run_key
                        for i, (item, _) in enumerate(line_items)
                    ],
                    dtype=np.int32,
                )
                parsed_any = False
                for idxs, points, line_errors in reader.pieces():
                    for idx in idxs:
                        item, lw = line_items[idx]
                        if lw.replaced and idx not in stale_src:
                            store.forget_file_rows(con, lw.kind, item.run_key, lw.path)
                            replaced_any = True
                    if points.height:
                        parsed_any = True
                        keyed = points.select(
                            pl.Series("run_key", src_keys[points["src"].to_numpy()]),
                            "key", "step", "ts", "value",
                        )  # fmt: skip
                        if stale_src:
                            keyed = keyed.filter(pl.col("run_key") >= 0)
                        store.insert_points(con, keyed)
                        report.points += keyed.height
                    for err in line_errors:
                        if err.src in stale_src:
                            continue
                        item, lw = line_items[err.src]
                        errors.append(
                            (lw.path, lw.lines + err.index + 1, err.message, item.run_key)
                        )
                for idx, (item, lw) in enumerate(line_items):
                    if idx in stale_src:
                        continue
                    if lw.kind != "metrics" and lw.chunk:
                        recs, rec_errors = runfolder.parse_record_lines(
                            lw.chunk, lw.kind, Path(item.folder.path)
                        )
                        for rec in recs:
                            rec["run_key"] = item.run_key
                        store.insert_records(
                            con, "run_datasets" if lw.kind == "datasets" else "run_models", recs
                        )
                        for index, msg in rec_errors:
                            errors.append((lw.path, lw.lines + index + 1, msg, item.run_key))
                    new_offset = lw.start + len(lw.chunk)
                    head = lw.state.head if (lw.state is not None and not lw.replaced) else None
                    if head is None or runfolder.head_length(head) < runfolder.HEAD_BYTES:
                        if not new_offset:
                            head = None
                        elif lw.start == 0:  # the chunk is the start of the file
                            head = runfolder.signature_of(lw.chunk[: runfolder.HEAD_BYTES])
                        else:
                            head = runfolder.head_signature(lw.path, new_offset)
                    file_states.append(
                        store.FileState(
                            lw.path,
                            item.run_key,
                            lw.kind,
                            new_offset,
                            lw.lines + lw.n_lines,
                            lw.size if not lw.more else -1,
                            lw.mtime,
                            head,
                        )
                    )
                summaries = [f for f in reader.summaries if f.height]
                if summaries:
                    summary = pl.concat(summaries, how="vertical")
                    summary = summary.select(
                        pl.Series("run_key", src_keys[summary["src"].to_numpy()]),
                        pl.exclude("src"),
                    )
                    if stale_src:
                        summary = summary.filter(pl.col("run_key") >= 0)
                    store.merge_summaries(con, summary)

                # artifacts
                for item in active:
                    if item.artifacts is not None:
                        art_errors, refused = _sync_artifacts(con, store, item, state)
                        errors.extend(art_errors)
                        file_states.extend(refused)

                store.upsert_file_states(con, file_states)
                store.delete_file_states(con, removed_paths)
                store.insert_errors(con, errors)
                store.add_roots(con, extra["add_roots"])
                store.mark_roots_scanned(con, extra["scanned"])
                changed = bool(
                    rows
                    or parsed_any
                    or errors
                    or gone
                    or forget
                    or params
                    or tags
                    or notes
                    or replaced_any
                    or any(i.artifacts is not None or i.unmiss for i in active)
                )
                report.runs_updated = sum(
                    1
                    for i in active
                    if id(i) not in new_ids
                    and (
                        id(i) in run_rows
                        or id(i) in params
                        or id(i) in tags
                        or any(lw.chunk for lw in i.lines)
                    )
                )
                if changed:
                    link_run_datasets(con)  # dataset versions and locations of new lines
                    bump_data_version(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        report.changed = changed
        report.errors += len(errors)
        report.error_list.extend((p, line, m) for p, line, m, _k in errors)
        follow_up: list[RunWork] = []
        for item in active:
            capped = [lw for lw in item.lines if lw.more]
            if capped:
                follow_up.append(RunWork(item.folder, item.run_key, [], [], None))
                follow_up[-1]._capped = capped  # type: ignore[attr-defined]
        # Keep the in-memory state in step for the follow-up batch of capped files.
        for fs in file_states:
            state.files[fs.path] = fs
        for path in removed_paths:
            state.files.pop(path, None)
        for item in active:
            row = run_rows.get(id(item))
            if row is not None:
                state.runs_by_path[item.folder.path] = (item.run_key, row["run_id"], False)
                state.runs_by_id[row["run_id"]] = (item.run_key, item.folder.path, False)
        again = []
        for fu in follow_up:
            fu.run_key = next(
                (i.run_key for i in active if i.folder.path == fu.folder.path), fu.run_key
            )
            for lw in fu._capped:  # type: ignore[attr-defined]
                st = state.files.get(lw.path)
                again_lw = LineWork(lw.kind, lw.path, lw.size, lw.mtime, st)
                fu.lines.append(again_lw)
            again.append(fu)
        return report, again
    except BaseException:
        reader.cancel()
        raise


def _read_small_files(small, store):
    """Read params/tags/notes of each run of a batch (runs on a helper thread).

    Returns ([(item, {"params"|"tags"|"notes": {id(item): value}, "removed": [path],
    "states": [FileState]})], [(path, message, item)]); run keys are filled in later.
    """
    results, errors = [], []
    for item, folder, whole in small:
        values: dict = {}
        for kind in ("params", "tags", "notes"):
            if kind not in whole:
                continue
            path, size, mtime = whole[kind]
            try:
                if size < 0:
                    value = [] if kind != "notes" else None
                elif kind == "params":
                    value = runfolder.read_params(folder)
                elif kind == "tags":
                    value = runfolder.read_tags(folder)
                else:
                    value = runfolder.read_notes(folder)
            except RunFormatError as exc:
                errors.append((path, str(exc), item))
                value = None if kind == "notes" else []
                if kind == "notes":
                    continue
            values.setdefault(kind, {})[id(item)] = value
            if size < 0:
                values.setdefault("removed", []).append(path)
            else:
                values.setdefault("states", []).append(
                    store.FileState(path, None, kind, size, 0, size, mtime, None)
                )
        if values:
            results.append((item, values))
    return results, errors


def _write_params_tags(con, store, pl, active, params, tags) -> None:
    """Replace params and tags of the runs that changed, one statement per table."""
    p_keys, t_keys = [], []
    p_cols: list[list] = [[], [], [], [], []]
    t_cols: list[list] = [[], [], []]
    for item in active:
        if id(item) in params:
            p_keys.append(item.run_key)
            rows = params[id(item)]
            p_cols[0].extend([item.run_key] * len(rows))
            for col, values in zip(p_cols[1:], zip(*rows, strict=True), strict=False):
                col.extend(values)
        if id(item) in tags:
            t_keys.append(item.run_key)
            rows = tags[id(item)]
            t_cols[0].extend([item.run_key] * len(rows))
            for col, values in zip(t_cols[1:], zip(*rows, strict=True), strict=False):
                col.extend(values)
    p_schema = {"run_key": pl.Int32, "key": pl.String, "value_text": pl.String,
                "value_num": pl.Float64, "value_type": pl.String}  # fmt: skip
    t_schema = {"run_key": pl.Int32, "key": pl.String, "value": pl.String}
    store.replace_params_bulk(
        con, (p_keys, pl.DataFrame(dict(zip(p_schema, p_cols, strict=True)), schema=p_schema))
    )
    store.replace_tags_bulk(
        con, (t_keys, pl.DataFrame(dict(zip(t_schema, t_cols, strict=True)), schema=t_schema))
    )


def _sync_artifacts(con, store, item: RunWork, state):
    """Write the artifact changes planned for one run; returns (errors, refusal states)."""
    folder = Path(item.folder.path)
    scan = item.artifacts
    known = state.artifacts.get(item.run_key, {})
    changed = []
    for rel, (size, mtime) in scan.files.items():
        if known.get(rel) == (size, mtime):
            continue
        try:
            digest = runfolder.sha256_file(folder / spec.ARTIFACTS_DIR / rel)
        except OSError:
            continue
        changed.append((rel, size, digest, mtime))
    removed = [rel for rel in known if rel not in scan.files]
    store.replace_artifacts(con, item.run_key, changed, removed)
    errors, refused = [], []
    for path, reason in scan.refused:
        if path not in state.files:
            errors.append((path, None, reason, item.run_key))
            refused.append(store.FileState(path, item.run_key, "refused", 0, 0, 0, 0.0, None))
    new_known = {k: v for k, v in known.items() if k not in removed}
    for rel, size, _digest, mtime in changed:
        new_known[rel] = (size, mtime)
    state.artifacts[item.run_key] = new_known
    return errors, refused
