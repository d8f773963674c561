"""What a catalog was built from, kept in a small JSON file beside it: `<catalog>.sources.json`.

The root folders ingested and the data folders scanned, so a catalog that can no longer be
read can still be rebuilt (`workbench rebuild`). Written atomically; never fails the work
that records it (a catalog is still usable without its sidecar).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

FORMAT_VERSION = 1
SUFFIX = ".sources.json"


@dataclass
class Sources:
    """Root folders of runs, and folders scanned for data files (absolute paths, sorted)."""

    roots: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)


def sources_path(catalog: str | os.PathLike[str]) -> Path:
    """The sidecar of the catalog at `catalog`."""
    path = Path(catalog)
    return path.with_name(path.name + SUFFIX)


def read_sources(catalog: str | os.PathLike[str]) -> Sources:
    """The recorded sources ({} when the sidecar is missing or unreadable)."""
    try:
        data = json.loads(sources_path(catalog).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Sources()
    if not isinstance(data, dict):
        return Sources()
    return Sources(_paths(data.get("roots")), _paths(data.get("scanned")))


def _paths(value: object) -> list[str]:
    return sorted({str(v) for v in value if isinstance(v, str)}) if isinstance(value, list) else []


def record_sources(
    catalog: str | os.PathLike[str],
    roots: Iterable[str] = (),
    scanned: Iterable[str] = (),
) -> None:
    """Add `roots` and `scanned` folders to the sidecar (a write that fails is skipped)."""
    roots, scanned = list(roots), list(scanned)
    if not roots and not scanned:
        return
    current = read_sources(catalog)
    merged = Sources(
        sorted(set(current.roots) | set(roots)), sorted(set(current.scanned) | set(scanned))
    )
    if merged == current:
        return
    write_sources(catalog, merged)


def write_sources(catalog: str | os.PathLike[str], sources: Sources) -> None:
    """Replace the sidecar with `sources` (atomically; an OS error leaves the old one)."""
    target = sources_path(catalog)
    payload = {"format_version": FORMAT_VERSION, "roots": sources.roots, "scanned": sources.scanned}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, target)
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
