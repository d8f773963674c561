"""Pure readers of a v1 run folder: run.json, params, tags, notes, artifacts, and JSON Lines chunks.

Nothing here touches the catalog; the ingester calls these and hands the results on.
The metrics.jsonl parser lives in metric_lines.py (its names are importable from here too).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench.errors import RunFormatError
from workbench.formats import safe_files, spec

# The metrics.jsonl parser, by its names here too (the ingester reads every format from here).
from workbench.formats.metric_lines import METRIC_COLUMNS as METRIC_COLUMNS
from workbench.formats.metric_lines import LineError as LineError
from workbench.formats.metric_lines import parse_metric_chunks as parse_metric_chunks

#: A file or folder path as the readers take it (os.path functions keep the hot path cheap).
StrPath = str | os.PathLike[str]

HEAD_BYTES = 64


# -- whole files ------------------------------------------------------------------------------


def _read_optional(path: StrPath, cap: int, checked: bool = False) -> bytes | None:
    """A small file's bytes, or None when it does not exist.

    RunFormatError subclasses (safe_files) when it is unreadable, special or over `cap`.
    """
    try:
        return safe_files.read_capped(path, cap, checked)
    except FileNotFoundError:
        return None


def _load_json_object(
    path: StrPath, raw: bytes | None = None, checked: bool = False
) -> dict[str, Any]:
    if raw is None:
        try:
            raw = safe_files.read_capped(path, spec.MAX_RUN_FILE_BYTES, checked)
        except FileNotFoundError:
            raise RunFormatError(f"{path} is missing") from None
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RunFormatError(f"{path} is not valid UTF-8") from None
    except ValueError as exc:
        raise RunFormatError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise RunFormatError(f"{path} must hold a JSON object")
    return obj


def parse_timestamp(value: object, what: str) -> datetime | None:
    """An ISO 8601 UTC string ('...Z') as a naive UTC datetime; None stays None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RunFormatError(f"{what} must be an ISO 8601 string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise RunFormatError(f"{what} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def read_run_json(run_dir: StrPath, checked: bool = False) -> dict[str, Any]:
    """run.json as a flat dict of catalog columns; RunFormatError when it breaks the format.

    `checked=True`: a recent stat found a regular file there (see safe_files.open_regular).
    """
    path = os.path.join(run_dir, spec.RUN_FILE)
    obj = _load_json_object(path, checked=checked)
    version = obj.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise RunFormatError(f"{path}: format_version must be an integer")
    if version > spec.FORMAT_VERSION:
        raise RunFormatError(
            f"{path} uses run format {version}; this workbench reads up to {spec.FORMAT_VERSION}"
        )
    run_id = obj.get("id")
    if not isinstance(run_id, str) or not spec.RUN_ID_PATTERN.match(run_id):
        raise RunFormatError(
            f"{path}: id must be 1-64 characters of A-Z a-z 0-9 _ -, got {run_id!r}"
        )
    status = obj.get("status")
    if status not in spec.STATUSES:
        raise RunFormatError(
            f"{path}: status must be one of {', '.join(spec.STATUSES)}, got {status!r}"
        )
    git: dict[str, Any] = obj["git"] if isinstance(obj.get("git"), dict) else {}
    command = obj.get("command")
    pid = obj.get("pid")
    dirty = git.get("dirty")
    return {
        "run_id": run_id,
        "project": (obj.get("project") if isinstance(obj.get("project"), str) else "") or "default",
        "name": (obj.get("name") if isinstance(obj.get("name"), str) else "") or run_id,
        "status": status,
        "started_at": parse_timestamp(obj.get("started_at"), f"{path}: started_at"),
        "ended_at": parse_timestamp(obj.get("ended_at"), f"{path}: ended_at"),
        "heartbeat_at": parse_timestamp(obj.get("heartbeat_at"), f"{path}: heartbeat_at"),
        "host": _opt_str(obj, "host"),
        "user_name": _opt_str(obj, "user"),
        "pid": pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
        "python": _opt_str(obj, "python"),
        "platform": _opt_str(obj, "platform"),
        "command": json.dumps(command) if isinstance(command, list) else None,
        "cwd": _opt_str(obj, "cwd"),
        "git_commit": _opt_str(git, "commit"),
        "git_branch": _opt_str(git, "branch"),
        "git_dirty": dirty if isinstance(dirty, bool) else None,
        "format_version": version,
        "parent_id": _opt_str(obj, "parent"),
        "deleted": obj.get("deleted") is True,
    }


_NUMBER_START = frozenset("0123456789+-.")


def _as_number(text: str) -> float | None:
    if text[:1] not in _NUMBER_START:  # cheap reject: "sgd", "relu" (and inf/nan, not finite)
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def param_row(key: str, value: object) -> tuple[str, str, float | None, str]:
    """(key, value_text, value_num, value_type) for one param, per the catalog contract."""
    if value is None:
        return key, "null", None, "null"
    if isinstance(value, bool):
        return key, "true" if value else "false", None, "bool"
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
        try:
            number = float(value)
        except OverflowError:  # an integer beyond the float range
            number = math.inf
        return key, text, number if math.isfinite(number) else None, "number"
    if isinstance(value, str):
        return key, value, _as_number(value.strip()) if value.strip() else None, "string"
    # Nested values the writer should have flattened: keep them as JSON text.
    return key, json.dumps(value, sort_keys=True), None, "string"


def read_params(
    run_dir: StrPath, checked: bool = False
) -> list[tuple[str, str, float | None, str]]:
    """params.json as catalog rows (empty when the file is absent); `checked` as above."""
    path = os.path.join(run_dir, spec.PARAMS_FILE)
    raw = _read_optional(path, spec.MAX_PARAMS_FILE_BYTES, checked)
    if raw is None:
        return []
    rows: list[tuple[str, str, float | None, str]] = []
    append = rows.append
    isfinite = math.isfinite
    for key, value in _load_json_object(path, raw).items():
        kind = type(value)  # fast paths for the common scalar types; param_row does the rest
        if kind is float:
            append((key, repr(value), value if isfinite(value) else None, "number"))
        elif kind is int and -(1 << 53) <= value <= 1 << 53:
            append((key, str(value), float(value), "number"))
        elif kind is str:
            stripped = value.strip()
            append((key, value, _as_number(stripped) if stripped else None, "string"))
        else:
            append(param_row(key, value))
    return rows


def read_tags(run_dir: StrPath, checked: bool = False) -> list[tuple[str, str]]:
    """tags.json as (key, value) rows; non-string values are kept as JSON text."""
    path = os.path.join(run_dir, spec.TAGS_FILE)
    raw = _read_optional(path, spec.MAX_TAGS_FILE_BYTES, checked)
    if raw is None:
        return []
    return [
        (k, v if type(v) is str else json.dumps(v)) for k, v in _load_json_object(path, raw).items()
    ]


def read_notes(run_dir: StrPath, checked: bool = False) -> str | None:
    """notes.md as text (invalid UTF-8 replaced), or None when absent."""
    path = os.path.join(run_dir, spec.NOTES_FILE)
    raw = _read_optional(path, spec.MAX_NOTES_FILE_BYTES, checked)
    return None if raw is None else raw.decode("utf-8", "replace")


# -- artifacts --------------------------------------------------------------------------------


@dataclass
class ArtifactScan:
    """Files under artifacts/ (relative path -> (size, mtime)) and the entries refused."""

    files: dict[str, tuple[int, float]] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def scan_artifacts(run_dir: Path) -> ArtifactScan:
    """List artifacts/ recursively: regular files only, each folder once.

    Refused (reported, never followed or opened): an artifacts/ or a symlink that leads out of
    the run folder, a FIFO, device or socket, and a link back to a folder already listed (a
    loop), so the scan stays linear whatever links it meets.
    """
    result = ArtifactScan()
    base = os.path.join(run_dir, spec.ARTIFACTS_DIR)
    if not safe_files.is_inside(run_dir, base):
        result.refused.append((base, "artifacts/ leads outside the run folder; not listed"))
        return result
    real_run = os.path.realpath(run_dir)
    try:
        st = os.stat(base)
    except OSError:
        return result
    seen = {(st.st_dev, st.st_ino)}
    stack = [base]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            _scan_entry(entry, base, real_run, seen, stack, result)
    return result


def _scan_entry(
    entry: os.DirEntry[str],
    base: str,
    real_run: str,
    seen: set[tuple[int, int]],
    stack: list[str],
    result: ArtifactScan,
) -> None:
    """One entry of an artifacts folder: list it, queue it (a folder) or refuse it."""
    try:
        link = entry.is_symlink()
        if link:
            target = os.path.realpath(entry.path)
            if not (target == real_run or target.startswith(real_run + os.sep)):
                result.refused.append((entry.path, "symlink points outside the run folder"))
                return
        st = entry.stat()
    except OSError:
        return  # vanished, or a dangling link
    if stat.S_ISDIR(st.st_mode):
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            if link:
                result.refused.append((entry.path, "symlink loops back to a folder already listed"))
            return
        seen.add(ident)
        stack.append(entry.path)
        return
    if not stat.S_ISREG(st.st_mode):
        result.refused.append(
            (entry.path, f"{safe_files.describe_mode(st.st_mode)}, not a regular file")
        )
        return
    result.files[os.path.relpath(entry.path, base)] = (st.st_size, st.st_mtime)


def sha256_file(
    path: StrPath, inside: StrPath | None = None, real_inside: str | None = None
) -> str:
    """SHA-256 of a regular file, streamed; with `inside`, the file must resolve in that folder
    (`real_inside`: its realpath, when the caller has it; the file comes from a fresh scan).

    Never opens a FIFO or a device (safe_files errors, RunFormatError subclasses).
    """
    digest = hashlib.sha256()
    if inside is not None:
        fd = safe_files.open_inside(inside, path, checked=real_inside is not None,
                                    real_folder=real_inside)  # fmt: skip
    else:
        fd, _st = safe_files.open_regular(path)
    try:
        while block := os.read(fd, 1 << 20):
            digest.update(block)
    except OSError as exc:
        raise safe_files.unreadable(path, exc) from None
    finally:
        os.close(fd)
    return digest.hexdigest()


def inside(run_dir: Path, rel: str) -> bool:
    """True when `rel` (relative to run_dir) resolves inside run_dir."""
    if os.path.isabs(rel):
        return False
    real_run = os.path.realpath(run_dir)
    target = os.path.realpath(os.path.join(run_dir, rel))
    return target == real_run or target.startswith(real_run + os.sep)


# -- JSON Lines chunks ------------------------------------------------------------------------


def head_signature(path: str | Path, length: int) -> str:
    """'<n>:<sha1 of the first n bytes>' — detects a file replaced under the same name."""
    fd, _st = safe_files.open_regular(path)
    try:
        return head_signature_fd(fd, length)
    finally:
        os.close(fd)


def head_signature_fd(fd: int, length: int) -> str:
    """The head signature of the file open at `fd`."""
    return signature_of(os.pread(fd, min(length, HEAD_BYTES), 0))


def signature_of(data: bytes) -> str:
    """The head signature of bytes already read from the start of a file."""
    return f"{len(data)}:{hashlib.sha1(data).hexdigest()}"


def head_length(signature: str | None) -> int:
    """How many bytes a head signature covers."""
    if not signature:
        return 0
    return int(signature.split(":", 1)[0])


def read_complete_lines(
    path: str | Path, offset: int, max_bytes: int, size: int | None = None
) -> tuple[bytes, bool]:
    """Bytes from `offset` up to the last '\\n' (at most max_bytes), and whether more may follow.

    A partial last line (the writer is mid-write) is left for next time. When a single line
    is longer than max_bytes the whole line is still returned so it can be rejected. `size`
    (the file size from a recent stat) lets the read ask for exactly the bytes there are;
    bytes appended after that stat are left for the next pass.
    """
    fd, _st = safe_files.open_regular(path)
    try:
        return read_complete_lines_fd(fd, offset, max_bytes, size)
    finally:
        os.close(fd)


def read_complete_lines_fd(
    fd: int, offset: int, max_bytes: int, size: int | None = None
) -> tuple[bytes, bool]:
    """read_complete_lines on an open descriptor."""
    want = max_bytes if size is None else min(max_bytes, size - offset)
    if want <= 0:
        return b"", False
    data = os.pread(fd, want, offset)
    capped = len(data) == max_bytes
    end = data.rfind(b"\n")
    while end < 0 and capped:
        more = os.pread(fd, max_bytes, offset + len(data))
        if not more:
            break
        data += more
        capped = len(more) == max_bytes
        end = data.rfind(b"\n")
    if end < 0:
        return b"", False
    if end + 1 < len(data):
        data = data[: end + 1]
    return data, capped


# -- datasets.jsonl and models.jsonl ----------------------------------------------------------


def parse_record_lines(
    chunk: bytes, kind: str, run_dir: Path
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Rows and (line index, reason) errors for a datasets.jsonl or models.jsonl chunk."""
    rows: list[dict[str, Any]] = []
    errors: list[tuple[int, str]] = []
    for index, line in enumerate(chunk.split(b"\n")[:-1]):
        if not line.strip():
            continue
        if len(line) > spec.MAX_LINE_BYTES:
            errors.append((index, f"line is longer than {spec.MAX_LINE_BYTES} bytes"))
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            errors.append((index, "line is not valid UTF-8"))
            continue
        except ValueError as exc:
            errors.append((index, f"corrupt JSON: {exc}"))
            continue
        if not isinstance(obj, dict):
            errors.append((index, "line is not a JSON object"))
            continue
        row = _dataset_row(obj) if kind == "datasets" else _model_row(obj, run_dir)
        if isinstance(row, str):
            errors.append((index, row))
        else:
            rows.append(row)
    return rows, errors


def _num(obj: dict[str, Any], key: str, kind: type[float] | type[int] = float) -> float | None:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return kind(value)


def _dataset_row(obj: dict[str, Any]) -> dict[str, Any] | str:
    for required in ("name", "path", "role"):
        if not isinstance(obj.get(required), str) or not obj[required]:
            return f"{required} must be a non-empty string"
    known = {"name", "path", "role", "sha256", "size", "rows", "format", "timestamp"}
    extra = {k: v for k, v in obj.items() if k not in known}
    return {
        "name": obj["name"],
        "path": obj["path"],
        "role": obj["role"],
        "sha256": obj.get("sha256") if isinstance(obj.get("sha256"), str) else None,
        "size": _num(obj, "size", int),
        "rows": _num(obj, "rows", int),
        "format": obj.get("format") if isinstance(obj.get("format"), str) else None,
        "logged_at": _num(obj, "timestamp"),
        "extra": json.dumps(extra, sort_keys=True) if extra else None,
    }


def _model_row(obj: dict[str, Any], run_dir: Path) -> dict[str, Any] | str:
    for required in ("name", "path"):
        if not isinstance(obj.get(required), str) or not obj[required]:
            return f"{required} must be a non-empty string"
    if not inside(run_dir, obj["path"]):
        return f"model path {obj['path']!r} leaves the run folder"
    metadata = obj.get("metadata")
    return {
        "name": obj["name"],
        "path": obj["path"],
        "flavor": obj.get("flavor") if isinstance(obj.get("flavor"), str) else None,
        "sha256": obj.get("sha256") if isinstance(obj.get("sha256"), str) else None,
        "size": _num(obj, "size", int),
        "metadata": json.dumps(metadata, sort_keys=True) if metadata is not None else None,
        "logged_at": _num(obj, "timestamp"),
    }
