"""Writing MLflow runs as run folders (docs/run-format.md) under the import root.

Each run becomes `<root>/<experiment id>/<run id>/`. Files are rewritten only when their
content changed, and `metrics.jsonl` only grows: a re-import appends the points MLflow holds
that the folder does not, so the normal incremental ingest reads only those.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.interop.mlflow_records import STATUS_MAP, Run

if TYPE_CHECKING:
    import polars as pl

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
#: MLflow's SQL stores keep +-infinity as +-DBL_MAX.
_DBL_MAX = 1.7976931348623157e308
#: The tag that says where an imported run's artifacts are (not copied unless asked).
ARTIFACT_TAG = "workbench.artifact_location"


@dataclass
class WriteResult:
    """What writing one run changed."""

    folder: Path
    created: bool = False
    changed: bool = False
    points_added: int = 0
    artifacts_copied: int = 0


def iso(ms: int | None) -> str | None:
    """Milliseconds since the epoch as ISO 8601 UTC ending in Z."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run_json(run: Run, project: str, store: str) -> dict[str, Any]:
    """The run.json of an imported run: MLflow's fields mapped, its origin kept."""
    tags = run.tags
    obj: dict[str, Any] = {
        "format_version": 1,
        "id": run.run_id,
        "project": project,
        "name": run.name or run.run_id,
        "status": STATUS_MAP.get(run.status.upper(), "finished"),
        "started_at": iso(run.start_time),
        "ended_at": iso(run.end_time),
        "user": tags.get("mlflow.user") or run.user_id,
    }
    source = tags.get("mlflow.source.name")
    if source:
        obj["command"] = [source]
    commit = tags.get("mlflow.source.git.commit")
    if commit:
        obj["git"] = {"commit": commit, "branch": tags.get("mlflow.source.git.branch")}
    parent = tags.get("mlflow.parentRunId")
    if parent:
        obj["parent"] = parent
    if run.deleted:
        obj["deleted"] = True
    obj["imported_from"] = {
        "tracker": "mlflow",
        "store": store,
        "experiment_id": run.experiment_id,
        "run_id": run.run_id,
        "artifact_uri": run.artifact_uri,
    }
    return obj


def _write_if_changed(path: Path, obj: dict[str, Any], fresh: bool = False) -> bool:
    """Rewrite a JSON file atomically when its content differs; True if it was written."""
    data = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")  # the C encoder
    if fresh:  # a new folder is not a run before its run.json: no reader sees half a file
        with open(path, "wb") as fh:
            fh.write(data)
        return True
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def metric_lines(points: pl.DataFrame) -> list[str]:
    """One metrics.jsonl line per point (POINT_SCHEMA frame), built columnar: the timestamp
    in seconds from MLflow's milliseconds, non-finite values as the spec's strings."""
    import polars as pl

    value = pl.col("value")
    ts = pl.col("ts")
    keys = points.get_column("key").unique().to_list()
    as_json = {k: json.dumps(k, ensure_ascii=False) for k in keys}
    text = (
        pl.when(value.is_nan()).then(pl.lit('"NaN"'))
        .when(value >= _DBL_MAX).then(pl.lit('"Infinity"'))
        .when(value <= -_DBL_MAX).then(pl.lit('"-Infinity"'))
        .otherwise(value.cast(pl.String))
    )  # fmt: skip
    seconds = (
        pl.when(ts >= 0)
        .then(pl.concat_str([(ts // 1000).cast(pl.String), pl.lit("."),
                             (ts % 1000).cast(pl.String).str.zfill(3)]))
        .otherwise((ts / 1000).cast(pl.String))
    )  # fmt: skip
    line = pl.concat_str(
        [pl.lit('{"key":'), pl.col("key").replace_strict(as_json, return_dtype=pl.String),
         pl.lit(',"value":'), text, pl.lit(',"step":'), pl.col("step").cast(pl.String),
         pl.lit(',"timestamp":'), seconds, pl.lit("}\n")]
    )  # fmt: skip
    return points.select(line.alias("line")).get_column("line").to_list()


def _append_new_points(path: Path, lines: list[str], fresh: bool) -> int:
    """Append the lines (points) the file does not hold yet; returns how many."""
    if not lines:
        return 0
    existing: list[str] = []
    if not fresh:
        try:
            with open(path, encoding="utf-8") as fh:
                existing = fh.readlines()
        except FileNotFoundError:
            pass
    if len(existing) >= len(lines):
        return 0  # MLflow never removes a point: nothing new
    if existing:
        have = Counter(existing)
        fresh_lines = []
        for line in lines:
            if have[line] > 0:
                have[line] -= 1
            else:
                fresh_lines.append(line)
        lines = fresh_lines
    # a new folder's file may hold a crashed import's points: not a run yet, so never read
    with open(path, "w" if fresh else "a", encoding="utf-8") as fh:
        fh.write("".join(lines))
    return len(lines)


def _copy_artifacts(source: Path, target: Path) -> int:
    """Copy regular files (no symlinks) not already there with the same size."""
    copied = 0
    for dirpath, _dirs, files in os.walk(source):
        for name in files:
            src = Path(dirpath, name)
            if src.is_symlink() or not src.is_file():
                continue
            dst = target / src.relative_to(source)
            if dst.exists() and dst.stat().st_size == src.stat().st_size:
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
            copied += 1
    return copied


def write_run(root: Path, run: Run, project: str, store: str, copy_artifacts: bool) -> WriteResult:
    """Create or bring up to date the run folder of one MLflow run."""
    folder = root / _SAFE.sub("_", run.experiment_id) / run.run_id
    result = WriteResult(folder, created=not (folder / "run.json").exists())
    folder.mkdir(parents=True, exist_ok=True)
    tags = dict(run.tags)
    location = run.artifact_dir or run.artifact_uri
    if location:
        tags[ARTIFACT_TAG] = location
    fresh = result.created
    changed = _write_if_changed(folder / "params.json", run.params, fresh)
    changed |= _write_if_changed(folder / "tags.json", tags, fresh)
    result.points_added = _append_new_points(folder / "metrics.jsonl", run.lines, fresh)
    if copy_artifacts and run.artifact_dir:
        result.artifacts_copied = _copy_artifacts(Path(run.artifact_dir), folder / "artifacts")
    # run.json last: a folder is a run once it has one, and by then its other files are there
    changed |= _write_if_changed(folder / "run.json", run_json(run, project, store))  # atomic
    result.changed = changed or bool(result.points_added or result.artifacts_copied)
    return result
