"""Normalise a RunDetail from the queries layer into plain Python the detail screen shows.

Kept apart from the screen so a change in the service's shape is fixed in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _records(value: Any) -> list[dict]:
    """A DataFrame, Arrow table, list of dicts or dict -> list of dicts."""
    if value is None:
        return []
    if hasattr(value, "to_dicts"):
        return list(value.to_dicts())
    if hasattr(value, "to_pylist"):
        return list(value.to_pylist())
    if isinstance(value, dict):
        return [{"key": k, "value": v} for k, v in value.items()]
    return [dict(v) if not isinstance(v, dict) else v for v in value]


def _mapping(value: Any, key: str = "key", val: str = "value") -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    return {str(r.get(key)): r.get(val) for r in _records(value)}


@dataclass
class DetailData:
    """Everything the run detail screen shows, as plain values."""

    run_id: str
    name: str
    project: str
    status: str
    path: str | None
    info: list[tuple[str, Any]] = field(default_factory=list)
    environment: list[tuple[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    metrics: list[dict] = field(default_factory=list)  # key, last, min, max, step, count
    artifacts: list[dict] = field(default_factory=list)  # path, size, sha256
    errors: list[dict] = field(default_factory=list)  # path, line, message
    notes: str = ""
    datasets: list[dict] = field(default_factory=list)
    models: list[dict] = field(default_factory=list)


def _command_text(command: Any) -> str:
    if command is None:
        return ""
    if isinstance(command, str):
        try:
            parsed = json.loads(command)
        except ValueError:
            return command
        command = parsed
    if isinstance(command, (list, tuple)):
        import shlex

        return " ".join(shlex.quote(str(c)) for c in command)
    return str(command)


def normalise(detail: Any) -> DetailData:
    """Build DetailData from whatever RunDetail the queries layer returns."""
    run = _get(detail, "run", None) or detail

    env = _get(detail, "environment", None) or {}

    def r(name: str, *alts: str) -> Any:
        for n in (name, *alts):
            v = _get(run, n)
            if v is None and isinstance(env, dict):
                v = env.get(n)
            if v is not None:
                return v
        return None

    run_id = str(r("id", "run_id") or "")
    git_commit = r("git_commit")
    git_branch = r("git_branch")
    git_dirty = r("git_dirty")
    git = _get(run, "git")
    if isinstance(git, dict):
        git_commit = git_commit or git.get("commit")
        git_branch = git_branch or git.get("branch")
        git_dirty = git.get("dirty") if git_dirty is None else git_dirty
    git_text = ""
    if git_commit:
        git_text = str(git_commit)[:12]
        if git_branch:
            git_text += f" ({git_branch})"
        if git_dirty:
            git_text += " dirty"
    info = [
        ("id", run_id),
        ("project", r("project")),
        ("status", r("status")),
        ("started", r("started_at")),
        ("ended", r("ended_at")),
        ("duration_s", r("duration_s")),
        ("heartbeat", r("heartbeat_at")),
        ("path", r("path")),
    ]
    environment = [
        ("git", git_text),
        ("python", r("python")),
        ("host", r("host")),
        ("user", r("user", "user_name")),
        ("platform", r("platform")),
        ("pid", r("pid")),
        ("cwd", r("cwd")),
        ("command", _command_text(r("command"))),
    ]
    metrics = []
    for row in _records(_get(detail, "metrics")):
        metrics.append(
            {
                "key": row.get("key"),
                "last": row.get("last", row.get("last_value", row.get("value"))),
                "min": row.get("min_value", row.get("min")),
                "max": row.get("max_value", row.get("max")),
                "step": row.get("last_step", row.get("step")),
                "count": row.get("count"),
            }
        )
    artifacts = [
        {"path": a.get("path"), "size": a.get("size"), "sha256": a.get("sha256")}
        for a in _records(_get(detail, "artifacts"))
    ]
    errors = [
        {"path": e.get("path"), "line": e.get("line"), "message": e.get("message")}
        for e in _records(_get(detail, "errors", None) or _get(detail, "ingest_errors"))
    ]
    notes = _get(detail, "notes", None)
    if notes is None:
        notes = r("notes")
    return DetailData(
        run_id=run_id,
        name=str(r("name") or run_id),
        project=str(r("project") or ""),
        status=str(r("status") or ""),
        path=r("path"),
        info=info,
        environment=environment,
        params=_mapping(_get(detail, "params")),
        tags=_mapping(_get(detail, "tags")),
        metrics=metrics,
        artifacts=artifacts,
        errors=errors,
        notes=str(notes or ""),
        datasets=_records(_get(detail, "datasets")),
        models=_records(_get(detail, "models")),
    )
