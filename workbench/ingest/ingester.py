"""Incremental, transactional ingest of run folders into the catalog: the pass.

A pass finds the run folders under the roots (`discover`), compares them with what the
catalog remembers and cuts the changes into batches (`plan`), then reads, parses and commits
each batch in one transaction (`batch`, with `reader` parsing the metrics), rows together
with the read offsets, so a pass killed at any instant resumes exactly.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterable

from workbench.catalog import ingest_store as store
from workbench.catalog.contract import CatalogLike
from workbench.catalog.sources import record_sources
from workbench.errors import CatalogBusyError
from workbench.ingest.csv_mirror import import_root_for
from workbench.ingest.discover import Discovery, discover_roots, missing_runs
from workbench.ingest.plan import RunWork, batches, plan
from workbench.ingest.report import IngestReport
from workbench.ingest.roots import resolve_roots

#: Called after each committed batch with the pass's report so far (from the calling thread).
Progress = Callable[[IngestReport], None]

_pass_lock = threading.RLock()


def ingest_paths(
    cat: CatalogLike,
    paths: Iterable[str | os.PathLike[str]],
    progress: Progress | None = None,
) -> IngestReport:
    """Add each folder as a root (remembered) and ingest it; NotFoundError for a missing folder.

    The roots are also recorded beside the catalog (catalog/sources.py), for a rebuild."""
    roots = resolve_roots(paths)
    record_sources(cat.path, roots=roots)
    return ingest_roots(cat, roots, progress=progress, add=True)


def ingest_roots(
    cat: CatalogLike,
    roots: list[str] | None = None,
    progress: Progress | None = None,
    add: bool = False,
) -> IngestReport:
    """Ingest every known root (or just `roots`); unchanged folders cost one stat each.

    `progress(report)` is called after each committed batch (from the calling thread).
    Passes in one process run one at a time (a watcher thread and a manual refresh in the
    same app wait for each other); across processes the catalog lock and the offset check
    inside each transaction keep two ingesters from reading the same bytes twice.
    """
    with _pass_lock:
        # A pass allocates many small objects that all live until it ends: collecting them
        # midway finds nothing and cost a fifth of a full ingest. Collect once afterwards.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return _ingest_pass(cat, roots, progress, add)
        finally:
            if enabled:
                gc.enable()


#: Times a pass plans again when another process ingested meanwhile, before it gives up.
REPLANS = 5


def _ingest_pass(
    cat: CatalogLike, roots: list[str] | None, progress: Progress | None, add: bool
) -> IngestReport:
    started = time.perf_counter()
    state = _load_state(cat)
    if roots is None:
        roots = state.roots
    report = IngestReport()
    found = discover_roots(roots, import_root=str(import_root_for(cat.path)))
    for root in found.missing_roots:
        report.error_list.append((root, None, "root folder not found"))
        report.errors += 1
    report.error_list.extend(found.problems)  # Lightning CSV logs that could not be read
    report.errors += len(found.problems)
    report.runs_seen = len(found.folders)
    for attempt in range(REPLANS + 1):
        try:
            _run_batches(cat, state, roots, found, add, report, progress)
            break
        except store.CatalogChangedError:
            # Another ingest committed since our state was read (two `ingest` at once, a
            # watcher and a manual refresh in two processes): what it wrote is not ours to
            # redo. Read the state again and plan what is left.
            if attempt == REPLANS:
                raise CatalogBusyError(
                    f"the catalog {cat.path} kept changing under this ingest (another process "
                    "is ingesting the same folders); try again once it is done"
                ) from None
            time.sleep(0.05 * (attempt + 1))
            state = _load_state(cat)
    report.seconds = time.perf_counter() - started
    return report


def _load_state(cat: CatalogLike) -> store.IngestState:
    if not cat.exists():
        return store.IngestState()
    with cat.connect(read_only=True) as con:
        return store.load_state(con)


def _run_batches(
    cat: CatalogLike,
    state: store.IngestState,
    roots: list[str],
    found: Discovery,
    add: bool,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    """Plan against `state` and commit the work batch by batch into `report`."""
    # numpy and polars load with the first pass, not with `import workbench.ingest`.
    from workbench.ingest.batch import BatchWork, run_batch

    gone = missing_runs(state, roots, found.paths)
    work = plan(found.folders, state)
    new_roots = [r for r in roots if r not in state.roots] if add else []
    if not work and not gone and not new_roots:
        return
    todo: list[list[RunWork]] = batches(work) or [[]]
    first = True
    claimed_ids: dict[str, str] = {}  # run id -> the folder that holds it in this pass
    while todo:
        batch = BatchWork(todo.pop(0))
        if first:
            batch.gone, batch.add_roots = gone, new_roots
        if not todo:
            batch.scanned_roots = found.scanned_roots
            batch.last = True
        result, again = run_batch(cat, batch, state, claimed_ids)
        first = False
        report.merge(result)
        if again:
            todo.insert(0, again)
        if progress is not None:
            progress(report)
