"""`workbench export catalog DIR` and `workbench import catalog DIR`: every table of the catalog
as Parquet, plus a manifest (schema version, tables, row counts, hashes) and the registry's
event log, restored into a fresh catalog file on another machine.

A restore builds the new file beside the target and renames it into place, so a failed
restore leaves nothing half-written. An export from an older schema is migrated on restore;
one from a newer schema is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.catalog import export_store, schema
from workbench.catalog.connection import Catalog
from workbench.catalog.contract import CatalogLike
from workbench.errors import CatalogNotEmptyError, ExportError
from workbench.formats import registry_log
from workbench.interop.export import write_batches

MANIFEST = "manifest.json"
FORMAT = "workbench-catalog-export"
FORMAT_VERSION = 1
TABLES_DIR = "tables"
REGISTRY_DIR = "registry"


@dataclass
class CatalogDump:
    """What an export wrote, or a restore read: the folder, schema version, tables and rows."""

    folder: Path
    catalog: Path
    schema_version: int
    tables: dict[str, int] = field(default_factory=dict)  # name -> rows
    registry_events: int = 0
    registry_log: Path | None = None
    migrated_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder), "catalog": str(self.catalog),
            "schema_version": self.schema_version, "tables": self.tables,
            "registry_events": self.registry_events,
            "registry_log": str(self.registry_log) if self.registry_log else None,
            "migrated_from": self.migrated_from,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def export_catalog(cat: CatalogLike, folder: str | os.PathLike[str]) -> CatalogDump:
    """Write every table as Parquet, the registry log and a manifest into `folder` (new or
    empty). The tables are read in one unit of work, so they agree with each other."""
    out = Path(folder).expanduser().absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} is not an empty folder; export the catalog into a new one")
    if not cat.exists():
        raise ExportError(f"there is no catalog at {cat.path} to export")
    (out / TABLES_DIR).mkdir(parents=True, exist_ok=True)
    tables: list[dict[str, Any]] = []
    dump = CatalogDump(out, Path(cat.path), 0)
    with cat.connect(read_only=True) as con:
        dump.schema_version = schema.read_version(con)
        sequences = export_store.sequence_values(con)
        for name in export_store.table_names(con):
            file = out / TABLES_DIR / f"{name}.parquet"
            rows = write_batches(export_store.table_rows(con, name), file, "parquet")
            dump.tables[name] = rows
            tables.append({"name": name, "file": f"{TABLES_DIR}/{name}.parquet", "rows": rows,
                           "sha256": _sha256(file)})
    log = registry_log.default_registry_dir(Path(cat.path)) / registry_log.EVENTS_FILE
    registry: dict[str, Any] | None = None
    if log.is_file():
        copy = out / REGISTRY_DIR / registry_log.EVENTS_FILE
        copy.parent.mkdir()
        shutil.copyfile(log, copy)
        dump.registry_events = len(registry_log.read_lines(copy))
        dump.registry_log = copy
        registry = {"file": f"{REGISTRY_DIR}/{registry_log.EVENTS_FILE}",
                    "events": dump.registry_events, "sha256": _sha256(copy)}
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "schema_version": dump.schema_version, "exported_at": _utc_now(),
        "workbench_version": __version__, "catalog": str(cat.path),
        "tables": tables, "sequences": sequences, "registry_log": registry,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return dump


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of an export folder, checked: its format, schema version and files."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{folder} is not a catalog export: it has no {MANIFEST}") from None
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot read {path}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportError(f"{path} is not the manifest of a workbench catalog export")
    version = manifest.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ExportError(f"{path} has no valid schema version")
    if version > schema.SCHEMA_VERSION:
        raise ExportError(
            f"the export at {folder} has schema version {version}, newer than this workbench "
            f"understands ({schema.SCHEMA_VERSION}); restore it with a newer workbench"
        )
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise ExportError(f"the export at {folder} uses a newer export format; use a newer workbench")
    for entry in manifest.get("tables") or []:
        file = folder / str(entry.get("file", ""))
        if not file.is_file():
            raise ExportError(f"the export at {folder} is incomplete: {entry.get('file')} is missing")
        if entry.get("sha256") and _sha256(file) != entry["sha256"]:
            raise ExportError(f"{file} does not match the hash in the manifest: the export is damaged")
    return manifest


def _batches(file: Path):
    def read():
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(file)
        if parquet.metadata.num_row_groups == 0:  # an empty table (pyarrow 18 fails to iterate it)
            return
        yield from parquet.iter_batches(batch_size=export_store.BATCH_ROWS)

    return read


def _set_aside(path: Path, stamp: str) -> None:
    """Rename a file (and a DuckDB .wal beside it) to `<name>.bak-<stamp>`."""
    for item in (path, Path(str(path) + ".wal")):
        if item.exists():
            os.replace(item, item.with_name(f"{item.name}.bak-{stamp}"))


def import_catalog(cat: CatalogLike, folder: str | os.PathLike[str],
                   replace: bool = False) -> CatalogDump:
    """Restore an export into the catalog file of `cat` and its registry log beside it.

    The catalog must not exist or hold nothing yet; with `replace`, an existing catalog (and
    registry log) is renamed to `*.bak-<time>` first, never deleted.
    """
    src = Path(folder).expanduser().absolute()
    if not src.is_dir():
        raise ExportError(f"no such folder: {src}")
    manifest = read_manifest(src)
    version = int(manifest["schema_version"])
    target = Path(cat.path)
    log_entry = manifest.get("registry_log")
    log_target = registry_log.default_registry_dir(target) / registry_log.EVENTS_FILE
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    _check_target(cat, log_target, src, log_entry, replace)
    tables = {str(e["name"]): _batches(src / str(e["file"])) for e in manifest.get("tables") or []}
    tmp = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        export_store.restore_file(tmp, version, tables, dict(manifest.get("sequences") or {}))
    except ValueError as exc:
        raise ExportError(
            f"the export at {src} holds the table {exc}, which schema version {version} does "
            "not have: the export is damaged") from None
    _set_aside(target, stamp)
    os.replace(tmp, target)
    dump = CatalogDump(src, target, schema.SCHEMA_VERSION,
                       {str(e["name"]): int(e.get("rows", 0)) for e in manifest.get("tables") or []},
                       migrated_from=version if version < schema.SCHEMA_VERSION else None)
    if log_entry:
        if log_target.exists() and replace:
            _set_aside(log_target, stamp)
        log_target.parent.mkdir(parents=True, exist_ok=True)
        if not log_target.exists():
            shutil.copyfile(src / str(log_entry["file"]), log_target)
        dump.registry_log = log_target
        dump.registry_events = int(log_entry.get("events", 0))
    # A fresh handle: `cat` checked the schema of the file that was there before.
    with Catalog(target).connect() as con:  # migrates an older export (backed up first)
        export_store.set_registry_source(con, str(log_target))
    return dump


def _check_target(cat: CatalogLike, log_target: Path, src: Path,
                  log_entry: dict[str, Any] | None, replace: bool) -> None:
    """Refuse to restore over a catalog or registry log that holds something (unless `replace`)."""
    if replace:
        return
    if cat.exists():
        with cat.connect(read_only=True) as con:
            rows = export_store.content_rows(con)
        if rows:
            raise CatalogNotEmptyError(
                f"the catalog at {cat.path} already holds data; restore into a new catalog file")
    if log_entry and log_target.exists() and log_target.stat().st_size > 0:
        same = _sha256(log_target) == _sha256(src / str(log_entry["file"]))
        if not same:
            raise CatalogNotEmptyError(
                f"the registry log at {log_target} already holds other events; restore beside a"
                " new catalog file")
