"""The TUI's thin adapter over the service API: every call opens and closes the catalog.

Screens call these from worker threads; nothing here imports Textual or writes SQL.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunsQuery:
    """What the runs browser asks for: a project (None = all), a filter and a text search."""

    project: str | None = None
    filter: str | None = None
    search: str | None = None


@dataclass
class RunsResult:
    """Runs as a wide polars DataFrame, plus the data_version it was read at."""

    frame: Any
    version: int
    query: RunsQuery = field(default_factory=RunsQuery)
    partial: bool = False  # a first page; the full result follows


def open_catalog(db_path: str | os.PathLike[str]):
    """A Catalog handle on `db_path` (cheap: holds nothing open)."""
    from workbench.catalog.connection import Catalog

    return Catalog(db_path)


def data_version(catalog) -> int:
    """The catalog's change counter (0 for a catalog that does not exist yet)."""
    from workbench.catalog import queries

    return int(queries.data_version(catalog))


def list_projects(catalog) -> list[tuple[str, int]]:
    """(project, run count) pairs, by project name."""
    from workbench.catalog import queries

    df = queries.list_projects(catalog)
    if df is None or len(df) == 0:
        return []
    rows = df.select(["project", "runs"]).rows()
    return sorted(((str(p), int(n or 0)) for p, n in rows), key=lambda r: r[0].lower())


def list_runs(
    catalog, query: RunsQuery, *, limit: int | None = None, sort: list[str] | None = None
) -> RunsResult:
    """Runs matching `query` (the first `limit` by `sort`, or all), read at one data_version."""
    from workbench.catalog import queries

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


def get_run(catalog, run_id: str):
    """The full RunDetail of one run."""
    from workbench.catalog import queries

    return queries.get_run(catalog, run_id)


def metric_history(catalog, run_id: str, key: str, max_points: int = 400):
    """One metric's history for one run, downsampled in the catalog to ~max_points."""
    from workbench.catalog import queries

    return queries.metric_history(catalog, [run_id], keys=[key], max_points=max_points)


def ingest_pass(catalog) -> Any:
    """Re-ingest every known root once (a no-op when nothing changed)."""
    from workbench.ingest import ingest_roots

    return ingest_roots(catalog)


def ingest_folder(catalog, path: Path) -> Any:
    """Ingest one folder (adds it as a root)."""
    from workbench.ingest import ingest_paths

    return ingest_paths(catalog, [Path(path)])


def write_notes(run_path: str | os.PathLike[str], text: str) -> Path:
    """Write a run's notes.md atomically (the one file the workbench writes in a run folder)."""
    from workbench.formats.spec import NOTES_FILE

    folder = Path(run_path)
    if not folder.is_dir():
        from workbench.errors import NotFoundError

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


def read_text_preview(path: str | os.PathLike[str], limit: int = 64_000) -> tuple[str, bool]:
    """The first `limit` characters of a text file, and whether it looks binary."""
    with open(path, "rb") as fh:
        raw = fh.read(limit + 1)
    if b"\0" in raw[:8192]:
        return "", True
    text = raw[:limit].decode("utf-8", errors="replace")
    if len(raw) > limit:
        text += "\n… (truncated)"
    return text, False


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg"}


def image_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """Format and pixel size of an image file, read from its header (no decoding)."""
    import struct

    p = Path(path)
    info = {"format": p.suffix.lstrip(".").lower() or "unknown"}
    try:
        with open(p, "rb") as fh:
            head = fh.read(64)
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


# -- the model registry ---------------------------------------------------------------------


@dataclass
class ModelsOverview:
    """The Models screen's data: every model, the versions of the chosen one, and any
    problem verifying the registry's event log (None when it is intact)."""

    models: list[Any]
    versions: list[Any]
    chosen: str | None
    warning: str | None = None


def models_overview(catalog, chosen: str | None = None) -> ModelsOverview:
    """Models, the versions of `chosen` (else the first model), and the log's verification."""
    from workbench import registry

    verification = registry.sync(catalog)
    models = registry.list_models(catalog)
    names = [m.name for m in models]
    name = chosen if chosen in names else (names[0] if names else None)
    versions = registry.list_versions(catalog, name) if name else []
    warning = None if verification.ok else verification.summary()
    return ModelsOverview(models, versions, name, warning)


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
