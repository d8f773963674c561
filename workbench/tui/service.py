"""The app's one route to the catalog: every screen reads and ingests through these functions.

Each call opens and closes the catalog (one unit of work) and returns the services' typed
results. Screens call these from worker threads; nothing here imports Textual or writes SQL.
The app's own hints are added here to the services' errors (the CLI adds its own).
"""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.catalog import queries
from workbench.catalog.connection import Catalog as Catalog
from workbench.catalog.connection import release_lingering
from workbench.catalog.contract import CatalogLike as CatalogLike

# The services' result types, re-exported: screens import them from here.
from workbench.catalog.queries import Artifact as Artifact
from workbench.catalog.queries import ComparedRow as ComparedRow
from workbench.catalog.queries import Comparison as Comparison
from workbench.catalog.queries import DatasetUse as DatasetUse
from workbench.catalog.queries import Environment as Environment
from workbench.catalog.queries import IngestIssue as IngestIssue
from workbench.catalog.queries import MetricSummary as MetricSummary
from workbench.catalog.queries import ModelUse as ModelUse
from workbench.catalog.queries import RunDetail as RunDetail
from workbench.errors import CatalogDamagedError, NotFoundError, ReadOnlyError, RunFormatError
from workbench.formats import safe_files
from workbench.formats.spec import ARTIFACTS_DIR, NOTES_FILE
from workbench.ingest import IngestReport, ingest_paths, ingest_roots

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

#: The views the SQL console reads, with their columns.
#: What the app adds to a service's error.
HINTS = {
    ReadOnlyError: "runs change by ingesting their folders",
    CatalogDamagedError: "rebuild it with `workbench rebuild` in a terminal",
}


@contextlib.contextmanager
def _hinted() -> Iterator[None]:
    """Re-raise a service error with the app's hint appended (same type)."""
    try:
        yield
    except tuple(HINTS) as exc:
        hint = next(text for kind, text in HINTS.items() if isinstance(exc, kind))
        raise type(exc)(f"{exc}; {hint}") from None


@dataclass
class RunsQuery:
    """What the runs browser asks for: a project (None = all), a filter and a text search."""

    project: str | None = None
    filter: str | None = None
    search: str | None = None


@dataclass
class RunsResult:
    """Runs as a wide polars DataFrame, plus the data_version it was read at."""

    frame: pl.DataFrame
    version: int
    query: RunsQuery = field(default_factory=RunsQuery)
    partial: bool = False  # a first page; the full result follows


def release_catalog() -> None:
    """Let go of the catalog file now: a read's attach may linger a moment after it (so the
    next read in a burst is quicker); quitting leaves the file to others at once."""
    release_lingering()


def open_catalog(db_path: str | os.PathLike[str]) -> Catalog:
    """A Catalog handle on `db_path` (cheap: holds nothing open)."""
    return Catalog(db_path)


def data_version(catalog: CatalogLike) -> int:
    """The catalog's change counter (0 for a catalog that does not exist yet)."""
    return int(queries.data_version(catalog))


def list_projects(catalog: CatalogLike) -> list[tuple[str, int]]:
    """(project, run count) pairs, by project name."""
    with _hinted():  # the app's first read: a damaged catalog is reported with the way out
        df = queries.list_projects(catalog)
    if len(df) == 0:
        return []
    rows = df.select(["project", "runs"]).rows()
    return sorted(((str(p), int(n or 0)) for p, n in rows), key=lambda r: r[0].lower())


def list_runs(
    catalog: CatalogLike,
    query: RunsQuery,
    *,
    limit: int | None = None,
    sort: list[str] | None = None,
) -> RunsResult:
    """Runs matching `query` (the first `limit` by `sort`, or all), read at one data_version."""
    version = data_version(catalog)
    frame = queries.list_runs(
        catalog,
        project=query.project,
        filter=query.filter or None,
        search=query.search or None,
        sort=sort or None,
        limit=limit,
    )
    return RunsResult(frame=frame, version=version, query=query)


def get_run(catalog: CatalogLike, run_id: str) -> RunDetail:
    """The full RunDetail of one run."""
    return queries.get_run(catalog, run_id)


def metric_history(
    catalog: CatalogLike,
    run_ids: list[str] | str,
    key: str,
    max_points: int = 400,
    x: str = "step",
) -> pl.DataFrame:
    """One metric's history for one or more runs, downsampled in the catalog to ~max_points."""
    return queries.metric_history(catalog, run_ids, keys=[key], max_points=max_points, x=x)


def compare_runs(catalog: CatalogLike, run_ids: list[str], only_diff: bool = False) -> Comparison:
    """Runs side by side, values as logged (the app formats them for display)."""
    return queries.compare_values(catalog, run_ids, only_diff=only_diff)


def sql_views(catalog: CatalogLike) -> dict[str, list[str]]:
    """The catalog's views and their columns, as the SQL console lists them."""
    with _hinted():
        return queries.view_columns(catalog)


def run_sql(catalog: CatalogLike, text: str) -> pa.Table:
    """One read-only statement from the SQL console."""
    with _hinted():
        return queries.run_sql(catalog, text)


def ingest_pass(catalog: CatalogLike) -> IngestReport:
    """Re-ingest every known root once (a no-op when nothing changed)."""
    return ingest_roots(catalog)


def ingest_folder(catalog: CatalogLike, path: Path) -> IngestReport:
    """Ingest one folder (adds it as a root)."""
    return ingest_paths(catalog, [Path(path)])


def write_notes(run_path: str | os.PathLike[str], text: str) -> Path:
    """Write a run's notes.md atomically (the one file the workbench writes in a run folder)."""
    folder = Path(run_path)
    if not folder.is_dir():
        raise NotFoundError(f"the run folder {folder} no longer exists; notes not saved")
    target = folder / NOTES_FILE
    fd, tmp = tempfile.mkstemp(prefix=".notes-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_artifact_head(run_path: str | os.PathLike[str], rel: str, limit: int) -> bytes:
    """The first `limit` bytes of an artifact, checked again now, at display time: a regular
    file inside the run folder, opened without blocking. OSError for anything else (an
    artifacts/ or a file turned into a link out of the folder, a FIFO or a device since ingest).
    """
    folder = Path(run_path)
    try:
        fd = safe_files.open_inside(folder, folder / ARTIFACTS_DIR / rel)
    except RunFormatError as exc:
        raise OSError(str(exc)) from None
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def read_text_preview(
    run_path: str | os.PathLike[str], rel: str, limit: int = 64_000
) -> tuple[str, bool]:
    """The first `limit` characters of a text artifact, and whether it looks binary."""
    raw = read_artifact_head(run_path, rel, limit + 1)
    if b"\0" in raw[:8192]:
        return "", True
    text = raw[:limit].decode("utf-8", errors="replace")
    if len(raw) > limit:
        text += "\n… (truncated)"
    return text, False


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg"}


def image_metadata(run_path: str | os.PathLike[str], rel: str) -> dict[str, str]:
    """Format and pixel size of an image artifact, read from its header (no decoding)."""
    info = {"format": Path(rel).suffix.lstrip(".").lower() or "unknown"}
    try:
        head = read_artifact_head(run_path, rel, 64)
    except OSError as exc:
        return {"error": str(exc)}
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        info.update(format="png", width=str(w), height=str(h))
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        w, h = struct.unpack("<HH", head[6:10])
        info.update(format="gif", width=str(w), height=str(h))
    elif head.startswith(b"\xff\xd8"):
        info["format"] = "jpeg"
    return info


# -- datasets and lineage -----------------------------------------------------------------


def list_datasets(catalog) -> list[dict[str, Any]]:
    """Every dataset as a dict: name, versions, latest, format, size, rows, runs."""
    from workbench.datasets.versions import list_datasets as list_all

    return list_all(catalog).to_dicts()


def dataset_versions(catalog, name: str) -> list:
    """The DatasetVersion list of one dataset, oldest first."""
    from workbench.datasets.versions import dataset_versions as versions

    return versions(catalog, name)


def profile_version(catalog, ref: str, progress=None, cancel=None, refresh: bool = False):
    """(DatasetVersion, DatasetProfile) of `ref`, computed (cancellable) or from the catalog."""
    from workbench.datasets.profiles import profile_version as profile

    return profile(catalog, ref, progress=progress, cancel=cancel, refresh=refresh)


def diff_versions(catalog, ref_a: str, ref_b: str):
    """The DatasetDiff between two versions."""
    from workbench.datasets.diff import diff_versions as diff

    return diff(catalog, ref_a, ref_b)


def lineage(catalog, ref: str, direction: str = "both"):
    """The Lineage graph around a run, dataset version, model, model version or drift report."""
    from workbench.registry.lineage import lineage as build

    return build(catalog, ref, direction)


# -- the model registry ---------------------------------------------------------------------


@dataclass
class ModelsOverview:
    """The Models screen's data: every model, the versions of the chosen one, and any
    problem verifying the registry's event log (None when it is intact)."""

    models: list[Any]
    versions: list[Any]
    chosen: str | None
    warning: str | None = None
    #: The metric keys the chosen model's gates read, in the order the gates name them.
    gate_metrics: list[str] = field(default_factory=list)
    #: Each alias of the chosen model -> the version a rollback would restore (None: none).
    rollback_targets: dict[str, int | None] = field(default_factory=dict)


def models_overview(catalog, chosen: str | None = None) -> ModelsOverview:
    """Models, the versions of `chosen` (else the first model), and the log's verification;
    for the chosen model, the metrics its gates read and what each alias would roll back to."""
    from workbench import registry
    from workbench.registry.gates import gate_metrics
    from workbench.registry.state import replay

    verification = registry.sync(catalog)
    models = registry.list_models(catalog)
    names = [m.name for m in models]
    name = chosen if chosen in names else (names[0] if names else None)
    versions = registry.list_versions(catalog, name) if name else []
    warning = None if verification.ok else verification.summary()
    overview = ModelsOverview(models, versions, name, warning)
    model = replay(registry.event_log(catalog).read()).model(name) if name else None
    if model is not None:
        overview.gate_metrics = list(dict.fromkeys(
            key for gate in model.gates for key in gate_metrics(gate.expr)))
        overview.rollback_targets = {alias: model.rollback_target(alias) for alias in model.aliases}
    return overview


def check_promotion(catalog, name: str, version: int, alias: str):
    """Each gate's result for a promotion, without changing anything."""
    from workbench import registry

    return registry.check_promotion(catalog, name, version, alias)


def promote(catalog, name: str, version: int, alias: str, reason: str, force: bool):
    """Promote (one event in the registry's log); GateFailedError when a gate refuses."""
    from workbench import registry

    return registry.promote(catalog, name, version, alias, reason, force=force)


def model_history(catalog, name: str):
    """Every event of one model, newest first."""
    from workbench import registry

    return registry.history(catalog, name)


def rollback_target(catalog, name: str, alias: str) -> tuple[int | None, int | None]:
    """(current holder, version a rollback would restore) of `alias`."""
    from workbench import registry
    from workbench.registry.state import replay

    state = replay(registry.event_log(catalog).read()).model(name)
    if state is None:
        return None, None
    return state.aliases.get(alias), state.rollback_target(alias)


def rollback(catalog, name: str, alias: str, reason: str):
    """Move `alias` back one step (one event in the registry's log)."""
    from workbench import registry

    return registry.rollback(catalog, name, reason, alias=alias)


# -- live updates ------------------------------------------------------------------------


def root_watcher(catalog, **options: Any):
    """An `ingest.watch.RootWatcher` over the catalog's roots (`options` are its keywords)."""
    from workbench.ingest.watch import RootWatcher

    return RootWatcher(catalog, **options)


# -- drift ---------------------------------------------------------------------------------------


def check_drift(
    catalog: CatalogLike, reference: str, current: str, *,
    progress: Any = None, cancelled: Any = None, on_column: Any = None,
) -> Any:
    """Compare the `current` file with the `reference` one and store the report; returns the
    DriftReport, or None when `cancelled()` stopped the check. Unreadable files raise.
    `on_column(column, done, total)` hears each column's result as soon as it is tested."""
    from workbench.drift.engine import DriftCancelled
    from workbench.drift.service import check_drift as _check_drift

    try:
        return _check_drift(catalog, reference, current, progress=progress, cancelled=cancelled,
                            on_column=on_column)
    except DriftCancelled:
        return None


def write_view(data: Any, path: str | os.PathLike[str]) -> Any:
    """Write a table the app shows (polars frame or Arrow table) to `path`; the extension
    (.csv, .parquet, .json) picks the format. Returns what was written (path, format, rows)."""
    from workbench.interop.export import write_frame

    return write_frame(data, path)
