"""Rebuild a catalog into a new file: run folders from its roots, the registry from its event
log, data folders scanned again; then swap it in and keep the old file as a backup.

Works when the old catalog cannot be read at all: the roots then come from the sidecar kept
beside it (catalog/sources.py) and from the folders the caller names.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from workbench.catalog.connection import Catalog
from workbench.catalog.sources import Sources, read_sources, write_sources
from workbench.errors import CatalogDamagedError, NotFoundError, WorkbenchError

#: Called with a short line saying what the rebuild is doing, and as each batch of runs lands.
Progress = Callable[[str], None]


@dataclass
class RebuildReport:
    """What a rebuild read, where the old catalog went, and what could not be carried over."""

    catalog: str
    backup: str | None
    roots: list[str] = field(default_factory=list)
    missing_roots: list[str] = field(default_factory=list)
    runs: int = 0
    points: int = 0
    ingest_errors: int = 0
    registry_events: int = 0
    registry_problem: str | None = None
    scanned: list[str] = field(default_factory=list)
    datasets_files: int = 0
    old_catalog_problem: str | None = None


def rebuild(
    cat: Catalog,
    extra_roots: Iterable[str | os.PathLike[str]] = (),
    progress: Progress | None = None,
) -> RebuildReport:
    """Rebuild `cat` into a new file and swap it in; the old file is kept beside it as
    `<name>.backup-<UTC time>` (with its WAL, if any). Raises WorkbenchError when no root is
    known (nothing to rebuild from); the old catalog is then left untouched."""
    say = progress or (lambda _text: None)
    sources, problem = _known_sources(cat, extra_roots)
    if not sources.roots:
        raise NotFoundError(
            f"no run folders are known for the catalog at {cat.path}; name the folders of runs"
            " to read"
        )
    fresh_path = cat.path.with_name(f"{cat.path.name}.rebuilding")
    _remove_catalog_file(fresh_path)
    fresh = Catalog(fresh_path, busy_timeout=cat.busy_timeout)
    report = RebuildReport(catalog=str(cat.path), backup=None, old_catalog_problem=problem)
    try:
        _read_runs(fresh, sources, report, say)
        _read_registry(fresh, cat.path, report, say)
        _scan_datasets(fresh, sources, report, say)
    except BaseException:
        _remove_catalog_file(fresh_path)
        raise
    report.backup = _swap(cat.path, fresh_path)
    write_sources(cat.path, sources)
    return report


def _known_sources(cat: Catalog, extra: Iterable[str | os.PathLike[str]]) -> tuple[Sources, str | None]:
    """Roots and scanned folders from the old catalog (when readable), its sidecar and `extra`."""
    from workbench.ingest.roots import list_roots, resolve_roots

    recorded = read_sources(cat.path)
    roots = set(recorded.roots) | set(resolve_roots(extra))
    problem = None
    try:
        roots |= set(list_roots(cat))
    except CatalogDamagedError as exc:  # busy or newer: refused, the file is left alone
        problem = str(exc)
    return Sources(sorted(roots), recorded.scanned), problem


def _read_runs(fresh: Catalog, sources: Sources, report: RebuildReport, say: Progress) -> None:
    from workbench.ingest import ingest_roots

    present = [root for root in sources.roots if Path(root).is_dir()]
    report.roots = present
    report.missing_roots = [root for root in sources.roots if root not in present]
    for root in report.missing_roots:
        say(f"skipping {root}: the folder is not there")
    say(f"reading the runs under {len(present)} folder{'s' if len(present) != 1 else ''}")

    def batch_done(ingest) -> None:
        say(f"  {ingest.runs_new:,} runs, {ingest.points:,} points read")

    result = ingest_roots(fresh, present, progress=batch_done, add=True)
    report.runs, report.points, report.ingest_errors = result.runs_new, result.points, result.errors


def _read_registry(fresh: Catalog, old_path: Path, report: RebuildReport, say: Progress) -> None:
    """The registry's tables from its event log (the log beside the old catalog)."""
    from workbench.registry.sync import event_log, sync

    log = event_log(Catalog(old_path))
    if not log.path.exists():
        return
    say(f"reading the model registry's events from {log.path}")
    result = sync(fresh, log.directory)
    report.registry_events = len(result.events)
    if not result.ok:
        report.registry_problem = "; ".join(p.message for p in result.problems) or "it is damaged"


def _scan_datasets(fresh: Catalog, sources: Sources, report: RebuildReport, say: Progress) -> None:
    from workbench.datasets.scan import scan_paths

    present = [path for path in sources.scanned if Path(path).exists()]
    if not present:
        return
    say(f"scanning {len(present)} data folder{'s' if len(present) != 1 else ''} again")
    result = scan_paths(fresh, [Path(p) for p in present])
    report.scanned = present
    report.datasets_files = len(result.files)


def _swap(path: Path, fresh_path: Path) -> str | None:
    """Move the old catalog (and its WAL) aside, then the new one into its place."""
    backup = None
    if path.exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        backup_path = path.with_name(f"{path.name}.backup-{stamp}")
        os.replace(path, backup_path)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            os.replace(wal, backup_path.with_name(backup_path.name + ".wal"))
        backup = str(backup_path)
    try:
        os.replace(fresh_path, path)
        fresh_wal = fresh_path.with_name(fresh_path.name + ".wal")
        if fresh_wal.exists():
            os.replace(fresh_wal, path.with_name(path.name + ".wal"))
    except OSError as exc:
        raise WorkbenchError(
            f"the rebuilt catalog could not be moved into place ({exc.strerror}); it is at"
            f" {fresh_path} and the old one at {backup}"
        ) from None
    return backup


def _remove_catalog_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
