"""Where an MLflow run's artifacts are on this machine, for stores moved or copied from another.

A store records absolute paths (`file:///home/ana/mlruns/1/<run>/artifacts`); after a copy
to another machine they point nowhere. A path that does not exist is looked for again under
the folder given, by its tail from the experiment id on.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse


def local_path(uri: str | None) -> str | None:
    """The local path a `file:` URI or a plain path names; None for remote schemes."""
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    if parsed.scheme and len(parsed.scheme) > 1:  # s3:, mlflow-artifacts:, ... (not C:)
        return None
    return uri


def resolve_artifact_dir(
    uri: str | None, bases: list[Path], experiment_id: str, run_id: str
) -> str | None:
    """The existing folder of a run's artifacts: the recorded path if it exists (relative ones
    against each base), else the same tail (`<experiment>/<run>/artifacts...`) under a base."""
    path = local_path(uri)
    if path is None:
        return None
    if os.path.isabs(path) and os.path.isdir(path):
        return path  # where it was recorded (the common case: nothing moved)
    candidates: list[Path] = []
    if not os.path.isabs(path):
        candidates.extend(base / path for base in bases)
    parts = Path(path).parts
    for i in range(len(parts) - 1):
        if parts[i] == experiment_id and parts[i + 1] == run_id:
            tail = Path(*parts[i:])
            candidates.extend(base / tail for base in bases)
            break
    for candidate in candidates:
        if candidate.is_dir():
            return str(candidate.resolve())
    return None
