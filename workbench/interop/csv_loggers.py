"""`workbench import csv`: Lightning CSVLogger folders, Keras CSVLogger files and generic
metric CSVs brought in as run folders under the catalog's import root, then ingested.

Writing run folders (instead of rows) keeps the design's promise that the catalog can be
rebuilt from folders, and makes importing again idempotent: the same source is the same run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.errors import NotFoundError, RunFormatError
from workbench.formats import spec
from workbench.formats.csv_logs import LIGHTNING_METRICS, find_lightning_folders
from workbench.ingest import IngestReport, ingest_paths
from workbench.ingest.csv_mirror import Mirrored, import_root_for, mirror


@dataclass
class ImportedRun:
    """One run written from a CSV log."""

    run_id: str
    kind: str  # lightning, keras, csv
    project: str
    name: str
    source: str
    params: int
    points: int
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CsvImport:
    """What `import_csv` did: the runs, the cells it skipped, and the ingest pass."""

    runs: list[ImportedRun] = field(default_factory=list)
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)
    import_root: str = ""
    ingest: IngestReport | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": [r.to_dict() for r in self.runs],
            "problems": [{"path": p, "line": n, "message": m} for p, n, m in self.problems],
            "import_root": self.import_root,
            "ingest": self.ingest.to_dict() if self.ingest else None,
        }


def _sources(path: Path) -> list[tuple[str, Path]]:
    """(kind, path) of every log PATH names: a CSV file, a Lightning version folder, or a
    folder of Lightning logs (any depth)."""
    if path.is_file():
        if path.name == LIGHTNING_METRICS and path.parent.joinpath("hparams.yaml").is_file():
            return [("lightning", path.parent)]
        return [("file", path)]
    if not path.is_dir():
        raise NotFoundError(f"no such file or folder: {path}")
    found = find_lightning_folders(path)
    if not found:
        raise NotFoundError(
            f"no Lightning CSVLogger folder (a version_N folder with {LIGHTNING_METRICS}) under {path}"
        )
    return [("lightning", folder) for folder in found]


def import_csv(
    cat: CatalogLike, path: str | os.PathLike[str], project: str | None = None
) -> CsvImport:
    """Import the CSV logs at `path` into the catalog as run folders, then ingest them.

    A file or folder that is not a CSV log raises one RunFormatError (or NotFoundError);
    inside a log, cells that do not parse are skipped and listed in `problems`.
    """
    root = import_root_for(cat.path)
    result = CsvImport(import_root=str(root))
    sources = _sources(Path(path).expanduser())
    for kind, source in sources:
        try:
            done = mirror(kind, source, root, project)
        except RunFormatError as exc:
            if len(sources) == 1:
                raise
            result.problems.append((str(source), None, str(exc)))  # the other logs still count
            continue
        result.runs.append(_imported(done))
        if done.log is not None:
            result.problems.extend(done.log.problems)
    result.ingest = ingest_paths(cat, [root])
    return result


def _imported(done: Mirrored) -> ImportedRun:
    run = json.loads((done.folder / spec.RUN_FILE).read_text(encoding="utf-8"))
    tags = json.loads((done.folder / spec.TAGS_FILE).read_text(encoding="utf-8"))
    params = json.loads((done.folder / spec.PARAMS_FILE).read_text(encoding="utf-8"))
    points = (done.folder / spec.METRICS_FILE).read_bytes().count(b"\n")
    return ImportedRun(
        run_id=done.run_id, kind=tags.get("imported.from", ""), project=run["project"],
        name=run["name"], source=tags.get("imported.source", ""), params=len(params),
        points=points, changed=done.changed,
    )
