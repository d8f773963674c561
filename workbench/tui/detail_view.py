"""What the run detail screen shows, built from the service's RunDetail.

Kept apart from the screen so the screen only lays out values; the run's parts (metrics,
artifacts, datasets, models, ingest errors) stay the service's dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.formatting import command_text
from workbench.tui.service import (
    Artifact,
    DatasetUse,
    Environment,
    IngestIssue,
    MetricSummary,
    ModelUse,
    RunDetail,
)


@dataclass
class DetailData:
    """Everything the run detail screen shows: labelled rows for the info and environment
    panels, and the run's parts as the service returned them."""

    run_id: str
    name: str
    project: str
    status: str
    path: str | None
    info: list[tuple[str, Any]] = field(default_factory=list)
    environment: list[tuple[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[MetricSummary] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    errors: list[IngestIssue] = field(default_factory=list)
    notes: str = ""
    datasets: list[DatasetUse] = field(default_factory=list)
    models: list[ModelUse] = field(default_factory=list)


def git_text(env: Environment) -> str:
    """'0123456789ab (main) dirty': the commit's first 12 digits, branch and dirty flag."""
    if not env.git_commit:
        return ""
    text = env.git_commit[:12]
    if env.git_branch:
        text += f" ({env.git_branch})"
    if env.git_dirty:
        text += " dirty"
    return text


def normalise(detail: RunDetail) -> DetailData:
    """The screen's view of one RunDetail."""
    env = detail.environment
    info = [
        ("id", detail.id),
        ("project", detail.project),
        ("status", detail.status),
        ("started", detail.started_at),
        ("ended", detail.ended_at),
        ("duration_s", detail.duration_s),
        ("heartbeat", detail.heartbeat_at),
        ("path", detail.path),
    ]
    environment = [
        ("git", git_text(env)),
        ("python", env.python),
        ("host", env.host),
        ("user", env.user),
        ("platform", env.platform),
        ("pid", env.pid),
        ("cwd", env.cwd),
        ("command", command_text(env.command)),
    ]
    return DetailData(
        run_id=detail.id,
        name=detail.name or detail.id,
        project=detail.project,
        status=detail.status,
        path=detail.path,
        info=info,
        environment=environment,
        params=dict(detail.params),
        tags=dict(detail.tags),
        metrics=list(detail.metrics),
        artifacts=list(detail.artifacts),
        errors=list(detail.errors),
        notes=detail.notes or "",
        datasets=list(detail.datasets),
        models=list(detail.models),
    )
