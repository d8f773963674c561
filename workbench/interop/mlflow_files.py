"""Reading MLflow's file store (an `mlruns/` folder) into records, without MLflow.

Layout: `<exp id>/meta.yaml` (+ `tags/`), `<exp id>/<run id>/meta.yaml` with `params/`,
`tags/`, `metrics/` (one file per key, lines `timestamp value step`) and `artifacts/`;
deleted experiments under `.trash/`; the registry under `models/<name>/`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import InteropError
from workbench.interop.mlflow_meta import number, parse_meta, text
from workbench.interop.mlflow_paths import resolve_artifact_dir
from workbench.interop.mlflow_records import (
    BATCH_RUNS,
    STATUS_BY_NUMBER,
    Experiment,
    ModelVersion,
    Problem,
    RegisteredModel,
    Run,
    attach_points,
)

if TYPE_CHECKING:
    import polars as pl

_NOT_EXPERIMENTS = {"models", ".trash", "tags"}
_NOT_RUNS = {"tags", "models", "datasets", "traces", "logged_models"}


def _read_text(path: str | Path) -> str:
    with open(path, "rb") as fh:  # bytes then decode: no text wrapper for tiny files
        return fh.read().decode("utf-8", "replace")


def _key_files(folder: str | Path, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(key, file path) for each file under `folder`; keys with '/' are nested folders."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _key_files(entry.path, f"{prefix}{entry.name}/")
        elif entry.is_file():
            yield prefix + entry.name, entry.path


def _values(folder: str | Path) -> dict[str, str]:
    return {key: _read_text(path) for key, path in _key_files(folder)}


@dataclass
class _RawMetrics:
    """One run's metric files before parsing: clean files as bytes, others already parsed."""

    keys: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    slow: list[pl.DataFrame] = field(default_factory=list)


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
                _values(folder / "tags"),
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
        batch: list[tuple[Run, _RawMetrics]] = []
        for exp, run_dir in self._run_dirs:
            try:
                read = self._read_run(exp, run_dir)
            except (OSError, ValueError) as exc:
                self.problems.append(Problem(str(run_dir), f"could not be read: {exc}"))
                continue
            if read is not None:
                batch.append(read)
            if len(batch) >= BATCH_RUNS:
                yield from self._with_points(batch)
                batch = []
        yield from self._with_points(batch)

    def _with_points(self, batch: list[tuple[Run, _RawMetrics]]) -> list[Run]:
        """The batch's runs with their points: every clean metric file in one columnar parse."""
        import polars as pl

        if not batch:
            return []
        keys: list[str] = []
        runs_of: list[int] = []
        counts: list[int] = []
        chunks: list[bytes] = []
        frames: list[pl.DataFrame] = []
        for i, (_, raw) in enumerate(batch):
            keys += raw.keys
            counts += raw.counts
            chunks += raw.chunks
            runs_of += [i] * len(raw.keys)
            frames += [f.with_columns(run=pl.lit(i, pl.Int32)) for f in raw.slow]
        if chunks:
            frames.append(self._parse_clean(keys, counts, chunks, runs_of))
        runs = [run for run, _ in batch]
        if not frames:
            attach_points(runs, None, [0] * len(runs))
            return runs
        frame = pl.concat(frames, how="diagonal").select("run", *POINT_COLUMNS)
        frame = frame.sort("run", maintain_order=True)
        per_run = dict(frame.group_by("run").len().iter_rows())
        attach_points(runs, frame, [per_run.get(i, 0) for i in range(len(runs))])
        return runs

    def _parse_clean(
        self, keys: list[str], counts: list[int], chunks: list[bytes], runs_of: list[int]
    ) -> pl.DataFrame:
        import polars as pl

        try:
            frame = pl.read_csv(
                b"".join(chunks), separator=" ", has_header=False,
                new_columns=["ts", "value", "step"], truncate_ragged_lines=True,
                schema_overrides={"ts": pl.Int64, "value": pl.Float64, "step": pl.Int64},
            )  # fmt: skip
            if frame.height != sum(counts):
                raise ValueError("a line was lost")
        except (pl.exceptions.PolarsError, ValueError):
            parts = [
                self._read_metric_lines(k, k, c).with_columns(run=pl.lit(r, pl.Int32))
                for k, c, r in zip(keys, chunks, runs_of, strict=True)
            ]
            return pl.concat(parts)
        repeat = pl.Series(counts, dtype=pl.UInt32)
        return frame.with_columns(
            pl.Series("key", keys).repeat_by(repeat).explode(),
            pl.Series("run", runs_of, dtype=pl.Int32).repeat_by(repeat).explode(),
            pl.col("step").fill_null(0),
        )

    def _read_run(self, exp: Experiment, run_dir: Path) -> tuple[Run, _RawMetrics] | None:
        meta = parse_meta(_read_text(os.path.join(run_dir, "meta.yaml")))
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
        base = str(run_dir)
        tags = _values(os.path.join(base, "tags"))
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
            params=_values(os.path.join(base, "params")),
            tags=tags,
        )
        if exp.lifecycle_stage == "deleted":
            run.lifecycle_stage = "deleted"
        run.artifact_dir = resolve_artifact_dir(
            run.artifact_uri, [self.path, self.path.parent], exp.experiment_id, run_id
        )
        return run, self._read_metrics(os.path.join(base, "metrics"))

    def _read_metrics(self, folder: str) -> _RawMetrics:
        """The run's metric files as bytes; a file with a bad line is parsed line by line
        (the bad lines reported), the clean ones later, a batch of runs at a time."""
        raw = _RawMetrics()
        for key, path in _key_files(folder):
            with open(path, "rb") as fh:
                data = fh.read()
            if not data:
                continue
            if not data.endswith(b"\n"):
                data += b"\n"
            if _CLEAN_METRIC_FILE.fullmatch(data):
                raw.keys.append(key)
                raw.counts.append(data.count(b"\n"))
                raw.chunks.append(data)
            else:
                raw.slow.append(self._read_metric_lines(key, path, data))
        return raw

    def _read_metric_lines(self, key: str, path: str, data: bytes) -> pl.DataFrame:
        import polars as pl

        rows = []
        for number_, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            point = _metric_point(line)
            if point is not None:
                rows.append(point)
            elif line.strip():
                self.problems.append(
                    Problem(f"{path}:{number_}", f"is not a metric line: {line.strip()[:80]!r}")
                )
        frame = pl.DataFrame(
            rows, schema={"ts": pl.Int64, "value": pl.Float64, "step": pl.Int64}, orient="row"
        )
        return frame.with_columns(pl.lit(key).alias("key"))

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
            tags=_values(folder / "tags"),
        )
        for key, path in _key_files(folder / "aliases"):
            held = _read_text(path).strip()
            if held.isdigit():
                model.aliases[key] = int(held)
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
                    tags=_values(vdir / "tags"),
                )
            )
        model.versions.sort(key=lambda v: v.version)
        return model


#: A metric file every line of which is `timestamp value [step]` (the columnar fast path).
_CLEAN_METRIC_FILE = re.compile(
    rb"(?:-?[0-9]+ (?:[-+0-9.eE]+|-?nan|-?inf|NaN|-?Infinity)(?: -?[0-9]+)?\n)+"
)
POINT_COLUMNS = ["key", "value", "ts", "step"]


def _metric_point(line: str) -> tuple[int, float, int] | None:
    """`timestamp value [step]` -> (timestamp, value, step); None for a line that does not parse."""
    parts = line.split()
    if len(parts) not in (2, 3):
        return None
    try:
        timestamp = int(parts[0])
        value = float(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 0
    except ValueError:
        return None
    return (timestamp, value, step)
