"""Hand-off: copy one version's files out with a manifest, checking every hash before and after.

A source file whose bytes no longer match the hash recorded at registration is refused
(nothing is copied); copies are hashed again after writing. Nothing is ever loaded, and a
FIFO, a device or a link to one in place of a model file is refused without being opened.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.errors import NotFoundError, RegistryError
from workbench.formats.safe_files import NotRegularFileError, describe_mode, open_binary
from workbench.registry.history import history
from workbench.registry.log import utc_now, who
from workbench.registry.state import ModelVersion
from workbench.registry.sync import RegistryDir
from workbench.registry.versions import get_version
from workbench.tracking.files import file_digest

MANIFEST_FILE = "manifest.json"


@dataclass
class ExportResult:
    """Where a version went: the folder, its manifest, and the files copied (with hashes)."""

    version: ModelVersion
    dest: Path
    manifest: Path
    files: list[dict[str, Any]] = field(default_factory=list)


def _sources(version: ModelVersion) -> list[tuple[Path, str, dict[str, Any]]]:
    """(source file, path inside the export, file record) for every file, hashes checked."""
    run_dir = Path(version.run_path).resolve()
    prefix = Path(version.path).parent.as_posix()
    out = []
    for item in version.files:
        rel = str(item.get("path", ""))
        source = (run_dir / rel).resolve()
        if run_dir not in source.parents:
            raise RegistryError(f"the file {rel!r} of {version.label} leads outside its run folder")
        if not source.exists():
            raise NotFoundError(f"the file {source} of {version.label} is missing; nothing exported")
        if not source.is_file():
            raise RegistryError(
                f"the file {source} of {version.label} is {describe_mode(source.stat().st_mode)},"
                " not a regular file; nothing exported"
            )
        sha, _, _ = _digest(source, version.label)
        if sha != item.get("sha256"):
            raise RegistryError(
                f"the file {source} of {version.label} does not match the SHA-256 recorded when it "
                "was registered (changed or tampered); nothing was exported"
            )
        inside = Path(rel).relative_to(prefix).as_posix() if rel.startswith(prefix + "/") else rel
        out.append((source, inside, item))
    return out


def _digest(source: Path, label: str) -> tuple[str, int, int]:
    """file_digest of a model file, a special file put there since it was checked refused."""
    try:
        return file_digest(source)
    except NotRegularFileError:
        raise RegistryError(
            f"the file {source} of {label} is not a regular file; nothing exported"
        ) from None


def _copy(source: Path, out: Path, label: str) -> None:
    """Copy a regular file's bytes (never a FIFO's or a device's) to `out`."""
    try:
        handle = open_binary(source)
    except NotRegularFileError:
        raise RegistryError(f"the file {source} of {label} is not a regular file; export failed") from None
    with handle, open(out, "wb") as copy:
        shutil.copyfileobj(handle, copy, 1 << 20)


def export_version(
    cat: CatalogLike, ref: str, dest: str | os.PathLike[str], registry: RegistryDir = None
) -> ExportResult:
    """Copy the files of `ref` (NAME@VERSION or NAME@ALIAS) into `dest` with manifest.json."""
    version = get_version(cat, ref, registry)
    target = Path(dest).expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise RegistryError(f"the export folder {target} is not empty; choose a new folder")
    sources = _sources(version)
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for source, inside, item in sources:
        out = target / inside
        out.parent.mkdir(parents=True, exist_ok=True)
        _copy(source, out, version.label)
        sha, size, _ = file_digest(out)
        if sha != item.get("sha256"):
            raise RegistryError(f"the copy {out} does not match its source's SHA-256; export failed")
        copied.append({"path": inside, "sha256": sha, "size": size})
    events = [e for e in history(cat, version.name, registry) if version.version in
              (e.to_version, e.from_version) or e.kind.startswith("gate")]  # fmt: skip
    manifest = {
        "model": version.name,
        "version": version.version,
        "aliases": version.aliases,
        "flavor": version.flavor,
        "sha256": version.sha256,
        "metadata": version.metadata,
        "files": copied,
        "libraries": version.libraries,
        "run": {"id": version.run_id, "project": version.project, "name": version.run_name,
                "path": version.run_path},
        "lineage": {"datasets": version.datasets},
        "params": version.params,
        "metrics": version.metrics,
        "history": [{"seq": e.seq, "at": e.at, "who": e.who, "what": e.summary,
                     "reason": e.reason, "hash": e.hash} for e in reversed(events)],
        "exported_at": utc_now(),
        "exported_by": who(),
    }  # fmt: skip
    path = target / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n")
    return ExportResult(version, target, path, copied)
