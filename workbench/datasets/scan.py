"""`datasets scan`: register every data file under folders, so unused data is catalogued too.

Each file (csv, tsv, parquet, arrow/feather, jsonl; a folder of Parquet parts as one) is
fingerprinted (cached by path, size and mtime) and described from its metadata; the names,
versions and locations go into the catalog in one transaction. A file that cannot be read is
reported in one sentence and the rest is still catalogued.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workbench.catalog import datasets_store as store
from workbench.catalog.contract import CatalogLike
from workbench.catalog.sources import record_sources
from workbench.errors import DataFileError, NotFoundError
from workbench.formats import datafiles
from workbench.formats.fingerprint import FingerprintCache, fingerprint

#: progress(done, total): called every few files while a scan runs.
Progress = Callable[[int, int], None]
_COUNTED = ("csv", "tsv", "jsonl")


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

    def sighting(self, seen_at: float) -> dict[str, object]:
        """This file as a row of the catalog's sightings table."""
        return {
            "name": self.name, "fingerprint": self.fingerprint, "path": self.path,
            "format": self.format, "size": self.size, "rows": self.rows, "files": self.files,
            "schema_json": json.dumps(self.schema) if self.schema else None,
            "mtime": self.mtime, "source": "scan", "seen_at": seen_at,
        }  # fmt: skip


@dataclass
class ScanReport:
    """What a scan found: the files registered, how many versions were new, what failed."""

    files: list[ScannedFile] = field(default_factory=list)
    new_versions: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def find_data_files(paths: list[Path]) -> Iterator[tuple[str, Path, str]]:
    """(dataset name, path, format) of each data file or Parquet folder under `paths`.

    A file given directly is named by its stem; one found under a folder by its path
    relative to that folder without the suffix (`raw/train` for raw/train.csv).
    """
    for top in paths:
        if not top.exists():
            raise NotFoundError(f"cannot scan {str(top)!r}: no such file or folder")
        if top.is_file() or datafiles.is_parquet_folder(top):
            yield top.stem or top.name, top, datafiles.format_of(top) or ""
            continue
        for folder, dirs, names in os.walk(top):
            here = Path(folder)
            keep = []
            for d in sorted(dirs):
                if d.startswith("."):
                    continue
                sub = here / d
                if datafiles.is_parquet_folder(sub):
                    yield _name(top, sub), sub, "parquet"
                else:
                    keep.append(d)
            dirs[:] = keep
            for file_name in sorted(names):
                if file_name.startswith("."):
                    continue
                fmt = datafiles.FORMATS_BY_SUFFIX.get(os.path.splitext(file_name)[1].lower())
                if fmt in datafiles.TABULAR_FORMATS:
                    yield _name(top, here / file_name), here / file_name, fmt


def _name(top: Path, path: Path) -> str:
    relative = path.relative_to(top)
    return relative.with_suffix("").as_posix() if relative.suffix else relative.as_posix()


def _examine(name: str, path: Path, fmt: str, cache: FingerprintCache) -> ScannedFile | str:
    """The file registered, or one sentence saying why it cannot be."""
    if fmt not in datafiles.TABULAR_FORMATS:
        return f"{path} is not a data file the catalog reads (csv, tsv, parquet, arrow, jsonl)"
    try:
        found = fingerprint(path, cache, count_lines=fmt in _COUNTED)
        description = datafiles.describe(path, fmt, found.lines)
    except DataFileError as exc:
        return str(exc)
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror or exc}"
    return ScannedFile(
        name,
        str(path),
        found.sha256,
        fmt,
        found.size,
        description.rows,
        found.files if found.mtime is None else None,
        description.schema,
        found.mtime,
    )


def scan_paths(
    cat: CatalogLike, paths: list[Path], progress: Progress | None = None
) -> ScanReport:
    """Register every data file under `paths` in the catalog; returns what was found."""
    import pyarrow as pa

    started = time.perf_counter()
    report = ScanReport()
    record_sources(cat.path, scanned=[str(Path(p).absolute()) for p in paths if Path(p).exists()])
    found = list(find_data_files([Path(p).absolute() for p in paths]))
    cache = FingerprintCache()
    rows: list[dict[str, object]] = []
    now = time.time()
    for index, (name, path, fmt) in enumerate(found):
        result = _examine(name, path, fmt, cache)
        if isinstance(result, str):
            report.errors.append((str(path), result))
        else:
            report.files.append(result)
            rows.append(result.sighting(now))
        if progress is not None and (index % 200 == 199 or index + 1 == len(found)):
            progress(index + 1, len(found))
    cache.save()
    table = pa.Table.from_pylist(rows, schema=store.sightings_schema())
    with cat.connect() as con:
        report.new_versions = store.record_scan(con, table, report.errors)
    report.seconds = time.perf_counter() - started
    return report
