"""Registering a logged model as a new version, and reading models and versions back.

Registering copies nothing and loads nothing: it hashes the model's files in the run folder
(checking them against the hashes logged with the model) and records a snapshot of the run
(params, metrics, datasets, libraries) in the `register` event.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog import queries
from workbench.catalog import registry_store as store
from workbench.catalog.contract import CatalogLike
from workbench.errors import NotFoundError, RegistryError
from workbench.formats import safe_files, spec
from workbench.registry.state import ModelVersion, replay
from workbench.registry.sync import RegistryDir, event_log, sync, sync_after_write
from workbench.tracking import files as tracking_files

_NAME_RE = re.compile(r"^[^@\s]([^@]{0,198}[^@\s])?$")
#: Libraries worth naming in a manifest, by model flavor (besides numpy and scipy).
_FLAVOR_LIBRARIES = {
    "sklearn": ("scikit-learn", "joblib"),
    "xgboost": ("xgboost",),
    "lightgbm": ("lightgbm",),
    "catboost": ("catboost",),
    "torch": ("torch",),
    "pytorch": ("torch",),
    "onnx": ("onnx", "onnxruntime"),
    "tensorflow": ("tensorflow", "keras"),
    "keras": ("keras", "tensorflow"),
    "transformers": ("transformers", "torch", "tokenizers"),
}


@dataclass
class ModelSummary:
    """One registered model: how many versions, the latest, and who holds which alias."""

    name: str
    versions: int
    latest_version: int
    aliases: dict[str, int] = field(default_factory=dict)
    created_at: Any = None


def check_name(name: str, what: str = "model name") -> str:
    """A model or alias name: printable, at most 200 characters, no '@', no spaces at the ends."""
    if (
        not isinstance(name, str)
        or not _NAME_RE.match(name)
        or not name.isprintable()
        or (what == "alias" and name == "*")
    ):
        raise RegistryError(
            f"{name!r} is not a valid {what}: use printable text without '@' or spaces at the ends"
        )
    return name.strip()


def parse_ref(ref: str) -> tuple[str, str | None]:
    """'NAME', 'NAME@3', 'NAME@latest' or 'NAME@ALIAS' as (name, part after '@' or None)."""
    name, sep, rest = str(ref).partition("@")
    if not name.strip():
        raise RegistryError(f"{ref!r} names no model: write NAME, NAME@VERSION or NAME@ALIAS")
    return name.strip(), (rest.strip() or None) if sep else None


# -- reading ------------------------------------------------------------------------------


def list_models(cat: CatalogLike, registry: RegistryDir = None) -> list[ModelSummary]:
    """Every registered model with its latest version and aliases, by name."""
    sync(cat, registry)
    with cat.connect(read_only=True) as con:
        rows = store.list_models(con)
    return [
        ModelSummary(r["name"], int(r["versions"]), int(r["latest_version"]), r["aliases"],
                     r["created_at"])
        for r in rows
    ]  # fmt: skip


def list_versions(cat: CatalogLike, name: str, registry: RegistryDir = None) -> list[ModelVersion]:
    """Every version of one model, newest first (NotFoundError for an unknown model)."""
    sync(cat, registry)
    with cat.connect(read_only=True) as con:
        records = store.version_records(con, name)
        aliases = store.model_aliases(con, name)
    if not records:
        raise NotFoundError(f"no model named {name!r} is registered")
    versions = [_from_record(r, aliases) for r in records]
    return sorted(versions, key=lambda v: v.version, reverse=True)


def get_version(cat: CatalogLike, ref: str, registry: RegistryDir = None) -> ModelVersion:
    """One version: `NAME` (the latest), `NAME@3`, `NAME@latest` or `NAME@ALIAS`."""
    name, part = parse_ref(ref)
    versions = list_versions(cat, name, registry)
    if part is None or part == "latest":
        return versions[0]
    if part.isdigit():
        for version in versions:
            if version.version == int(part):
                return version
        raise NotFoundError(f"{name} has no version {part} (latest is {versions[0].version})")
    for version in versions:
        if part in version.aliases:
            return version
    raise NotFoundError(f"no version of {name} holds the alias {part!r}")


def _from_record(record: dict[str, Any], aliases: dict[str, int]) -> ModelVersion:
    version = ModelVersion(**record)
    version.aliases = sorted(a for a, v in aliases.items() if v == version.version)
    return version


# -- registering --------------------------------------------------------------------------


def register(
    cat: CatalogLike,
    run: str,
    name: str,
    *,
    model: str | None = None,
    reason: str | None = None,
    registry: RegistryDir = None,
) -> ModelVersion:
    """Make the next version of `name` from a model `run` logged (`model`: its logged name,
    needed when the run logged several)."""
    name = check_name(name)
    detail = queries.get_run(cat, run)
    data = snapshot(detail, model)
    with event_log(cat, registry).locked() as log:
        state = replay(log.events)
        existing = state.model(name)
        number = (existing.latest or 0) + 1 if existing else 1
        event = log.append("register", name, reason, to_version=number, data=data)
    sync_after_write(cat, registry)
    result = replay([event]).models[name].versions[number]
    return result


def _pick_model(detail: queries.RunDetail, model: str | None) -> queries.ModelUse:
    logged = detail.models
    if not logged:
        raise NotFoundError(f"run {detail.id} ({detail.project}/{detail.name}) logged no model")
    if model is not None:
        matches = [m for m in logged if m.name == model]
        if not matches:
            shown = ", ".join(sorted({str(m.name) for m in logged}))
            raise NotFoundError(f"run {detail.id} logged no model named {model!r} (it logged: {shown})")
        return matches[-1]
    names = sorted({str(m.name) for m in logged})
    if len(names) > 1:
        raise RegistryError(
            f"run {detail.id} logged several models ({', '.join(names)}); name the one to register"
        )
    return logged[-1]


def snapshot(detail: queries.RunDetail, model: str | None) -> dict[str, Any]:
    """What a `register` event records: the model's files and hashes, and the run's facts."""
    logged = _pick_model(detail, model)
    run_dir = Path(detail.path)
    if detail.missing or not run_dir.is_dir():
        raise NotFoundError(f"the folder of run {detail.id} is missing: {run_dir}")
    listing = model_files(run_dir, str(logged.path), logged.sha256)
    record: dict[str, Any] = _clean(
        {
            "run_id": detail.id,
            "project": detail.project,
            "run_name": detail.name,
            "run_path": str(run_dir),
            "logged_name": logged.name,
            "path": logged.path,
            "flavor": logged.flavor,
            "sha256": logged.sha256,
            "size": logged.size,
            "files": listing,
            "metadata": logged.metadata if isinstance(logged.metadata, dict) else {},
            "params": detail.params,
            "metrics": {m.key: m.last for m in detail.metrics},
            "datasets": [_dataset(d) for d in detail.datasets],
            "libraries": libraries(run_dir, logged.flavor, detail.environment.python),
            "notes": detail.notes,
        }
    )
    return record


def model_files(run_dir: Path, relative: str, logged_sha: Any) -> list[dict[str, Any]]:
    """(path in the run folder, sha256, size) of each file of a logged model, checked against
    the hash logged with it; the model is read as bytes, never loaded."""
    root = run_dir.resolve()
    target = (run_dir / relative).resolve()
    if root not in target.parents:
        raise RegistryError(f"the model path {relative!r} leads outside its run folder")
    if not target.exists():
        raise NotFoundError(f"the model file {target} is missing")
    if not target.is_dir() and not target.is_file():
        raise RegistryError(
            f"the model file {target} is {safe_files.describe_mode(target.stat().st_mode)},"
            " not a regular file"
        )
    if target.is_dir():
        digest, _ = tracking_files.tree_digest(target)
        paths = sorted(p for p in target.rglob("*") if p.is_file())
    else:
        digest, _, _ = tracking_files.file_digest(target)
        paths = [target]
    if isinstance(logged_sha, str) and logged_sha != digest:
        raise RegistryError(
            f"the model at {target} no longer matches the SHA-256 logged with it (changed since)"
        )
    listing = []
    for path in paths:
        sha, size, _ = tracking_files.file_digest(path)
        listing.append({"path": path.relative_to(root).as_posix(), "sha256": sha, "size": size})
    return listing


def libraries(run_dir: Path, flavor: Any, python: str | None) -> list[str]:
    """`python==X` and the `name==version` lines of requirements.txt that matter to the flavor."""
    wanted = {"numpy", "scipy", *_FLAVOR_LIBRARIES.get(str(flavor or "").lower(), ())}
    found = [f"python=={python}"] if python else []
    try:  # a regular file only: a FIFO there would block, a link to /dev/zero never end
        raw = safe_files.read_capped(run_dir / spec.REQUIREMENTS_FILE, spec.MAX_RUN_FILE_BYTES)
    except (OSError, safe_files.UnreadableFileError, safe_files.NotRegularFileError,
            safe_files.FileTooLargeError):  # fmt: skip
        return found
    text = raw.decode("utf-8", errors="replace")
    for line in text.splitlines():
        package = re.split(r"[=<>~! ]", line.strip(), maxsplit=1)[0].lower()
        if package in wanted:
            found.append(line.strip())
    return found


def _dataset(use: queries.DatasetUse) -> dict[str, Any]:
    keep = ("name", "path", "role", "sha256", "size", "rows", "format")
    return {k: getattr(use, k) for k in keep}


def _clean(value: Any) -> Any:
    """JSON-safe: non-finite floats become None, tuples lists, other objects their text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return json.loads(json.dumps(value, default=str))
