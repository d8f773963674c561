"""Content fingerprints of data files and folders: streaming SHA-256, cached by (path, size, mtime).

Standard library only (the tracking API uses it). The cache is one small JSON file under the
user cache folder (`$WORKBENCH_CACHE_DIR` overrides it), so fingerprinting an unchanged file
twice reads it once. A file that changes while it is hashed raises `DataChangedError`; a FIFO,
a device or a link to one raises `NotRegularFileError` and is never opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat as stat_mode
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import DataChangedError
from workbench.formats.safe_files import not_regular, open_binary

CACHE_ENV = "WORKBENCH_CACHE_DIR"
CACHE_FILE = "fingerprints.json"
#: Entries kept in the cache file (the least recently used go first).
CACHE_LIMIT = 20_000
#: A file modified this recently is hashed but not cached: a later write within the same
#: mtime tick would go unnoticed.
_RACY_S = 1.0
_BUFFER = 1 << 22


@dataclass(frozen=True)
class Fingerprint:
    """The content fingerprint of a file or folder: SHA-256 hex, total bytes, file count."""

    sha256: str
    size: int
    files: int = 1
    lines: int | None = None
    mtime: float | None = None  # of a file, as it was when hashed


def cache_dir() -> Path:
    """Where the fingerprint cache lives: `$WORKBENCH_CACHE_DIR`, else the per-user cache folder."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("workbench", appauthor=False)


class FingerprintCache:
    """A (path, size, mtime_ns, inode) -> SHA-256 map loaded from and saved to one JSON file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else cache_dir() / CACHE_FILE
        self._entries: dict[str, list[object]] = {}
        self._dirty = False
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and isinstance(data.get("entries"), dict):
            self._entries = data["entries"]

    def get(self, key: str, stat: os.stat_result) -> tuple[str, int | None] | None:
        """(hash, line count or None) of the file at `key` if its size, mtime and inode
        are unchanged since it was cached."""
        self._load()
        entry = self._entries.get(key)
        if (
            isinstance(entry, list)
            and len(entry) == 5
            and entry[:3] == [stat.st_size, stat.st_mtime_ns, stat.st_ino]
            and isinstance(entry[3], str)
        ):
            lines = entry[4]
            return entry[3], lines if isinstance(lines, int) else None
        return None

    def put(self, key: str, stat: os.stat_result, sha256: str, lines: int | None) -> None:
        """Remember the hash (and line count) of the file at `key` as `stat` describes it."""
        self._load()
        self._entries.pop(key, None)  # re-inserted last: the dict order is the recency order
        self._entries[key] = [stat.st_size, stat.st_mtime_ns, stat.st_ino, sha256, lines]
        self._dirty = True

    def save(self) -> None:
        """Write the cache back (atomically) if it changed; a failure to write is ignored."""
        if not self._dirty:
            return
        entries = self._entries
        if len(entries) > CACHE_LIMIT:
            entries = dict(list(entries.items())[-CACHE_LIMIT:])
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"version": 1, "entries": entries}), encoding="utf-8")
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _hash_file(handle: io.FileIO, count_lines: bool, size_hint: int) -> tuple[str, int, int | None]:
    """SHA-256, size and (if asked) line count of an open file, read from its start."""
    if size_hint < _BUFFER:  # a small file: one read, no big buffer to allocate
        data = handle.read(_BUFFER)
        if len(data) < _BUFFER:
            lines = data.count(b"\n") + (1 if data and data[-1:] != b"\n" else 0)
            return hashlib.sha256(data).hexdigest(), len(data), lines if count_lines else None
        handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    lines = 0
    last = b"\n"
    buffer = bytearray(_BUFFER)
    view = memoryview(buffer)
    while n := handle.readinto(buffer):
        digest.update(view[:n])
        size += n
        if count_lines:
            lines += buffer.count(b"\n", 0, n)
            last = bytes(view[n - 1 : n])
    if count_lines and size and last != b"\n":
        lines += 1
    return digest.hexdigest(), size, (lines if count_lines else None)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ino) == (b.st_size, b.st_mtime_ns, b.st_ino)


def fingerprint_file(
    path: Path, cache: FingerprintCache | None = None, count_lines: bool = False
) -> Fingerprint:
    """SHA-256 and size (and line count, if asked) of one file, from `cache` when unchanged.

    Raises DataChangedError if the file changed while it was being read, NotRegularFileError
    for a FIFO, a device or a link to one (never opened).
    """
    path = Path(path)
    key = os.path.abspath(path)
    before = path.stat()
    if not stat_mode.S_ISREG(before.st_mode):
        raise not_regular(path, before.st_mode, skipped=False)
    if cache is not None:
        cached = cache.get(key, before)
        if cached is not None and (cached[1] is not None or not count_lines):
            return Fingerprint(cached[0], before.st_size, 1, cached[1], before.st_mtime)
    started = time.time()
    # Checked on the descriptor, not the path: when another process replaces the file
    # meanwhile (a parallel run writing the same dataset atomically), the one opened stays
    # whole and is what gets fingerprinted; only a change to the opened file is refused.
    with open_binary(path, checked=True) as handle:  # the stat above found a regular file
        opened = os.fstat(handle.fileno())
        sha, size, lines = _hash_file(handle, count_lines, opened.st_size)
        after = os.fstat(handle.fileno())
    if not _same(opened, after) or size != after.st_size:
        raise DataChangedError(
            f"{path} changed while it was being fingerprinted; log it again once it is written"
        )
    if cache is not None and started - after.st_mtime_ns / 1e9 >= _RACY_S:
        cache.put(key, after, sha, lines)
    return Fingerprint(sha, size, 1, lines, after.st_mtime)


#: Files below this size are read whole by `fingerprint_small` and never cached: reading one
#: costs about what a cache entry does, and thousands of them would push out the big files.
SMALL_FILE = 1 << 20


def fingerprint_small(path: str, before: os.stat_result) -> tuple[Fingerprint, bytes]:
    """Fingerprint (with line count) and content of a small file read in one go.

    `before` is the file's stat taken by the caller (a directory walk has it); the file is
    read once and its descriptor's stat compared with it, so a change made meanwhile (or a
    file replaced since) raises DataChangedError; a special file, NotRegularFileError.
    """
    if not stat_mode.S_ISREG(before.st_mode):
        raise not_regular(path, before.st_mode, skipped=False)
    with open_binary(path, checked=True) as handle:  # its descriptor is checked all the same
        data = handle.read(before.st_size + 1)
        after = os.fstat(handle.fileno())
    if not _same(before, after) or len(data) != after.st_size:
        raise DataChangedError(
            f"{path} changed while it was being fingerprinted; scan it again once it is written"
        )
    lines = data.count(b"\n") + (1 if data and data[-1:] != b"\n" else 0)
    return Fingerprint(hashlib.sha256(data).hexdigest(), len(data), 1, lines, after.st_mtime), data


def folder_files(path: Path) -> list[Path]:
    """The files of a folder dataset, sorted, hidden files (names starting with '.') left out."""
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def fingerprint_folder(path: Path, cache: FingerprintCache | None = None) -> Fingerprint:
    """The fingerprint of a folder: SHA-256 of its sorted "relative/path sha256" lines."""
    path = Path(path)
    listing = []
    total = 0
    files = folder_files(path)
    for file in files:
        part = fingerprint_file(file, cache)
        total += part.size
        listing.append(f"{file.relative_to(path).as_posix()} {part.sha256}\n")
    sha = hashlib.sha256("".join(listing).encode("utf-8")).hexdigest()
    return Fingerprint(sha, total, len(files))


def fingerprint(
    path: str | os.PathLike[str], cache: FingerprintCache | None = None, count_lines: bool = False
) -> Fingerprint:
    """The fingerprint of a file or folder (see fingerprint_file and fingerprint_folder)."""
    target = Path(path)
    if target.is_dir():
        return fingerprint_folder(target, cache)
    return fingerprint_file(target, cache, count_lines)
