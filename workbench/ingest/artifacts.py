"""Part of a batch (step 3), last: record the files under a run's artifacts/ (size, SHA-256,
mtime), hashing only the ones that changed, and report entries refused for escaping the folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workbench.catalog import ingest_store as store
from workbench.catalog.ingest_store import ErrorRow, FileState, IngestState
from workbench.formats import runfolder, spec
from workbench.ingest.plan import RunWork

if TYPE_CHECKING:
    from workbench.catalog.ingest_store import Connection


def sync_artifacts(
    con: Connection, item: RunWork, state: IngestState
) -> tuple[list[ErrorRow], list[FileState]]:
    """Write the artifact changes planned for one run; returns (errors, refusal states).

    `state.artifacts` is brought up to date for the run (the next batch compares against it).
    """
    assert item.artifacts is not None and item.run_key is not None
    folder = Path(item.path)
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
    errors: list[ErrorRow] = []
    refused: list[FileState] = []
    for path, reason in scan.refused:
        if path not in state.files:
            errors.append((path, None, reason, item.run_key))
            refused.append(FileState(path, item.run_key, "refused", 0, 0, 0, 0.0, None))
    new_known = {k: v for k, v in known.items() if k not in removed}
    for rel, size, _digest, mtime in changed:
        new_known[rel] = (size, mtime)
    state.artifacts[item.run_key] = new_known
    return errors, refused
