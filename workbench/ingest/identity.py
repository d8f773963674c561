"""Part of a batch (step 3), first: read run.json and decide which catalog run each folder is.

A folder is a run already known (same path, same id), a new run, a run that moved here from
another folder, or a new run replacing another in the same folder; a folder whose run id is
held by another folder, or whose run.json is bad, is reported and skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.catalog.ingest_store import UNREAD_SIZE, ErrorRow, FileState, IngestState
from workbench.errors import RunFormatError
from workbench.formats import runfolder, spec
from workbench.formats.safe_files import UnreadableFileError
from workbench.ingest.plan import RunWork, WholeFile

_SMALL_FILES = {"params": spec.PARAMS_FILE, "tags": spec.TAGS_FILE, "notes": spec.NOTES_FILE}


@dataclass
class Identities:
    """What reading a batch's run.json files decided."""

    active: list[RunWork] = field(default_factory=list)  # the runs this batch writes
    new_runs: list[RunWork] = field(default_factory=list)  # need a fresh run_key
    forget: list[int] = field(default_factory=list)  # runs read again from scratch
    move_missing: list[int] = field(default_factory=list)  # runs whose folder holds another
    errors: list[ErrorRow] = field(default_factory=list)
    file_states: list[FileState] = field(default_factory=list)
    read_paths: list[str] = field(default_factory=list)  # run.json files read (or tried)
    # Problems of run.json files that were read: (path, message, run), keyed once runs have keys.
    notices: list[tuple[str, str, RunWork]] = field(default_factory=list)

    def reject(self, run_file: WholeFile, message: str) -> None:
        """Report a run.json and remember its stat, so it is not read again until it changes."""
        self.errors.append((run_file.path, None, message, None))
        self.file_states.append(_whole_state(run_file, None))

    def retry(self, item: RunWork, run_file: WholeFile, message: str) -> None:
        """Report a run.json that could not be read now; the next pass tries it again."""
        self.errors.append((run_file.path, None, message, item.run_key))
        self.file_states.append(
            FileState(run_file.path, item.run_key, "run", 0, 0, UNREAD_SIZE, 0.0, None)
        )


def identify(
    batch: list[RunWork],
    state: IngestState,
    claimed_ids: dict[str, str],
    on_active: Callable[[RunWork], None],
) -> Identities:
    """Resolve every folder of the batch; `on_active(item)` is called for each run to write
    (so reading its JSON Lines can start while the next run.json is read).

    `claimed_ids` (run id -> folder) spans the whole pass: the first folder to show an id keeps it.
    """
    out = Identities()
    for item in batch:
        if "run" in item.whole:
            if not _read_run_json(item, state, claimed_ids, out):
                continue
        elif item.run_key is None:
            continue
        out.active.append(item)
        on_active(item)
    return out


def _read_run_json(
    item: RunWork, state: IngestState, claimed_ids: dict[str, str], out: Identities
) -> bool:
    """Read one changed run.json and settle the run's key; False when the folder is skipped."""
    run_file = item.whole["run"]
    out.read_paths.append(run_file.path)
    try:
        row = runfolder.read_run_json(item.path, item.folder.regular(spec.RUN_FILE))
    except UnreadableFileError as exc:
        # Not read, not recorded as read: a known run goes on with what the catalog has.
        out.retry(item, run_file, str(exc))
        return item.run_key is not None
    except RunFormatError as exc:
        out.reject(run_file, str(exc))
        return False
    _cap_names(row, run_file.path, item, out)
    row["path"] = item.path
    row["root"] = item.folder.root
    run_id = row["run_id"]
    by_path = state.runs_by_path.get(item.path)
    by_id = state.runs_by_id.get(run_id)
    # Another folder already holds this id (in this pass, or still on disk): skip.
    other = claimed_ids.get(run_id)
    holder = other if other and other != item.path else None
    moved = by_id is not None and by_id[1] != item.path
    if holder is None and by_id is not None and moved and _run_folder_exists(by_id[1]):
        holder = by_id[1]
    if holder is not None:
        out.reject(run_file, f"run id {run_id} is also used by {holder}; this folder is ignored")
        return False
    if by_id is not None and moved:
        _adopt_moved_run(item, by_id[0], out)
    elif by_path is not None and by_path[1] != run_id:
        # Another run now lives in this folder: the old one is missing, start afresh.
        out.move_missing.append(by_path[0])
        out.forget.append(by_path[0])
        item.run_key = None
        _read_lines_from_start(item)
    elif by_path is not None:
        item.run_key = by_path[0]
    claimed_ids[run_id] = item.path
    item.row = row
    out.file_states.append(_whole_state(run_file, item.run_key))
    if item.run_key is None:
        item.is_new = True
        out.new_runs.append(item)
        _read_every_small_file(item)
    return True


def _cap_names(row: dict[str, object], path: str, item: RunWork, out: Identities) -> None:
    """Cut a run name or project longer than spec.MAX_NAME_LENGTH, and report the cut."""
    for field_name in ("name", "project"):
        value = row[field_name]
        if isinstance(value, str) and len(value) > spec.MAX_NAME_LENGTH:
            row[field_name] = value[: spec.MAX_NAME_LENGTH]
            out.notices.append((path, f"the run's {field_name} is {len(value):,} characters "
                                f"long; kept the first {spec.MAX_NAME_LENGTH}", item))  # fmt: skip


def _adopt_moved_run(item: RunWork, run_key: int, out: Identities) -> None:
    """The run moved here from another folder: keep its key, re-read everything from here."""
    item.run_key = run_key
    out.forget.append(run_key)
    _read_lines_from_start(item)
    for kind, name in _SMALL_FILES.items():
        path = item.file_path(name)
        if kind not in item.whole and os.path.exists(path):
            st = os.stat(path)
            item.whole[kind] = WholeFile(
                kind, path, st.st_size, st.st_mtime, st.st_dev, st.st_ino
            )


def _run_folder_exists(path: str) -> bool:
    return os.path.exists(os.path.join(path, spec.RUN_FILE))


def _read_lines_from_start(item: RunWork) -> None:
    for lw in item.lines:
        lw.state = None


def _read_every_small_file(item: RunWork) -> None:
    """A fresh run reads every small file it has, changed or not."""
    for kind, name in _SMALL_FILES.items():
        st = item.folder.stats.get(name)
        if kind not in item.whole and st is not None:
            item.whole[kind] = WholeFile(kind, item.file_path(name), *st)


def _whole_state(whole: WholeFile, run_key: int | None) -> FileState:
    return FileState(whole.path, run_key, whole.kind, whole.size, 0, whole.size, whole.mtime, None,
                     whole.dev, whole.ino)  # fmt: skip
