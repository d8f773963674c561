"""File helpers for the run writer: atomic rewrites, appends, safe artifact paths and hashing."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from pathlib import Path

from workbench.errors import RunFormatError
from workbench.formats.safe_files import open_binary

_CHUNK = 1 << 20
_tmp_counter = 0
_tmp_lock = threading.Lock()


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so a reader sees the old or the new file, never half of one."""
    global _tmp_counter
    with _tmp_lock:
        _tmp_counter += 1
        serial = _tmp_counter
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{serial}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def append_text(path: Path, text: str) -> None:
    """Append `text` (whole lines) to `path` with one write call."""
    data = text.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def safe_project_dirname(project: str) -> str:
    """Return a directory name for a project: its text with path-unsafe characters replaced."""
    name = re.sub(r"[^A-Za-z0-9._ +=@,-]", "_", project).strip(" ")
    if name in ("", ".", ".."):
        name = "_" + name.replace(".", "_")
    return name[:100]


def artifact_target(artifacts_dir: Path, name: str) -> Path:
    """Return where artifact `name` goes inside `artifacts_dir`; refuse names that escape it."""
    if not isinstance(name, str) or not name.strip():
        raise RunFormatError(f"artifact names must be non-empty strings, got {name!r}")
    if "\x00" in name:
        raise RunFormatError(f"artifact name {name!r} contains a NUL character")
    relative = Path(name.replace("\\", "/"))
    if relative.is_absolute() or name.startswith(("/", "\\")) or relative.drive:
        raise RunFormatError(
            f"artifact name {name!r} is absolute; give a path relative to artifacts/"
        )
    if any(part == ".." for part in relative.parts):
        raise RunFormatError(
            f"artifact name {name!r} contains '..'; it must stay inside artifacts/"
        )
    parts = [part for part in relative.parts if part not in ("", ".")]
    if not parts:
        raise RunFormatError(f"artifact name {name!r} does not name a file")
    target = artifacts_dir.joinpath(*parts)
    base = artifacts_dir.resolve()
    resolved = target.resolve()
    if resolved != base and base not in resolved.parents:
        raise RunFormatError(
            f"artifact name {name!r} leads outside artifacts/ (through a symlink); choose another name"
        )
    return target


def file_digest(path: Path, count_lines: bool = False) -> tuple[str, int, int]:
    """Return (sha256 hex, size in bytes, number of lines) of a file, reading it once.

    A FIFO, a device or a link to one raises NotRegularFileError (a RunFormatError) without
    being opened."""
    digest = hashlib.sha256()
    size = 0
    lines = 0
    last = b"\n"
    with open_binary(path) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if count_lines:
                lines += chunk.count(b"\n")
            last = chunk[-1:]
    if count_lines and size and last != b"\n":
        lines += 1
    return digest.hexdigest(), size, lines


def tree_digest(path: Path) -> tuple[str, int]:
    """Return (sha256, total size) of a directory: the hash of its sorted "relpath sha256" lines."""
    listing = []
    total = 0
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        sha, size, _ = file_digest(file)
        total += size
        listing.append(f"{file.relative_to(path).as_posix()} {sha}\n")
    return hashlib.sha256("".join(listing).encode("utf-8")).hexdigest(), total
