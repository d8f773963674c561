"""`datasets scan`: register every data file under folders, so unused data is catalogued too.

Each file (csv, tsv, parquet, arrow/feather, jsonl; a folder of Parquet parts as one) is
fingerprinted and described from its metadata; the names, versions and locations go into the
catalog in one transaction. A file whose path, size and mtime are what the catalog recorded
at an earlier scan is neither read nor written again. A file that cannot be read is reported
in one sentence and the rest is still catalogued; so is a FIFO, a device or a link to one
with a data file's name, which is never opened.

Names: a file found under a folder is named by its path relative to that folder without the
suffix (`raw/train` for raw/train.csv); when two data files in one folder share a stem
(train.csv and train.parquet) each keeps its suffix (`raw/train.csv`, `raw/train.parquet`),
since they are two datasets, not two versions of one.
"""

from __future__ import annotations

import functools
import json
import os
import stat as stat_mode
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog import datasets_store as store
from workbench.catalog.contract import CatalogLike
from workbench.catalog.sources import record_sources
from workbench.errors import DataFileError, NotFoundError
from workbench.formats import datafiles, safe_files
from workbench.formats.fingerprint import (
    SMALL_FILE,
    FingerprintCache,
    fingerprint,
    fingerprint_small,
)

#: progress(done, total): called every few files while a scan runs.
Progress = Callable[[int, int], None]
_COUNTED = ("csv", "tsv", "jsonl")
#: A file recorded less than this many seconds after its mtime is read again at the next
#: scan even if unchanged: a write within the same mtime tick would otherwise go unseen.
_RACY_S = 1.0


@dataclass(frozen=True)
class ScannedFile:
    """One data file (or Parquet folder) a scan registered."""

    name: str
    path: str
    fingerprint: str
    format: str
    size: int
    rows: int | None
    files: int | None = None
    schema: list[dict[str, str | None]] = field(default_factory=list)
    mtime: float | None = None
    #: True when the catalog already had it with this path, size and mtime (not read again).
    unchanged: bool = False


@dataclass
class ScanReport:
    """What a scan found: the files registered, how many versions were new, what failed."""

    files: list[ScannedFile] = field(default_factory=list)
    new_versions: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def unchanged(self) -> int:
        """How many of the files were known to the catalog as they are (not read again)."""
        return sum(1 for f in self.files if f.unchanged)


@dataclass(frozen=True)
class Candidate:
    """A data file or Parquet folder a walk found: its dataset name, path, format and the
    stat of a file (None for a folder)."""

    name: str
    path: str
    format: str
    stat: os.stat_result | None


def find_data_files(paths: list[Path]) -> Iterator[Candidate]:
    """Each data file or Parquet folder under `paths` (see the module docstring for names).

    Every folder is listed once (os.scandir); a file given directly is named by its stem,
    or its file name if a data file beside it shares the stem.
    """
    for top in paths:
        if not top.exists():
            raise NotFoundError(f"cannot scan {str(top)!r}: no such file or folder")
        if not top.is_dir() or datafiles.is_parquet_folder(top):  # a file, or a special one
            fmt = datafiles.format_of(top) or ""
            name = _stem(top.name) if fmt else top.name
            if fmt and _stem_is_shared(top):
                name = top.name
            stat = top.stat() if not top.is_dir() else None
            yield Candidate(name, str(top), fmt, stat)
            continue
        yield from _walk("", _listing(str(top)))


def _stem(name: str) -> str:
    """`Path(name).stem`: the name without its last suffix."""
    suffix = datafiles.suffix_of(name)
    return name[: len(name) - len(suffix)] if suffix else name


def _stem_is_shared(path: Path) -> bool:
    """True if another data file or Parquet folder beside `path` has the same stem."""
    try:
        files, folders = _listing(str(path.parent))
    except OSError:
        return False
    stem = _stem(path.name)
    others = [e for e in _data_entries(path.parent, files, folders) if e.name != path.name]
    return any(_stem(e.name) == stem for e in others)


def _listing(folder: str) -> tuple[list[os.DirEntry[str]], list[os.DirEntry[str]]]:
    """(files, folders) directly in `folder`, by name, hidden ones (starting with '.') left out.

    A FIFO, a device or a link to one counts as a file here (so one with a data file's name
    is reported); a dangling link is left out."""
    files, folders = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                folders.append(entry)
            elif entry.is_file() or _is_special(entry):
                files.append(entry)
    files.sort(key=lambda e: e.name)
    folders.sort(key=lambda e: e.name)
    return files, folders


def _is_special(entry: os.DirEntry[str]) -> bool:
    """True for an entry that is there (links followed) but neither a file nor a folder."""
    try:
        entry.stat()
    except OSError:
        return False
    return True


def _data_entries(
    folder: Path, files: list[os.DirEntry[str]], folders: list[os.DirEntry[str]]
) -> list[os.DirEntry[str]]:
    """The entries of a listing that are datasets: data files and Parquet folders."""
    found = [e for e in files if datafiles.FORMATS_BY_SUFFIX.get(datafiles.suffix_of(e.name))
             in datafiles.TABULAR_FORMATS]  # fmt: skip
    return found + [f for f in folders if datafiles.is_parquet_folder(folder / f.name)]


def _walk(
    prefix: str, listing: tuple[list[os.DirEntry[str]], list[os.DirEntry[str]]]
) -> Iterator[Candidate]:
    """The candidates in one listed folder (`prefix` is its path relative to the scan's top,
    with a trailing '/'), then those in its sub-folders."""
    files, folders = listing
    data: list[tuple[os.DirEntry[str], str, str, bool]] = []  # entry, format, stem, is a file
    descend = []
    for entry in folders:
        try:
            sub = _listing(entry.path)
        except OSError:
            continue
        names = ([e.name for e in sub[0]], [e.name for e in sub[1]])
        if datafiles.parquet_folder_rule(Path(entry.path), *names):
            data.append((entry, "parquet", _stem(entry.name), False))
        elif not entry.is_symlink():  # like os.walk: a linked folder is not walked into
            descend.append((entry, sub))
    for entry in files:
        suffix = datafiles.suffix_of(entry.name)
        fmt = datafiles.FORMATS_BY_SUFFIX.get(suffix)
        if fmt in datafiles.TABULAR_FORMATS:
            data.append((entry, fmt, entry.name[: len(entry.name) - len(suffix)], True))
    stems = Counter(stem for _, _, stem, _ in data)
    data.sort(key=lambda item: item[0].name)
    for entry, fmt, stem, is_file in data:
        name = prefix + (entry.name if stems[stem] > 1 else stem)
        try:
            stat = entry.stat() if is_file else None
        except OSError:
            stat = None
        yield Candidate(name, entry.path, fmt, stat)
    for entry, sub in descend:
        yield from _walk(f"{prefix}{entry.name}/", sub)


@dataclass
class _Known:
    """What an earlier scan recorded of a path: (size, mtime) -> the catalog's row."""

    rows: dict[tuple[str, int, float], dict[str, Any]] = field(default_factory=dict)

    def get(self, candidate: Candidate) -> dict[str, Any] | None:
        """The catalog's row for this file if it is as recorded (and was not racy then)."""
        stat = candidate.stat
        if stat is None or not stat_mode.S_ISREG(stat.st_mode):
            return None
        row = self.rows.get((candidate.path, stat.st_size, stat.st_mtime))
        if row is None or row["seen"] is None or row["seen"] - row["mtime"] < _RACY_S:
            return None
        return row


def _known(cat: CatalogLike, tops: list[Path]) -> _Known:
    if not cat.exists():
        return _Known()
    with cat.connect(read_only=True) as con:
        rows = store.scan_state(con, [str(t) for t in tops])
    return _Known({(r["path"], r["size"], r["mtime"]): r for r in rows})


@functools.lru_cache(maxsize=256)
def _schema(text: str | None) -> list[dict[str, str | None]]:
    """A stored schema decoded (files in one tree mostly share a few)."""
    return json.loads(text) if text else []


def _from_catalog(candidate: Candidate, row: dict[str, Any]) -> ScannedFile:
    """A file the catalog knows as it is: described from the catalog, not read."""
    schema = _schema(row["schema_json"])
    return ScannedFile(
        candidate.name, candidate.path, row["fingerprint"], row["format"] or candidate.format,
        row["size"], row["rows"], row["files"], schema, row["mtime"], unchanged=True,
    )  # fmt: skip


def _examine(candidate: Candidate, cache: FingerprintCache) -> ScannedFile | str:
    """The file registered, or one sentence saying why it cannot be."""
    path, fmt, stat = candidate.path, candidate.format, candidate.stat
    if fmt not in datafiles.TABULAR_FORMATS:
        return f"{path} is not a data file the catalog reads (csv, tsv, parquet, arrow, jsonl)"
    if stat is not None and not stat_mode.S_ISREG(stat.st_mode):
        return str(safe_files.not_regular(path, stat.st_mode))  # never opened
    try:
        if stat is not None and stat.st_size < SMALL_FILE:
            found, data = fingerprint_small(path, stat)  # described from these bytes
            description = datafiles.describe(path, fmt, found.lines, data)
        else:
            found = fingerprint(Path(path), cache, count_lines=fmt in _COUNTED)
            description = datafiles.describe(Path(path), fmt, found.lines)
    except (DataFileError, safe_files.NotRegularFileError) as exc:
        return str(exc)
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror or exc}"
    return ScannedFile(
        candidate.name, candidate.path, found.sha256, fmt, found.size, description.rows,
        found.files if found.mtime is None else None, description.schema, found.mtime,
    )  # fmt: skip


_SCHEMA_TEXTS: dict[tuple[tuple[Any, ...], ...], str] = {}


def _schema_text(schema: list[dict[str, str | None]]) -> str | None:
    """The JSON text of a schema (memoised: files in one tree mostly share a few)."""
    if not schema:
        return None
    key = tuple(tuple(c.items()) for c in schema)
    text = _SCHEMA_TEXTS.get(key)
    if text is None:
        if len(_SCHEMA_TEXTS) > 256:
            _SCHEMA_TEXTS.clear()
        text = _SCHEMA_TEXTS[key] = json.dumps(schema)
    return text


def _sighting_columns(files: list[ScannedFile], seen_at: float) -> dict[str, list[Any]]:
    """The catalog's sightings of `files`, as one list per column."""
    return {
        "name": [f.name for f in files],
        "fingerprint": [f.fingerprint for f in files],
        "path": [f.path for f in files],
        "format": [f.format for f in files],
        "size": [f.size for f in files],
        "rows": [f.rows for f in files],
        "files": [f.files for f in files],
        "schema_json": [_schema_text(f.schema) for f in files],
        "mtime": [f.mtime for f in files],
        "source": ["scan"] * len(files),
        "seen_at": [seen_at] * len(files),
    }


def scan_paths(
    cat: CatalogLike, paths: list[Path], progress: Progress | None = None
) -> ScanReport:
    """Register every data file under `paths` in the catalog; returns what was found.

    Files the catalog already holds with the same path, size and mtime are not read, and
    only their last-seen time is written; everything is written in one transaction.
    """
    started = time.perf_counter()
    record_sources(cat.path, scanned=[str(Path(p).absolute()) for p in paths if Path(p).exists()])
    now = time.time()
    tops = [Path(p).absolute() for p in paths]
    found = list(find_data_files(tops))
    known = _known(cat, tops)
    cache = FingerprintCache()
    report = ScanReport()
    changed: list[ScannedFile] = []  # to record
    same: list[ScannedFile] = []  # known as they are: only their last-seen time moves on
    for index, candidate in enumerate(found):
        row = known.get(candidate)
        if row is not None and candidate.name in row["names"]:
            same.append(_from_catalog(candidate, row))
            report.files.append(same[-1])
        else:
            # known content under a new name: not read, but recorded for that name
            result = _from_catalog(candidate, row) if row else _examine(candidate, cache)
            if isinstance(result, str):
                report.errors.append((candidate.path, result))
            else:
                report.files.append(result)
                changed.append(result)
        if progress is not None and (index % 200 == 199 or index + 1 == len(found)):
            progress(index + 1, len(found))
    cache.save()
    unchanged = ([f.fingerprint for f in same], [f.path for f in same], now)
    with cat.connect() as con:
        report.new_versions = store.record_scan(
            con, _sighting_columns(changed, now), report.errors, unchanged
        )
    report.seconds = time.perf_counter() - started
    return report
