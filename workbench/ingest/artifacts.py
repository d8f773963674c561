"""Part of a batch (step 3), last: record the files under a run's artifacts/ (size, SHA-256,
mtime), hashing only the ones that changed, and report entries refused (links out of the
folder or looping, FIFOs, devices) and files that could not be read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.catalog import ingest_store as store
from workbench.catalog.ingest_store import ErrorRow, FileState, IngestState
from workbench.errors import RunFormatError
from workbench.formats import runfolder, spec
from workbench.ingest.plan import RunWork

if TYPE_CHECKING:
    from workbench.catalog.ingest_store import Connection


@dataclass
class SyncedArtifacts:
    """What recording one run's artifacts reported."""

    errors: list[ErrorRow] = field(default_factory=list)
    refused: list[FileState] = field(default_factory=list)  # entries refused, reported once
    hashed: list[str] = field(default_factory=list)  # paths read (or tried) this time


def sync_artifacts(con: Connection, item: RunWork, state: IngestState) -> SyncedArtifacts:
    """Write the artifact changes planned for one run.

    A file that cannot be hashed (unreadable, or swapped for a special file or a link out
    since the scan) is reported and left out; it is tried again on the next pass.
    `state.artifacts` is brought up to date for the run (the next batch compares against it).
    """
    assert item.artifacts is not None and item.run_key is not None
    out = SyncedArtifacts()
    folder = Path(item.path)
    scan = item.artifacts
    known = state.artifacts.get(item.run_key, {})
    real_folder = os.path.realpath(folder)  # the scan found these files inside it just now
    changed = []
    for rel, (size, mtime) in scan.files.items():
        if known.get(rel) == (size, mtime):
            continue
        path = folder / spec.ARTIFACTS_DIR / rel
        out.hashed.append(str(path))
        try:
            digest = runfolder.sha256_file(path, inside=folder, real_inside=real_folder)
        except FileNotFoundError:
            continue
        except RunFormatError as exc:
            out.errors.append((str(path), None, str(exc), item.run_key))
            continue
        changed.append((rel, size, digest, mtime))
    removed = [rel for rel in known if rel not in scan.files]
    store.replace_artifacts(con, item.run_key, changed, removed)
    for path, reason in scan.refused:
        if path not in state.files:
            out.errors.append((path, None, reason, item.run_key))
            out.refused.append(FileState(path, item.run_key, "refused", 0, 0, 0, 0.0, None))
    new_known = {k: v for k, v in known.items() if k not in removed}
    for rel, size, _digest, mtime in changed:
        new_known[rel] = (size, mtime)
    state.artifacts[item.run_key] = new_known
    return out
