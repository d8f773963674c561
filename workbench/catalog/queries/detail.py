"""One run in full: get_run and the dataclasses it returns (RunDetail and its parts)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.catalog import run_details
from workbench.catalog.queries.common import (
    Source,
    fetch_all,
    open_source,
    resolve_ref,
    typed_param,
)
from workbench.catalog.run_details import FIELD_NAMES
from workbench.catalog.run_status import DURATION_SQL, STATUS_SQL, stale_before
from workbench.formatting import json_safe

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@dataclass(frozen=True)
class MetricSummary:
    """One metric of a run: its latest value, range, last step and number of points."""

    key: str
    last: float | None
    min: float | None
    max: float | None
    last_step: int | None
    count: int


@dataclass(frozen=True)
class Artifact:
    """A file under the run's artifacts/ folder (path relative to it)."""

    path: str
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class DatasetUse:
    """A dataset the run logged (datasets.jsonl): what it read or wrote, and its fingerprint."""

    name: str
    path: str | None
    role: str | None
    sha256: str | None
    size: int | None
    rows: int | None
    format: str | None
    logged_at: float | None
    extra: Any = None


@dataclass(frozen=True)
class ModelUse:
    """A model the run logged (models.jsonl), with the metadata recorded at logging time."""

    name: str
    path: str | None
    flavor: str | None
    sha256: str | None
    size: int | None
    metadata: Any
    logged_at: float | None


@dataclass(frozen=True)
class IngestIssue:
    """A line of a run's files that ingest skipped, and why."""

    path: str
    line: int | None
    message: str
    seen_at: datetime | None


@dataclass(frozen=True)
class Environment:
    """Where and how the run was started (what run.json recorded)."""

    host: str | None = None
    user: str | None = None
    pid: int | None = None
    python: str | None = None
    platform: str | None = None
    command: Any = None  # the argv list as logged (or its text when it was not JSON)
    cwd: str | None = None
    git_commit: str | None = None
    git_branch: str | None = None
    git_dirty: bool | None = None
    format_version: int | None = None


@dataclass
class RunDetail:
    """Everything the catalog knows about one run (what `workbench show` prints)."""

    id: str
    project: str
    name: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    heartbeat_at: datetime | None
    duration_s: float | None
    path: str
    root: str | None
    missing: bool
    environment: Environment = field(default_factory=Environment)
    notes: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[MetricSummary] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    datasets: list[DatasetUse] = field(default_factory=list)
    models: list[ModelUse] = field(default_factory=list)
    errors: list[IngestIssue] = field(default_factory=list)
    parent: str | None = None  # the parent run's id (a nested run)
    deleted: bool = False  # deleted in the tracker it was imported from

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO UTC times, NaN -> None)."""
        result: dict[str, Any] = json_safe(asdict(self))
        return result


_RUN_SQL = f"""
    SELECT r.run_id, r.project, r.name, {STATUS_SQL}, r.started_at, r.ended_at,
           r.heartbeat_at, {DURATION_SQL}, r.path, r.root, r.missing, r.host,
           r.user_name, r.pid, r.python, r.platform, r.command, r.cwd, r.git_commit,
           r.git_branch, r.git_dirty, r.format_version, r.notes, r.parent_id, r.deleted,
           r.run_key
    FROM runs r WHERE
"""

_SECTIONS_SQL = " UNION ALL ".join(
    f"SELECT {i} AS section, to_json(list(json_array({cols}) ORDER BY {order}))"
    f" FROM {table} WHERE run_key = $k"
    for i, (cols, table, order) in enumerate(run_details.SECTIONS)
)
#: Set to 1 to check every document read against the tables (the test suite does).
CHECK_ENV = "WORKBENCH_CHECK_RUN_DETAIL"


def get_run(cat: Source, ref: str) -> RunDetail:
    """Everything about one run: params, tags, metric summary, artifacts, datasets, models,
    environment, notes and ingest errors.

    One small read of the run's stored document (catalog/run_details.py) for a full run id;
    a name or an id prefix is resolved first. A run without a document yet is read from the
    tables (two statements).
    """
    ref = str(ref).strip()
    with open_source(cat) as con:
        doc = run_details.read(con, run_id=ref) if ref else None
        if doc is None:
            key = resolve_ref(con, ref).run_key
            doc = run_details.read(con, run_key=key)
            if doc is None:
                return _from_tables(con, key)
        detail = _from_doc(doc)
        if os.environ.get(CHECK_ENV) == "1":
            _check_against_tables(con, doc, detail)
    return detail


def _from_doc(doc: list[Any]) -> RunDetail:
    """A RunDetail from a stored document: its effective status and duration worked out
    here as status_sql() and DURATION_SQL do in SQL."""
    fields = dict(zip(FIELD_NAMES, doc, strict=False))
    started, ended, heartbeat = (
        run_details.timestamp(fields[k]) for k in ("started_at", "ended_at", "heartbeat_at")
    )
    stored = fields["status"]
    last_seen = heartbeat if heartbeat is not None else started
    running = stored == "running"
    status = "stale" if running and last_seen is not None and last_seen < stale_before() else stored
    end_us = fields["ended_at"]
    if end_us is None and running:
        end_us = fields["heartbeat_at"] if fields["heartbeat_at"] is not None else fields["started_at"]
    start_us = fields["started_at"]
    duration = None
    if start_us is not None and end_us is not None:
        duration = (end_us // 1000 - start_us // 1000) / 1000.0
    row = (
        fields["run_id"], fields["project"], fields["name"], status, started, ended, heartbeat,
        duration, *(fields[k] for k in FIELD_NAMES[7:25]),
    )
    n = len(FIELD_NAMES)
    return _detail(row, [doc[n + i] or [] for i in range(len(run_details.SECTIONS))])


def _from_tables(con: DuckDBPyConnection, key: int) -> RunDetail:
    """A RunDetail read from the tables (a run whose document is not written yet)."""
    row = fetch_all(con, _RUN_SQL + " r.run_key = $k", {"k": key})[0]
    sections = dict(fetch_all(con, _SECTIONS_SQL, {"k": key}))
    return _detail(
        row,
        [json.loads(sections[i]) if sections.get(i) else [] for i in range(len(run_details.SECTIONS))],
    )


def _check_against_tables(con: DuckDBPyConnection, doc: list[Any], detail: RunDetail) -> None:
    """Raise when the stored document says anything the tables do not (a writer that changed
    a run's rows without forgetting its document)."""
    expected = _from_tables(con, doc[FIELD_NAMES.index("run_key")])
    if json.dumps(expected.to_dict(), sort_keys=True) != json.dumps(detail.to_dict(), sort_keys=True):
        raise AssertionError(
            f"run {detail.id}: the stored run_detail document differs from the tables:\n"
            f"  document: {detail.to_dict()}\n  tables:   {expected.to_dict()}"
        )


def _detail(row: Sequence[Any], sections: list[list[Any]]) -> RunDetail:
    """A RunDetail from the run's row (as _RUN_SQL selects it) and its sections' rows."""
    params, tags, metrics, artifacts, datasets, models, errors = sections
    return RunDetail(
        id=row[0],
        project=row[1],
        name=row[2],
        status=row[3],
        started_at=row[4],
        ended_at=row[5],
        heartbeat_at=row[6],
        duration_s=float(row[7]) if row[7] is not None else None,
        path=row[8],
        root=row[9],
        missing=bool(row[10]),
        environment=_environment(row),
        notes=row[22],
        params={p[0]: typed_param(p[1], p[2], p[3]) for p in params},
        tags={t[0]: t[1] for t in tags},
        parent=row[23],
        deleted=bool(row[24]),
        metrics=[MetricSummary(*m) for m in metrics],
        artifacts=[Artifact(*a) for a in artifacts],
        datasets=[_dataset(d) for d in datasets],
        models=[_model(m) for m in models],
        errors=[_issue(e) for e in errors],
    )


def _issue(row: list[Any]) -> IngestIssue:
    path, line, message, seen_us = row
    return IngestIssue(path, line, message, run_details.timestamp(seen_us))


def _dataset(row: list[Any]) -> DatasetUse:
    name, path, role, sha256, size, rows, fmt, logged_at, extra = row
    return DatasetUse(name, path, role, sha256, size, rows, fmt, logged_at, _maybe_json(extra))


def _model(row: list[Any]) -> ModelUse:
    name, path, flavor, sha256, size, metadata, logged_at = row
    return ModelUse(name, path, flavor, sha256, size, _maybe_json(metadata), logged_at)


def _environment(row: Sequence[Any]) -> Environment:
    try:
        command = json.loads(row[16]) if row[16] else None
    except ValueError:
        command = row[16]
    return Environment(
        host=row[11],
        user=row[12],
        pid=row[13],
        python=row[14],
        platform=row[15],
        command=command,
        cwd=row[17],
        git_commit=row[18],
        git_branch=row[19],
        git_dirty=row[20],
        format_version=row[21],
    )


def _maybe_json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
