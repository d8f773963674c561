"""Run folders written from CSV loggers' output, so the normal ingest reads them.

A Lightning folder, a Keras CSVLogger file or a generic metrics CSV becomes a run folder
(format v1) under the catalog's import root (`<catalog file>.imports/<run id>/`). The run id
is derived from the source's resolved path, so importing again (or a watched root finding the
same Lightning folder) rewrites the same folder: metrics.jsonl only ever grows by the new
points, and nothing is counted twice. The source's sizes and mtimes are kept in `_wb_source.json`;
an unchanged source costs one stat per file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench.formats import spec
from workbench.formats.csv_logs import CsvLog, read_csv_file, read_lightning
from workbench.tracking.files import append_text, write_atomic

SOURCE_FILE = "_wb_source.json"
IMPORT_ROOT_SUFFIX = ".imports"


def import_root_for(db_path: str | os.PathLike[str]) -> Path:
    """Where a catalog keeps the run folders written from other loggers' files."""
    path = Path(db_path)
    return path.with_name(path.name + IMPORT_ROOT_SUFFIX)


def run_id_for(kind: str, source: str) -> str:
    """A stable run id for a source path: the same file or folder is always the same run."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{kind}-{digest}"


@dataclass
class Mirrored:
    """One source written as a run folder."""

    log: CsvLog | None  # None when the source was unchanged and not read again
    run_id: str
    folder: Path
    changed: bool


def _stats(files: dict[str, str]) -> dict[str, list[int]]:
    out = {}
    for name, path in sorted(files.items()):
        st = os.stat(path)
        out[name] = [st.st_size, st.st_mtime_ns]
    return out


def _source_files(kind: str, source: Path) -> dict[str, str]:
    if kind == "lightning":
        names = ("metrics.csv", "hparams.yaml")
        return {n: str(source / n) for n in names if (source / n).is_file()}
    return {source.name: str(source)}


def _unchanged(folder: Path, files: dict[str, str], project: str | None) -> bool:
    try:
        recorded = json.loads((folder / SOURCE_FILE).read_text(encoding="utf-8"))
        return recorded.get("files") == _stats(files) and (
            project is None or recorded.get("project") == project
        )
    except (OSError, ValueError, AttributeError):
        return False


def mirror(kind: str, source: str | os.PathLike[str], import_root: Path,
           project: str | None = None) -> Mirrored:
    """Write (or bring up to date) the run folder of one source; RunFormatError for bad input.

    `kind` is "lightning" (a version folder) or "file" (a Keras or generic CSV file).
    """
    path = Path(source).resolve()
    run_id = run_id_for("lightning" if kind == "lightning" else "csv", str(path))
    folder = import_root / run_id
    files = _source_files(kind, path)
    if files and _unchanged(folder, files, project):
        return Mirrored(None, run_id, folder, False)
    log = read_lightning(path, project) if kind == "lightning" else read_csv_file(path, project)
    stats = _stats(log.files)
    folder.mkdir(parents=True, exist_ok=True)
    previous = _previous_run(folder)
    if previous and project is None:  # keep what an earlier import named it
        log.project = previous.get("project") or log.project
        log.name = previous.get("name") or log.name
    started = previous.get("started_at") if previous else None
    if not isinstance(started, str):
        started = _iso(min(os.stat(p).st_mtime for p in log.files.values()))
    ended = _iso(max(os.stat(p).st_mtime for p in log.files.values()))
    changed = _write_run(folder, run_id, log, started, ended)
    write_atomic(folder / SOURCE_FILE, json.dumps(
        {"kind": log.kind, "source": log.source, "project": project, "files": stats}, indent=1))
    return Mirrored(log, run_id, folder, changed)


def _previous_run(folder: Path) -> dict[str, Any]:
    try:
        obj = json.loads((folder / spec.RUN_FILE).read_text(encoding="utf-8"))
        return obj if isinstance(obj, dict) else {}
    except (OSError, ValueError):
        return {}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(iso: str) -> float:
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _write_if_different(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
    return True


def _write_run(folder: Path, run_id: str, log: CsvLog, started: str, ended: str) -> bool:
    """run.json, params.json, tags.json and metrics.jsonl of one log; True when any changed."""
    run = {
        "format_version": spec.FORMAT_VERSION, "id": run_id, "project": log.project,
        "name": log.name, "status": "finished", "started_at": started, "ended_at": ended,
        "heartbeat_at": ended,
    }
    tags = {"imported.from": log.kind, "imported.source": log.source}
    params = {k: _json_value(v) for k, v in log.params.items()}
    changed = _write_if_different(folder / spec.RUN_FILE, json.dumps(run, indent=1) + "\n")
    changed |= _write_if_different(folder / spec.PARAMS_FILE, json.dumps(params, indent=1) + "\n")
    changed |= _write_if_different(folder / spec.TAGS_FILE, json.dumps(tags, indent=1) + "\n")
    return _write_metrics(folder / spec.METRICS_FILE, log, _epoch(started)) or changed


def _write_metrics(path: Path, log: CsvLog, default_ts: float) -> bool:
    """metrics.jsonl of the log's points: appended to when the file holds a prefix of them
    (a log that grew), rewritten whole when it does not (a log that was replaced)."""
    lines = []
    for key, step, value, ts in log.points:
        point = {"key": key[: spec.MAX_KEY_LENGTH], "value": _json_value(value), "step": step,
                 "timestamp": ts if ts is not None else default_ts}
        lines.append(json.dumps(point, separators=(",", ":"), ensure_ascii=False) + "\n")
    text = "".join(lines)
    data = text.encode("utf-8")
    try:
        old = path.read_bytes()
    except OSError:
        old = None
    if old == data:
        return False
    if old is not None and data.startswith(old):
        append_text(path, data[len(old):].decode("utf-8"))
    else:
        write_atomic(path, text)
    return True
