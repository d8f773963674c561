"""The dataset catalog's read services: list datasets, one version in full, a version's file."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.catalog import datasets_store as store
from workbench.catalog.contract import CatalogLike
from workbench.datasets.refs import DatasetRef, parse_ref
from workbench.errors import DataFileError, NotFoundError

if TYPE_CHECKING:
    import polars as pl

#: Columns of the frame `list_datasets` returns, in order.
DATASET_LIST_COLUMNS = ("name", "versions", "latest", "format", "size", "rows", "runs")


@dataclass(frozen=True)
class Column:
    """One column of a schema: its name and type (None when the format does not say)."""

    name: str
    type: str | None


@dataclass(frozen=True)
class Location:
    """Where a version's content was seen, and whether a file is still there."""

    path: str
    source: str
    seen_at: datetime | None
    exists: bool


@dataclass(frozen=True)
class Usage:
    """A run that logged a dataset version, and in which role."""

    run_id: str
    project: str
    run_name: str
    role: str
    logged_at: float | None


@dataclass
class DatasetVersion:
    """One version of a dataset: its content (fingerprint, size, rows, schema), where it
    lives and which runs used it."""

    name: str
    version: int
    latest: int
    fingerprint: str
    format: str | None
    size: int | None
    rows: int | None
    files: int | None
    first_seen_at: datetime | None
    run_count: int
    schema: list[Column] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    runs: list[Usage] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """`name@version`."""
        return f"{self.name}@{self.version}"

    def readable_path(self) -> Path:
        """A location of this content that still exists; DataFileError if none does."""
        for location in self.locations:
            if location.exists:
                return Path(location.path)
        where = ", ".join(loc.path for loc in self.locations[:3]) or "no known place"
        raise DataFileError(f"no file of {self.ref} is left to read (it was at {where})")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO UTC times)."""
        out = asdict(self)
        out["first_seen_at"] = _iso(self.first_seen_at)
        for location in out["locations"]:
            location["seen_at"] = _iso(location["seen_at"])
        return out


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def list_datasets(cat: CatalogLike) -> pl.DataFrame:
    """Every dataset: name, number of versions, latest version's format/size/rows, runs using it."""
    with cat.connect(read_only=True) as con:
        return store.list_datasets(con).select(DATASET_LIST_COLUMNS)


def _version_of(row: dict[str, Any], latest: int) -> DatasetVersion:
    schema = json.loads(row["schema_json"]) if row["schema_json"] else []
    return DatasetVersion(
        name=row["name"],
        version=int(row["version"]),
        latest=latest,
        fingerprint=row["fingerprint"],
        format=row["format"],
        size=row["size"],
        rows=row["rows"],
        files=row["files"],
        first_seen_at=row["first_seen_at"],
        run_count=int(row["runs"] or 0),
        schema=[Column(str(c.get("name")), c.get("type")) for c in schema if isinstance(c, dict)],
    )


def dataset_versions(cat: CatalogLike, name: str) -> list[DatasetVersion]:
    """The versions of a dataset, oldest first (schema included; locations and runs not)."""
    with cat.connect(read_only=True) as con:
        rows = store.versions(con, name)
        if not rows:
            _raise_unknown(con, name)
    latest = int(rows[-1]["version"])
    return [_version_of(row, latest) for row in rows]


def _raise_unknown(con: Any, name: str) -> None:
    if store.dataset_exists(con, name):
        raise NotFoundError(
            f"dataset {name!r} has no version yet: it was logged without a fingerprint"
        )
    near = store.dataset_names(con, name)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise NotFoundError(f"no dataset is named {name!r}{hint}")


def get_version(cat: CatalogLike, ref: str | DatasetRef) -> DatasetVersion:
    """One version in full (`NAME`, `NAME@3`, `NAME@latest`): content, locations, runs."""
    with cat.connect(read_only=True) as con:
        return version_in(con, ref)


def version_in(con: Any, ref: str | DatasetRef) -> DatasetVersion:
    """`get_version` on an open catalog connection (for services doing more in one open)."""
    ref = parse_ref(ref) if isinstance(ref, str) else ref
    rows = store.versions(con, ref.name)
    if not rows:
        _raise_unknown(con, ref.name)
    latest = int(rows[-1]["version"])
    wanted = latest if ref.version is None else ref.version
    match = [row for row in rows if int(row["version"]) == wanted]
    if not match:
        raise NotFoundError(f"dataset {ref.name!r} has versions 1 to {latest}, not {wanted}")
    version = _version_of(match[0], latest)
    places = store.locations(con, version.fingerprint)
    used = store.usage(con, version.name, version.fingerprint)
    version.locations = [
        Location(p["path"], p["source"], p["seen_at"], os.path.exists(p["path"])) for p in places
    ]
    version.runs = [
        Usage(u["run_id"], u["project"], u["run_name"], u["role"], u["logged_at"]) for u in used
    ]
    return version


def scan_errors(cat: CatalogLike) -> list[dict[str, Any]]:
    """Files scans could not read, each with one sentence saying why."""
    with cat.connect(read_only=True) as con:
        return store.scan_errors(con)
