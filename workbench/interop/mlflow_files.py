"""Reading MLflow's file store (an `mlruns/` folder) into records, without MLflow.

Layout: `<exp id>/meta.yaml` (+ `tags/`), `<exp id>/<run id>/meta.yaml` with `params/`,
`tags/`, `metrics/` (one file per key, lines `timestamp value step`) and `artifacts/`;
deleted experiments under `.trash/`; the registry under `models/<name>/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import InteropError
from workbench.interop.mlflow_meta import number, parse_meta, text
from workbench.interop.mlflow_paths import resolve_artifact_dir
from workbench.interop.mlflow_records import (
    STATUS_BY_NUMBER,
    Experiment,
    ModelVersion,
    Point,
    Problem,
    RegisteredModel,
    Run,
)

_NOT_EXPERIMENTS = {"models", ".trash", "tags"}
_NOT_RUNS = {"tags", "models", "datasets", "traces", "logged_models"}


def _read_text(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


def _key_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(key, file) for each file under `folder`; keys with '/' are nested folders."""
    if not folder.is_dir():
        return
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath, name)
            yield path.relative_to(folder).as_posix(), path


class FileStore:
    """An `mlruns/` folder; `problems` collects what could not be read (the rest is read)."""

    kind = "file store"

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.problems: list[Problem] = []
        self._experiments = self._read_experiments()
        if not self._experiments and not (self.path / "models").is_dir():
            raise InteropError(
                f"{path} is not an MLflow store: it holds no experiment folder with a meta.yaml"
            )
        self._run_dirs = [
            (exp, d) for exp, folder in self._experiments for d in self._runs_of(folder)
        ]

    def close(self) -> None:
        pass

    # -- experiments and runs -------------------------------------------------------------

    def _read_experiments(self) -> list[tuple[Experiment, Path]]:
        found = []
        folders = [p for p in self.path.iterdir() if p.is_dir() and p.name not in _NOT_EXPERIMENTS]
        trash = self.path / ".trash"
        if trash.is_dir():
            folders += [p for p in trash.iterdir() if p.is_dir()]
        for folder in sorted(folders):
            meta_path = folder / "meta.yaml"
            if not meta_path.is_file():
                continue
            try:
                meta = parse_meta(_read_text(meta_path))
            except OSError as exc:
                self.problems.append(Problem(str(meta_path), f"could not be read: {exc.strerror}"))
                continue
            exp_id = text(meta, "experiment_id")
            if exp_id is None:
                continue
            exp = Experiment(
                exp_id,
                text(meta, "name") or exp_id,
                text(meta, "artifact_location"),
                text(meta, "lifecycle_stage") or "active",
                number(meta, "creation_time"),
                {k: _read_text(p) for k, p in _key_files(folder / "tags")},
            )
            if folder.parent == trash:
                exp.lifecycle_stage = "deleted"
            found.append((exp, folder))
        return found

    def _runs_of(self, folder: Path) -> list[Path]:
        return sorted(
            p for p in folder.iterdir()
            if p.is_dir() and p.name not in _NOT_RUNS and (p / "meta.yaml").is_file()
        )  # fmt: skip

    @property
    def experiments(self) -> list[Experiment]:
        return [exp for exp, _ in self._experiments]

    @property
    def run_count(self) -> int:
        return len(self._run_dirs)

    def runs(self) -> Iterator[Run]:
        """Every run with its params, tags and metrics; an unreadable run is a problem."""
        for exp, run_dir in self._run_dirs:
            try:
                run = self._read_run(exp, run_dir)
            except (OSError, ValueError) as exc:
                self.problems.append(Problem(str(run_dir), f"could not be read: {exc}"))
                continue
            if run is not None:
                yield run

    def _read_run(self, exp: Experiment, run_dir: Path) -> Run | None:
        meta = parse_meta(_read_text(run_dir / "meta.yaml"))
        run_id = text(meta, "run_id") or text(meta, "run_uuid")
        if run_id is None:
            return None  # a folder that is not a run (a logged model, say)
        status = meta.get("status")
        word = STATUS_BY_NUMBER.get(status) if isinstance(status, int) else status
        if not isinstance(word, str):
            self.problems.append(
                Problem(str(run_dir / "meta.yaml"), f"has a status MLflow does not define: {status!r}")
            )
            word = "FINISHED"
        tags = {k: _read_text(p) for k, p in _key_files(run_dir / "tags")}
        run = Run(
            run_id=run_id,
            experiment_id=text(meta, "experiment_id") or exp.experiment_id,
            name=text(meta, "run_name") or tags.get("mlflow.runName"),
            status=word,
            start_time=number(meta, "start_time"),
            end_time=number(meta, "end_time"),
            user_id=text(meta, "user_id"),
            lifecycle_stage=text(meta, "lifecycle_stage") or "active",
            artifact_uri=text(meta, "artifact_uri"),
            params={k: _read_text(p) for k, p in _key_files(run_dir / "params")},
            tags=tags,
            metrics=self._read_metrics(run_dir / "metrics"),
        )
        if exp.lifecycle_stage == "deleted":
            run.lifecycle_stage = "deleted"
        run.artifact_dir = resolve_artifact_dir(
            run.artifact_uri, [self.path, self.path.parent], exp.experiment_id, run_id
        )
        return run

    def _read_metrics(self, folder: Path) -> list[Point]:
        points: list[Point] = []
        for key, path in _key_files(folder):
            with open(path, encoding="utf-8", errors="replace") as fh:
                for number_, line in enumerate(fh, start=1):
                    point = _metric_point(key, line)
                    if point is None:
                        if line.strip():
                            self.problems.append(
                                Problem(f"{path}:{number_}", f"is not a metric line: {line.strip()[:80]!r}")
                            )
                        continue
                    points.append(point)
        return points

    # -- the model registry ---------------------------------------------------------------

    def registered_models(self) -> list[RegisteredModel]:
        root = self.path / "models"
        if not root.is_dir():
            return []
        models = []
        for folder in sorted(p for p in root.iterdir() if (p / "meta.yaml").is_file()):
            try:
                models.append(self._read_model(folder))
            except (OSError, ValueError) as exc:
                self.problems.append(Problem(str(folder), f"could not be read: {exc}"))
        return models

    def _read_model(self, folder: Path) -> RegisteredModel:
        meta = parse_meta(_read_text(folder / "meta.yaml"))
        model = RegisteredModel(
            name=text(meta, "name") or folder.name,
            description=text(meta, "description"),
            creation_time=number(meta, "creation_timestamp"),
            tags={k: _read_text(p) for k, p in _key_files(folder / "tags")},
        )
        for key, path in _key_files(folder / "aliases"):
            version = _read_text(path).strip()
            if version.isdigit():
                model.aliases[key] = int(version)
        for vdir in sorted(folder.glob("version-*")):
            if not (vdir / "meta.yaml").is_file():
                continue
            vm = parse_meta(_read_text(vdir / "meta.yaml"))
            version = number(vm, "version")
            if version is None or text(vm, "current_stage") == "Deleted_Internal":
                continue
            model.versions.append(
                ModelVersion(
                    name=model.name,
                    version=version,
                    source=text(vm, "source"),
                    run_id=text(vm, "run_id"),
                    status=text(vm, "status"),
                    current_stage=text(vm, "current_stage"),
                    description=text(vm, "description"),
                    user_id=text(vm, "user_id"),
                    creation_time=number(vm, "creation_timestamp"),
                    storage_location=text(vm, "storage_location"),
                    tags={k: _read_text(p) for k, p in _key_files(vdir / "tags")},
                )
            )
        model.versions.sort(key=lambda v: v.version)
        return model


def _metric_point(key: str, line: str) -> Point | None:
    """`timestamp value [step]` -> a point; None for a line that does not parse."""
    parts = line.split()
    if len(parts) not in (2, 3):
        return None
    try:
        timestamp = int(parts[0])
        value = float(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 0
    except ValueError:
        return None
    return (key, value, timestamp, step)
