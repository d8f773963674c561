"""Step 1 of a pass: find the run folders under the roots, with one stat per file it reads."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from workbench.catalog.ingest_store import IngestState
from workbench.errors import WorkbenchError
from workbench.formats import spec
from workbench.formats.csv_logs import is_lightning_folder

#: JSON Lines files, read incrementally from a remembered offset: file name -> kind.
LINE_KINDS = {
    spec.METRICS_FILE: "metrics",
    spec.DATASETS_FILE: "datasets",
    spec.MODELS_FILE: "models",
}
#: Small files, read whole whenever their size or mtime changes: file name -> kind.
WHOLE_KINDS = {
    spec.RUN_FILE: "run",
    spec.PARAMS_FILE: "params",
    spec.TAGS_FILE: "tags",
    spec.NOTES_FILE: "notes",
}


@dataclass
class RunFolder:
    """A directory holding run.json, with the stat of the files the ingester reads."""

    path: str
    root: str
    stats: dict[str, tuple[int, float, int, int]]  # file name -> (size, mtime, dev, inode)
    has_artifacts: bool
    special: frozenset[str] = frozenset()  # names whose stat found no regular file

    def regular(self, name: str) -> bool:
        """Whether this pass's stat found a regular file at `name` (readers skip a 2nd stat)."""
        return name in self.stats and name not in self.special


@dataclass
class Discovery:
    """Every run folder found under a pass's roots (each once, sorted by path)."""

    folders: list[RunFolder] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)
    scanned_roots: list[str] = field(default_factory=list)  # roots that exist
    missing_roots: list[str] = field(default_factory=list)  # roots whose folder is gone
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)  # bad CSV logs


def discover(
    root: str,
    import_root: str | None = None,
    problems: list[tuple[str, int | None, str]] | None = None,
) -> list[RunFolder]:
    """Every folder under `root` (at any depth) that holds a run.json; never enters artifacts/.

    With `import_root`, a Lightning CSVLogger folder met on the way is written as a run folder
    there (ingest/csv_mirror.py) and listed too; what it could not read goes to `problems`.
    """
    found: list[RunFolder] = []
    stack = [root]
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
            run = _run_folder(folder, root, names)
            if run is not None:
                found.append(run)
        elif import_root is not None and is_lightning_folder(names.keys()):
            found.extend(_lightning_run(folder, import_root, problems))
        for entry in entries:
            if entry.name.startswith(".") or (is_run and entry.name == spec.ARTIFACTS_DIR):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
            except OSError:
                continue
    return found


def _run_folder(folder: str, root: str, names: dict[str, os.DirEntry[str]]) -> RunFolder | None:
    """The stats of a run folder's files; None when run.json vanished meanwhile."""
    stats = {}
    special = []
    for name in (*LINE_KINDS, *WHOLE_KINDS):
        entry = names.get(name)
        if entry is None:
            continue
        try:
            st = entry.stat()
        except OSError:
            continue
        stats[name] = (st.st_size, st.st_mtime, st.st_dev, st.st_ino)
        if not S_ISREG(st.st_mode):
            special.append(name)  # a FIFO, a device: never opened (safe_files says why)
    if spec.RUN_FILE not in stats:
        return None
    art = names.get(spec.ARTIFACTS_DIR)
    return RunFolder(folder, root, stats, bool(art and art.is_dir()), frozenset(special))


def _lightning_run(
    folder: str, import_root: str, problems: list[tuple[str, int | None, str]] | None
) -> list[RunFolder]:
    """The run folder written from a Lightning CSVLogger folder ([] when it cannot be read)."""
    from workbench.ingest.csv_mirror import mirror

    try:
        mirrored = mirror("lightning", folder, Path(import_root))
    except (WorkbenchError, OSError) as exc:
        if problems is not None:
            problems.append((folder, None, str(exc)))
        return []
    if problems is not None and mirrored.log is not None:
        problems.extend(mirrored.log.problems)
    with os.scandir(mirrored.folder) as it:
        run = _run_folder(str(mirrored.folder), import_root, {e.name: e for e in it})
    return [run] if run is not None else []


def discover_roots(roots: list[str], import_root: str | None = None) -> Discovery:
    """Run folders under every root; a folder reachable from two roots is listed once.

    With `import_root`, Lightning CSVLogger folders under the roots are read too (`discover`).
    """
    found = Discovery()
    for root in roots:
        if os.path.isdir(root):
            found.scanned_roots.append(root)
        else:
            found.missing_roots.append(root)
        for folder in discover(root, import_root, found.problems):
            if folder.path not in found.paths:
                found.paths.add(folder.path)
                found.folders.append(folder)
    found.folders.sort(key=lambda f: f.path)
    return found


def missing_runs(state: IngestState, roots: list[str], seen: set[str]) -> list[int]:
    """Run keys of catalogued runs under these roots whose folder was not found this pass."""
    gone = []
    prefixes = [r.rstrip(os.sep) + os.sep for r in roots]
    for path, (run_key, _run_id, missing) in state.runs_by_path.items():
        if missing or path in seen:
            continue
        if any(path.startswith(p) or path == p[:-1] for p in prefixes):
            gone.append(run_key)
    return gone
