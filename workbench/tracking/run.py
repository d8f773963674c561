"""`Run` and `start_run`: log params, metrics, tags, artifacts, datasets and models to a run folder.

The folder follows docs/run-format.md v1. Metric lines are buffered in memory and written by
a background thread every FLUSH_EVERY_S (and on finish), so a crash loses at most a fraction
of a second and `log_metrics` stays fast.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from workbench.errors import NotFoundError, RunFormatError, WorkbenchError
from workbench.formats import frames, spec
from workbench.tracking import datasets, encode, environment, files
from workbench.tracking.flusher import FLUSHER

#: A logging call writes out the buffer itself when this many calls are waiting (bounds memory).
_MAX_BUFFERED_CALLS = 20_000

def utc_now_iso() -> str:
    """Return the current UTC time as ISO 8601 with microseconds and a trailing Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_root() -> Path:
    """Return `$WORKBENCH_RUNS` if set, else `./workbench-runs`."""
    return Path(os.environ.get(spec.RUNS_ROOT_ENV) or spec.DEFAULT_ROOT_DIRNAME)


class Run:
    """One run being written: create it with `start_run`, use it as a context manager.

    Thread-safe within a process. Every method raises `RunFormatError` (a ValueError) for a
    bad value and then writes nothing for that call.
    """

    def __init__(
        self,
        project: str | None = None,
        name: str | None = None,
        root: str | os.PathLike[str] | None = None,
    ) -> None:
        if project is not None and not isinstance(project, str):
            raise RunFormatError(f"the project must be a string, got {type(project).__name__}")
        if name is not None and not isinstance(name, str):
            raise RunFormatError(f"the run name must be a string, got {type(name).__name__}")
        self.id: str = uuid.uuid4().hex
        self.project: str = project or "default"
        self.name: str = name or self.id
        self.root: Path = Path(root) if root is not None else default_root()
        self.path: Path = self.root / files.safe_project_dirname(self.project) / self.id
        self.status: str = "running"
        self.params: dict[str, object] = {}
        self.tags: dict[str, str] = {}
        self._info: dict[str, object] = {}
        self._buffer: list[str] = []
        self._next_step = 0
        # re-entrant: the SIGTERM handler flushes from the main thread, maybe mid-call
        self._buffer_lock = threading.RLock()
        self._io_lock = threading.RLock()
        self._signalled = False
        self._metrics_fd: int | None = None
        self._unsent = b""
        self._last_heartbeat = time.monotonic()
        self._write_error_reported = False
        self._owner_pid = os.getpid()
        self._closed = False
        self._io_done = False
        self._requirements: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def _start(self, capture_requirements: bool = True) -> None:
        self.path.mkdir(parents=True, exist_ok=False)
        started = utc_now_iso()
        self._info = {
            "format_version": spec.FORMAT_VERSION,
            "id": self.id,
            "project": self.project,
            "name": self.name,
            "status": "running",
            "started_at": started,
            "ended_at": None,
            "heartbeat_at": started,
            **environment.run_environment(),
        }
        self._write_run_json()
        if capture_requirements:
            # Listing the installed packages reads every distribution's metadata (0.1 s or
            # more): a thread writes the file, and finish() waits for it.
            self._requirements = threading.Thread(
                target=self._write_requirements, name="workbench-requirements", daemon=True
            )
            self._requirements.start()
        FLUSHER.register(self)

    def _write_requirements(self) -> None:
        try:
            lines = environment.requirements_lines()
            files.write_atomic(self.path / spec.REQUIREMENTS_FILE, "".join(f"{x}\n" for x in lines))
        except OSError as exc:
            self._report_write_error(exc)

    def finish(self, status: str = "finished") -> None:
        """Write out everything buffered and mark the run `status` (finished, failed or killed).

        Calling it again does nothing.
        """
        if status not in spec.STATUSES or status == "running":
            allowed = ", ".join(s for s in spec.STATUSES if s != "running")
            raise RunFormatError(f"a run finishes as one of {allowed}; got {status!r}")
        if self._requirements is not None and self._requirements is not threading.current_thread():
            self._requirements.join()  # the environment is complete before the run is
        if self._signalled:
            status = "killed"  # ended by SIGTERM, however the script wound down after it
        with self._io_lock:
            if self._closed:
                return
            self._closed = True
            FLUSHER.unregister(self)
            try:
                self._flush_buffers()
            finally:
                self._io_done = True
                if self._metrics_fd is not None:
                    os.close(self._metrics_fd)
                    self._metrics_fd = None
                ended = utc_now_iso()
                self.status = status
                self._info.update(status=status, ended_at=ended, heartbeat_at=ended)
                self._write_run_json()

    def flush(self) -> None:
        """Write buffered metric lines to disk now (the background thread does it every 0.2 s)."""
        self._flush_buffers()

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._closed:
            return
        if exc_type is None:
            status = "finished"
        elif issubclass(exc_type, KeyboardInterrupt):
            status = "killed"
        elif issubclass(exc_type, SystemExit) and getattr(exc, "code", 1) in (None, 0):
            status = "finished"
        else:
            status = "failed"
        if exc_type is not None and status != "finished" and not self._signalled:
            try:
                text = "".join(traceback.format_exception(exc_type, exc, tb))
                self.log_text("traceback.txt", text)
            except Exception:  # noqa: S110 - never hide the user's exception behind ours
                pass
        self.finish(status)

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, project={self.project!r}, name={self.name!r}, status={self.status!r})"

    # ------------------------------------------------------------------ metrics

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Append one point per key at `step` (default: one more than the last step, from 0).

        Values must be real numbers (int, float, numpy scalars); NaN and ±inf are kept.
        Keys are non-empty strings of at most 250 characters.
        """
        if self._closed:
            self._refuse_closed()
        timestamp = time.time()
        if step is None:
            with self._buffer_lock:
                step = self._next_step
                if step >= encode.STEP_LIMIT:
                    encode.check_step(step)  # raises: the step after 2**63 - 1 does not fit
                lines = encode.encode_metrics(metrics, step, timestamp)
                self._next_step = step + 1
                self._buffer.append(lines)
                waiting = len(self._buffer)
        else:
            if type(step) is not int or step < 0 or step >= encode.STEP_LIMIT:
                step = encode.check_step(step)
            lines = encode.encode_metrics(metrics, step, timestamp)
            with self._buffer_lock:
                self._next_step = step + 1
                self._buffer.append(lines)
                waiting = len(self._buffer)
        if waiting >= _MAX_BUFFERED_CALLS:
            self._flush_buffers()

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        """Log one metric point (see log_metrics)."""
        self.log_metrics({key: value}, step=step)

    def _flush_buffers(self) -> None:
        """Append the buffered metric lines to metrics.jsonl with one write."""
        with self._io_lock:
            with self._buffer_lock:
                if self._io_done:  # finished: a racing late call's lines are dropped
                    self._buffer = []
                    return
                if not self._buffer and not self._unsent:
                    return
                chunks = self._buffer
                self._buffer = []
            data = self._unsent + "".join(chunks).encode("utf-8")
            self._unsent = b""
            sent = 0
            try:
                if self._metrics_fd is None:
                    self._metrics_fd = os.open(
                        self.path / spec.METRICS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644
                    )
                while sent < len(data):
                    sent += os.write(self._metrics_fd, data[sent:])
            except OSError as exc:
                self._unsent = data[sent:]
                self._report_write_error(exc)

    def _report_write_error(self, exc: OSError) -> None:
        if not self._write_error_reported:
            self._write_error_reported = True
            sys.stderr.write(
                f"workbench: cannot write metrics of run {self.id} to {self.path}: {exc}; "
                "keeping them in memory and retrying.\n"
            )

    # ------------------------------------------------------------- params, tags

    def log_params(self, params: Mapping[str, object]) -> None:
        """Record params; nested dicts are flattened with "." ({"opt": {"lr": 0.1}} -> "opt.lr").

        Values may be str, int, float, bool or None (numpy scalars and paths are converted).
        A list or tuple of those is stored as its compact JSON text ("[64,32]"), because the
        format keeps param values scalar. Non-finite floats become "NaN"/"Infinity"/"-Infinity".
        Logging a key again replaces its value. Anything else raises RunFormatError.
        """
        flat = encode.flatten_params(params)
        self._check_open()
        with self._io_lock:
            self.params.update(flat)
            files.write_atomic(self.path / spec.PARAMS_FILE, _json_object(self.params))

    def log_param(self, key: str, value: object) -> None:
        """Record one param (see log_params)."""
        self.log_params({key: value})

    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Set tags (string keys and string values); setting a key again replaces its value."""
        checked = encode.check_tags(tags)
        self._check_open()
        with self._io_lock:
            self.tags.update(checked)
            files.write_atomic(self.path / spec.TAGS_FILE, _json_object(self.tags))

    def set_tag(self, key: str, value: str) -> None:
        """Set one tag (see set_tags)."""
        self.set_tags({key: value})

    def set_notes(self, text: str) -> None:
        """Replace notes.md with `text` (Markdown welcome)."""
        if not isinstance(text, str):
            raise RunFormatError(f"notes must be a string, got {type(text).__name__}")
        with self._io_lock:
            files.write_atomic(self.path / spec.NOTES_FILE, text)

    # -------------------------------------------------------------- artifacts

    @property
    def artifacts_dir(self) -> Path:
        """The run's artifacts/ folder (created on first use)."""
        directory = self.path / spec.ARTIFACTS_DIR
        directory.mkdir(exist_ok=True)
        return directory

    def log_artifact(self, path: str | os.PathLike[str], name: str | None = None) -> str:
        """Copy a file or a directory into artifacts/ as `name` (default: its base name).

        Returns the artifact's path relative to the run folder. Names that are absolute, hold
        "..", or lead outside artifacts/ through a symlink are refused.
        """
        source = Path(path)
        if not source.exists():
            raise NotFoundError(f"cannot log artifact {str(source)!r}: no such file or directory")
        target = files.artifact_target(
            self.artifacts_dir, name if name is not None else source.name
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        elif not (target.exists() and os.path.samefile(source, target)):
            shutil.copyfile(source, target)
        return target.relative_to(self.path).as_posix()

    def log_text(self, name: str, text: str) -> str:
        """Write `text` as the artifact `name` (UTF-8); returns its path relative to the run folder."""
        if not isinstance(text, str):
            raise RunFormatError(f"log_text needs a string, got {type(text).__name__}")
        target = files.artifact_target(self.artifacts_dir, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        files.write_atomic(target, text)
        return target.relative_to(self.path).as_posix()

    def log_dataset(
        self,
        source: object,
        name: str | None = None,
        role: str = "train",
        *,
        format: str | None = None,  # noqa: A002 - the field is called format in the spec
        rows: int | None = None,
        columns: list[str] | None = None,
        hash: bool = True,  # noqa: A002
        metadata: Mapping[str, object] | None = None,
    ) -> dict[str, Any]:
        """Record that the run read or wrote a dataset; appends a line to datasets.jsonl.

        `source` is a path (a file, or a folder of Parquet parts) or an in-memory polars,
        pyarrow or pandas frame, which is written as Parquet under the run's `datasets/`
        folder (give it a `name`). Files get a content fingerprint (SHA-256, cached by path,
        size and mtime so an unchanged file is read once) and their schema and row count
        from metadata: the Parquet/Arrow footer, or the header and line count of CSV, TSV
        and JSON Lines (a quoted newline makes a CSV count an estimate; pass rows=).
        Returns the record.
        """
        if not isinstance(role, str) or not role:
            raise RunFormatError(f"the dataset role must be a non-empty string, got {role!r}")
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.exists():
                raise NotFoundError(
                    f"cannot log dataset {str(path)!r}: no such file or directory"
                )
            recorded = str(path.resolve())
        else:
            if not isinstance(name, str) or not name.strip():
                raise RunFormatError("a dataset logged from a frame needs a name")
            self._check_open()
            path = frames.write_frame(source, self.path / spec.DATASETS_DIR, name)
            recorded = path.relative_to(self.path).as_posix()
            format = "parquet"  # noqa: A001
        record = datasets.describe_source(
            path, format, rows=rows, columns=columns, hash=hash
        )
        record = {
            "name": name or path.stem or path.name,
            "path": recorded,
            "role": role,
            **record,
        }
        if metadata is not None:
            record["metadata"] = dict(metadata)
        record["timestamp"] = time.time()
        self._append_record(spec.DATASETS_FILE, record)
        return record

    def log_model(
        self,
        path: str | os.PathLike[str],
        name: str,
        flavor: str | None = None,
        metadata: Mapping[str, object] | None = None,
    ) -> dict[str, Any]:
        """Copy a model file (or directory) into artifacts/model/<name>/ and append to models.jsonl.

        The file is only copied and hashed, never loaded: put what the registry should show
        (class, metrics, input columns) in `metadata`. Returns the record.
        """
        source = Path(path)
        if not source.is_file() and not source.is_dir():
            raise NotFoundError(f"cannot log model {str(source)!r}: no such file or directory")
        if not isinstance(name, str) or not name.strip():
            raise RunFormatError(f"a model needs a non-empty name, got {name!r}")
        folder = files.safe_project_dirname(name)
        relative = self.log_artifact(source, f"model/{folder}/{source.name}")
        copied = self.path / relative
        if copied.is_dir():
            sha, size = files.tree_digest(copied)
        else:
            sha, size, _ = files.file_digest(copied)
        record: dict[str, object] = {
            "name": name,
            "path": relative,
            "flavor": flavor,
            "sha256": sha,
            "size": size,
            "metadata": dict(metadata) if metadata is not None else {},
            "timestamp": time.time(),
        }
        self._append_record(spec.MODELS_FILE, record)
        return record

    def _append_record(self, file_name: str, record: dict[str, Any]) -> None:
        line = encode.json_line(record)
        self._check_open()
        with self._io_lock:
            files.append_text(self.path / file_name, line)

    # -------------------------------------------------------------- internals

    def _check_open(self) -> None:
        if self._closed:
            self._refuse_closed()

    def _refuse_closed(self) -> None:
        if os.getpid() != self._owner_pid:
            raise WorkbenchError(
                f"run {self.id} belongs to process {self._owner_pid}; log from that process "
                "or start a new run in this one"
            )
        raise WorkbenchError(f"run {self.id} is {self.status}; start a new run to log more")

    def _write_run_json(self) -> None:
        with self._io_lock:
            files.write_atomic(self.path / spec.RUN_FILE, _json_object(self._info))

    def _heartbeat_if_due(self, now: float) -> None:
        if now - self._last_heartbeat < spec.HEARTBEAT_EVERY_S:
            return
        with self._io_lock:
            if self._closed:
                return
            self._last_heartbeat = now
            self._info["heartbeat_at"] = utc_now_iso()
            self._write_run_json()

    def _finish_at_exit(self, status: str) -> None:
        self.finish(status)

    def _terminated(self, text: str) -> None:
        """SIGTERM arrived: note where, write out the buffer, and end as `killed` later."""
        if self._closed:
            return
        self._signalled = True
        try:
            self.log_text("traceback.txt", text)
        finally:
            self._flush_buffers()

    def _detach_after_fork(self) -> None:
        """In a forked child: drop the parent's buffer and refuse further logging."""
        self._buffer_lock = threading.RLock()
        self._io_lock = threading.RLock()
        self._buffer = []
        self._unsent = b""
        self._metrics_fd = None
        self._requirements = None
        self._closed = True


def _json_object(value: Mapping[str, object]) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def start_run(
    project: str | None = None,
    name: str | None = None,
    root: str | os.PathLike[str] | None = None,
    *,
    params: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
    notes: str | None = None,
    capture_requirements: bool = True,
) -> Run:
    """Start a run under `<root>/<project>/<run id>/` and return it (use it in a `with` block).

    `root` defaults to `$WORKBENCH_RUNS`, else `./workbench-runs`. The project's folder name is
    its text with path-unsafe characters replaced; run.json keeps the text as given.
    """
    checked_params = encode.flatten_params(params) if params is not None else None
    checked_tags = encode.check_tags(tags) if tags is not None else None
    run = Run(project=project, name=name, root=root)
    run._start(capture_requirements=capture_requirements)
    if checked_params:
        run.log_params(checked_params)
    if checked_tags:
        run.set_tags(checked_tags)
    if notes is not None:
        run.set_notes(notes)
    return run
