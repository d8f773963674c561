"""`log_predictions`: record a production batch as a dataset linked to the exact model version.

Standard library only on import: a polars / pyarrow / pandas frame is written as Parquet by
`formats.frames` (the writer `log_dataset` uses too), with the frame's own library, imported
inside the call. `NAME@ALIAS` is resolved to a version number now, from the registry's event
log (read as a file; the catalog is never opened).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.errors import NotFoundError, RunFormatError
from workbench.formats import frames, registry_log
from workbench.tracking.run import Run, start_run

PRODUCTION_ROLE = "production"
DATASETS_DIR = "datasets"


def resolve_model(ref: str, registry: str | os.PathLike[str] | None = None) -> tuple[str, int]:
    """(name, version) of 'NAME@VERSION' or 'NAME@ALIAS' (the alias read from the log)."""
    name, sep, part = str(ref).partition("@")
    name, part = name.strip(), part.strip()
    if not sep or not name or not part:
        raise RunFormatError(f"model {ref!r} must be written NAME@VERSION or NAME@ALIAS")
    if part.isdigit():
        return name, int(part)
    folder = Path(registry) if registry is not None else registry_log.default_registry_dir()
    events = registry_log.read_events(folder / registry_log.EVENTS_FILE)
    version = registry_log.alias_holder(events, name, part)
    if version is None:
        raise NotFoundError(
            f"no version of model {name!r} holds the alias {part!r} in the registry at {folder}"
        )
    return name, version


def log_predictions(
    model: str,
    data: Any,
    *,
    name: str | None = None,
    root: str | os.PathLike[str] | None = None,
    project: str | None = None,
    run: Run | None = None,
    prediction_columns: list[str] | None = None,
    registry: str | os.PathLike[str] | None = None,
    metadata: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """Record a production batch (features, and predictions if `data` holds them) as a dataset
    with role "production", linked to the model version `model` resolves to.

    `data` is a file or folder path, or a polars / pyarrow / pandas frame (written as Parquet
    into the run folder). Without `run`, a short run of project `project` (default
    "production") holds the batch. Returns the dataset record.
    """
    model_name, version = resolve_model(model, registry)
    link: dict[str, object] = {"model": model_name, "model_version": version, "model_ref": model}
    if prediction_columns is not None:
        link["prediction_columns"] = [str(c) for c in prediction_columns]
    if metadata:
        link.update({str(k): v for k, v in metadata.items() if k not in link})
    owned = run is None
    target_run = run if run is not None else start_run(
        project=project or PRODUCTION_ROLE, name=name or f"{model_name}-v{version}-batch",
        root=root, capture_requirements=False,
    )  # fmt: skip
    try:
        source: Any = data
        if not isinstance(data, (str, os.PathLike)):
            source = frames.write_frame(data, target_run.path / DATASETS_DIR, name or "predictions")
        record = target_run.log_dataset(
            source, name=name or "predictions", role=PRODUCTION_ROLE, metadata=link
        )
    except BaseException:
        if owned:
            target_run.finish("failed")
        raise
    if owned:
        target_run.finish("finished")
    return record
