"""`push_mlflow`: the catalog's runs (and, when asked, registered versions and aliases) copied
to an MLflow tracking server through MLflow's own client (the optional `mlflow` extra).

Idempotent: each pushed run carries the tag `workbench.run_id`, by which a later push finds
it and sends only what the server does not hold yet (params, changed tags, metric points,
artifact files). MLflow params are immutable, so a param the server already has is kept.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog import queries
from workbench.catalog.contract import CatalogLike
from workbench.errors import InteropError

#: The tag that holds the workbench run id of a pushed run.
RUN_TAG = "workbench.run_id"
#: The tag that holds the workbench version number of a pushed model version.
VERSION_TAG = "workbench.version"
_STATUS = {"finished": "FINISHED", "failed": "FAILED", "killed": "KILLED"}
_BATCH = 1000  # MLflow's log_batch limit for metrics (params and tags: 100)

Progress = Callable[[int, int], None]


@dataclass
class PushReport:
    """What one push sent."""

    tracking_uri: str
    runs: int = 0
    runs_created: int = 0
    runs_updated: int = 0
    params: int = 0
    tags: int = 0
    points: int = 0
    artifacts: int = 0
    versions_created: int = 0
    aliases_set: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _client(tracking_uri: str) -> Any:
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise InteropError(
            "pushing to MLflow needs the MLflow client: install the workbench's `mlflow` extra"
        ) from None
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _ms(moment: Any) -> int | None:
    return None if moment is None else int(round(moment.timestamp() * 1000))


class _Pusher:
    def __init__(self, cat: CatalogLike, client: Any, report: PushReport, artifacts: bool) -> None:
        self.cat, self.client, self.report, self.artifacts = cat, client, report, artifacts
        self.experiments: dict[str, str] = {}
        self.pushed: dict[str, str] = {}  # workbench run id -> MLflow run id

    def experiment(self, project: str) -> str:
        if project not in self.experiments:
            found = self.client.get_experiment_by_name(project)
            if found is not None and found.lifecycle_stage == "deleted":
                self.client.restore_experiment(found.experiment_id)
            self.experiments[project] = (
                found.experiment_id if found else self.client.create_experiment(project)
            )
        return self.experiments[project]

    def find(self, run_id: str, experiment_id: str) -> Any:
        from mlflow.entities import ViewType

        found = self.client.search_runs(
            [experiment_id], filter_string=f"tags.`{RUN_TAG}` = '{run_id}'",
            run_view_type=ViewType.ALL, max_results=1,
        )  # fmt: skip
        return found[0] if found else None

    def push(self, detail: queries.RunDetail) -> None:
        from mlflow.entities import Param, RunTag

        exp = self.experiment(detail.project)
        existing = self.find(detail.id, exp)
        tags = self.tags_of(detail)
        if existing is None:
            run = self.client.create_run(
                exp, start_time=_ms(detail.started_at), tags=tags, run_name=detail.name
            )
            mlflow_id, have_params, have_tags = run.info.run_id, {}, tags
            self.report.runs_created += 1
            self.report.tags += len(tags)
        else:
            mlflow_id = existing.info.run_id
            have_params, have_tags = existing.data.params, existing.data.tags
        self.pushed[detail.id] = mlflow_id
        params = [Param(k, _text(v)) for k, v in detail.params.items() if k not in have_params]
        new_tags = [RunTag(k, v) for k, v in tags.items() if have_tags.get(k) != v]
        for i in range(0, max(len(params), len(new_tags)), 100):
            self.client.log_batch(mlflow_id, params=params[i : i + 100], tags=new_tags[i : i + 100])
        points = self.new_points(detail.id, mlflow_id, fresh=existing is None)
        for i in range(0, len(points), _BATCH):
            self.client.log_batch(mlflow_id, metrics=points[i : i + _BATCH])
        copied = self.push_artifacts(detail, mlflow_id) if self.artifacts else 0
        status = _STATUS.get(detail.status)
        ended = status and (existing is None or existing.info.status != status)
        if ended:
            self.client.set_terminated(mlflow_id, status, end_time=_ms(detail.ended_at))
        self.report.params += len(params)
        self.report.points += len(points)
        self.report.artifacts += copied
        if existing is not None:
            self.report.tags += len(new_tags)
            if params or new_tags or points or copied or ended:
                self.report.runs_updated += 1

    def tags_of(self, detail: queries.RunDetail) -> dict[str, str]:
        """The run's tags (MLflow's own `mlflow.*` ones rebuilt from the run) plus RUN_TAG."""
        tags = {k: v for k, v in detail.tags.items() if not k.startswith("mlflow.")}
        env = detail.environment
        extra = {
            RUN_TAG: detail.id,
            "mlflow.runName": detail.name,
            "mlflow.user": env.user,
            "mlflow.source.git.commit": env.git_commit,
            "mlflow.source.git.branch": env.git_branch,
            "mlflow.source.name": env.command[0] if isinstance(env.command, list) and env.command else None,
            "mlflow.parentRunId": self.pushed.get(detail.parent or ""),
        }  # fmt: skip
        tags.update({k: str(v) for k, v in extra.items() if v})
        return tags

    def new_points(self, run_id: str, mlflow_id: str, fresh: bool) -> list[Any]:
        """Our points the server does not hold (compared as (key, step, ms, value) multisets)."""
        import math

        from mlflow.entities import Metric

        frame = queries.metric_history(self.cat, run_id)
        rows = [
            (key, int(step), _ms(ts) or 0, float(value) if value is not None else math.nan)
            for key, step, ts, value in zip(
                frame["key"], frame["step"], frame["timestamp"], frame["value"], strict=True
            )
        ]
        if not fresh:
            have: Counter[tuple[Any, ...]] = Counter()
            for key in {r[0] for r in rows}:
                for m in self.client.get_metric_history(mlflow_id, key):
                    have[(key, m.step, m.timestamp, _nan_key(m.value))] += 1
            kept = []
            for row in rows:
                marker = (*row[:3], _nan_key(row[3]))
                if have[marker] > 0:
                    have[marker] -= 1
                else:
                    kept.append(row)
            rows = kept
        return [Metric(key, value, ts, step) for key, step, ts, value in rows]

    def push_artifacts(self, detail: queries.RunDetail, mlflow_id: str) -> int:
        folder = Path(detail.path) / "artifacts"
        if not detail.artifacts or not folder.is_dir():
            return 0
        have = self.listed(mlflow_id, None)
        sent = 0
        for artifact in detail.artifacts:
            if have.get(artifact.path) == artifact.size:
                continue
            local = folder / artifact.path
            if not local.is_file():
                continue
            parent = os.path.dirname(artifact.path) or None
            self.client.log_artifact(mlflow_id, str(local), artifact_path=parent)
            sent += 1
        return sent

    def listed(self, mlflow_id: str, path: str | None) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        for info in self.client.list_artifacts(mlflow_id, path):
            if info.is_dir:
                found.update(self.listed(mlflow_id, info.path))
            else:
                found[info.path] = info.file_size
        return found


def _nan_key(value: float) -> Any:
    return "nan" if value != value else value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def push_mlflow(
    cat: CatalogLike,
    tracking_uri: str,
    *,
    filter: str | None = None,  # noqa: A002 - the service API's name
    artifacts: bool = False,
    models: bool = False,
    progress: Progress | None = None,
) -> PushReport:
    """Push the runs `filter` selects (all by default; deleted ones never) to `tracking_uri`."""
    client = _client(tracking_uri)
    # MLflow's client prints a "View run" line to stdout per finished run: keep stdout ours
    with contextlib.redirect_stdout(sys.stderr):
        return _push(cat, client, tracking_uri, filter, artifacts, models, progress)


def _push(
    cat: CatalogLike, client: Any, tracking_uri: str, filter: str | None,  # noqa: A002
    artifacts: bool, models: bool, progress: Progress | None,
) -> PushReport:  # fmt: skip
    report = PushReport(tracking_uri)
    pusher = _Pusher(cat, client, report, artifacts)
    runs = queries.list_runs(cat, filter=filter, columns=["id"], sort=["started_at"])
    ids = runs["id"].to_list()
    for done, run_id in enumerate(ids, start=1):
        detail = queries.get_run(cat, run_id)
        try:
            pusher.push(detail)
        except InteropError:
            raise
        except Exception as exc:  # noqa: BLE001 - the server refused this run: say so, go on
            if _unreachable(exc):
                raise InteropError(
                    f"the MLflow server at {tracking_uri} did not answer (is it running there?)"
                ) from None
            report.problems.append({"run": run_id, "message": _first_line(exc)})
        report.runs += 1
        if progress is not None:
            progress(done, len(ids))
    if models:
        from workbench.interop.mlflow_push_models import push_models

        push_models(cat, client, pusher.pushed, report)
    return report


def _unreachable(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}"
    return any(w in text for w in ("ConnectionError", "Connection refused", "Max retries"))


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
