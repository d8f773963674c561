"""What a drift check reads for each side: a file path, a dataset version from the catalog
(`NAME@VERSION`, `NAME@latest`, `NAME`), or a registered model's data: `MODEL@ALIAS:train`
(the data the version was trained on) and `MODEL@ALIAS:production` (the latest production
batch that version made); `MODEL@VERSION:...` too, and `MODEL:production` for the model's
latest batch whichever version made it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.catalog import datasets_store, registry_store
from workbench.catalog.contract import CatalogLike
from workbench.errors import DataFileError, NotFoundError

#: What `MODEL@ALIAS:PART` may ask for.
MODEL_PARTS = ("train", "production")
#: File name endings that make a reference read as a path, never as a dataset name.
_FILE_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv", ".arrow", ".feather", ".ipc", ".jsonl",
                  ".ndjson", ".json")  # fmt: skip
_HOW = "write a file path, NAME@VERSION, or MODEL@ALIAS:train / MODEL@ALIAS:production"


@dataclass(frozen=True)
class ResolvedData:
    """One side of a drift check: what to read (a path or a frame), how the report names it,
    and the content fingerprint the catalog knows for it (None for a plain path or a frame)."""

    data: Any
    label: str | None = None
    fingerprint: str | None = None


def resolve(cat: CatalogLike, spec: Any, registry: Any = None) -> ResolvedData:
    """Resolve a reference (see the module's docstring) or pass a frame through.

    Every reference that names nothing raises NotFoundError with one sentence: an unknown
    dataset or version, an unknown model or alias, a model with no production batch, ...
    """
    if not isinstance(spec, (str, os.PathLike)):
        return ResolvedData(spec)
    text = os.fspath(spec).strip()
    path = Path(text).expanduser()
    if text and path.exists():
        return ResolvedData(path.absolute(), str(path.absolute()))
    if isinstance(spec, os.PathLike) or _looks_like_path(text):
        raise NotFoundError(f"no dataset file at {text}")
    head, sep, part = text.rpartition(":")
    if sep and head:
        if part.strip() not in MODEL_PARTS:
            raise NotFoundError(f"{text!r} asks a model for {part!r}: {_HOW}")
        return model_data(cat, head.strip(), part.strip(), registry)
    return dataset_data(cat, text)


def _looks_like_path(text: str) -> bool:
    return (not text or "/" in text or os.sep in text or text.startswith(("~", "."))
            or text.lower().endswith(_FILE_SUFFIXES))  # fmt: skip


def dataset_data(cat: CatalogLike, ref: str) -> ResolvedData:
    """A dataset version (`NAME@VERSION`, `NAME@latest`, `NAME`): a file of it that is still there."""
    from workbench.datasets.versions import get_version

    try:
        version = get_version(cat, ref)
    except NotFoundError as error:
        if "@" not in ref:
            raise NotFoundError(f"{ref!r} is neither a file nor a dataset in the catalog: {_HOW}") from error
        raise
    return ResolvedData(version.readable_path(), version.ref, version.fingerprint)


def _catalogued(con: Any, name: str, sha256: str, recorded: str | None,
                base: str | None, what: str) -> ResolvedData:  # fmt: skip
    """The file of dataset `name` with content `sha256`, on an open catalog connection: a
    catalogued location that is still there, else the path a run recorded (relative to the
    run folder `base`)."""
    from workbench.datasets.refs import DatasetRef
    from workbench.datasets.versions import version_in

    rows = datasets_store.versions(con, name)
    number = next((int(r["version"]) for r in rows if r["fingerprint"] == sha256), None)
    label = f"{name}@{number}" if number is not None else name
    if number is not None:
        found = version_in(con, DatasetRef(name, number))
        if any(loc.exists for loc in found.locations):
            return ResolvedData(found.readable_path(), f"{label} ({what})", sha256)
    if recorded:
        path = Path(recorded)
        if not path.is_absolute() and base:
            path = Path(base) / recorded
        if path.is_file():
            return ResolvedData(path.absolute(), f"{label} ({what})", sha256)
    raise DataFileError(f"no file of {label} ({what}) is left to read: it was at {recorded}")


def training_data(cat: CatalogLike, version: Any) -> ResolvedData:
    """The data a registered version (a `registry.ModelVersion`) was trained on: the dataset
    its run logged with role 'train'. NotFoundError when there is none, or several."""
    train = {d["sha256"]: d for d in version.datasets if d.get("role") == "train" and d.get("sha256")}
    who = f"{version.name}@{version.version}"
    if not train:
        raise NotFoundError(f"{who} has no training data: its run logged no dataset with role 'train'")
    if len(train) > 1:
        names = ", ".join(sorted(str(d.get("name")) for d in train.values()))
        raise NotFoundError(
            f"{who} was trained on {len(train)} datasets ({names}); compare one by NAME@VERSION"
        )
    (sha256, used), = train.items()
    with cat.connect(read_only=True) as con:
        return _catalogued(con, str(used.get("name")), sha256, used.get("path"),
                           version.run_path, f"{who}:train")  # fmt: skip


def production_batch(cat: CatalogLike, name: str, version: int | None = None) -> ResolvedData:
    """The latest production batch (`log_predictions`) of model `name`, or of one of its
    versions. NotFoundError when it has made none."""
    who = name if version is None else f"{name}@{version}"
    with cat.connect(read_only=True) as con:
        batches = [b for b in registry_store.production_batches(con, name, version) if b.get("sha256")]
        if not batches:
            raise NotFoundError(f"{who} has no production batch yet: wb.log_predictions records one")
        batch = batches[0]
        return _catalogued(con, str(batch["dataset"]), str(batch["sha256"]), batch.get("path"),
                           batch.get("run_path"), f"{who}:production")  # fmt: skip


def model_data(cat: CatalogLike, model: str, part: str, registry: Any = None) -> ResolvedData:
    """`MODEL[@VERSION|@ALIAS]:train` or `:production` (see the module's docstring)."""
    from workbench import registry as models

    name, at, which = model.partition("@")
    name = name.strip()
    if part == "production" and not at:
        models.list_versions(cat, name, registry)  # one sentence for an unknown model
        return production_batch(cat, name)
    version = models.get_version(cat, model if which.strip() else name, registry)
    if part == "train":
        return training_data(cat, version)
    return production_batch(cat, name, version.version)
