"""Messages workers post to the UI thread (the UI changes state only in their handlers).

Each is a small dataclass named for what arrived. A worker that fails posts nothing: it
raises, and `screens.base.WorkbenchScreen` reports the failure (see `tui.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.message import Message


@dataclass
class CatalogChanged(Message, bubble=False):
    """The catalog's data_version moved: views should reload what they show."""

    version: int


@dataclass
class LiveUpdateFailed(Message):
    """A live-update pass failed (a busy catalog, say); passes go on."""

    error: BaseException


@dataclass
class ProjectsLoaded(Message):
    """(project, run count) pairs for the projects list."""

    projects: list[tuple[str, int]]


@dataclass
class RunsLoaded(Message):
    """A page (or all) of the runs table; `token` tells an old query's answer from the latest."""

    result: Any  # service.RunsResult
    token: int


@dataclass
class RunLoaded(Message):
    """Everything the run detail shows."""

    data: Any  # detail_view.DetailData


@dataclass
class HistoryLoaded(Message):
    """Metric points for a chart, as `metric_history` returns them; `request` says which."""

    request: tuple
    frame: Any  # polars.DataFrame | None
    preload: bool = False


@dataclass
class ArtifactLoaded(Message):
    """The preview of one artifact file."""

    preview: Text


@dataclass
class NotesSaved(Message):
    """notes.md was written with `text`."""

    text: str


@dataclass
class CompareLoaded(Message):
    """The comparison table (`screens.compare.CompareTable`)."""

    table: Any
    only_diff: bool


@dataclass
class QueryFinished(Message):
    """A SQL console query's result (a pyarrow Table) and how long it took."""

    query: str
    table: Any
    seconds: float


@dataclass
class ViewsListed(Message):
    """The catalog's views, each with its columns, for the SQL console's list."""

    views: dict[str, list[str]]


@dataclass
class ExportFinished(Message):
    """A query result was written to `path`."""

    path: Path
    rows: int


@dataclass
class DriftProgress(Message):
    """A drift check read `rows` rows of the `phase` ("reference", "current" or "tests")."""

    phase: str
    rows: int


@dataclass
class DriftColumnTested(Message):
    """One column's drift result arrived (`done` of `total`), before the final adjustment."""

    column: Any
    done: int
    total: int


@dataclass
class DriftFinished(Message):
    """A drift check finished; `report` is its DriftReport (already stored)."""

    report: Any


@dataclass
class DriftFailed(Message):
    """A drift check stopped: an error a person can read, or cancelled on request."""

    error: str
    cancelled: bool = False


@dataclass
class DatasetsLoaded(Message):
    """Every dataset, as `service.list_datasets` returns them (dicts)."""

    datasets: list[dict[str, Any]]


@dataclass
class VersionsLoaded(Message):
    """The versions of dataset `name`, oldest first (`DatasetVersion`s)."""

    name: str
    versions: list[Any]


@dataclass
class ProfileLoaded(Message):
    """A dataset version and its profile (`DatasetVersion`, `DatasetProfile`)."""

    version: Any
    profile: Any


@dataclass
class DiffLoaded(Message):
    """The `DatasetDiff` of two dataset versions."""

    diff: Any


@dataclass
class LineageLoaded(Message):
    """The `Lineage` graph around one run, dataset version or model."""

    graph: Any


@dataclass
class ModelsLoaded(Message):
    """The registry's models, the chosen model's versions and any log warning."""

    overview: Any  # service.ModelsOverview


@dataclass
class ModelEventsLoaded(Message):
    """One model's registry events, newest first (`registry.history`)."""

    events: list[Any]


@dataclass
class GatesChecked(Message):
    """The gates of `alias` judged for a promotion (`registry.PromotionCheck`)."""

    alias: str
    check: Any


@dataclass
class RollbackPreviewed(Message):
    """What rolling back `alias` would do: the version holding it now and the one it gets."""

    alias: str
    current: int | None
    target: int | None


@dataclass
class RegistryChanged(Message):
    """A promotion or rollback was written to the registry's log as `event`."""

    event: Any


@dataclass
class ViewExported(Message):
    """The table a screen shows was written to `path` (`rows` rows, as `format`)."""

    path: Path
    rows: int
    format: str
