"""Test helper for the registry: real run folders with logged models, ingested into a catalog."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner, Result

import workbench as wb
from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.ingest import ingest_paths

#: Every registry table, with the columns that order its rows.
REGISTRY_TABLES = {
    "registered_model": "name",
    "model_version": "name, version",
    "model_version_dataset": "name, version, dataset, path",
    "model_alias": "name, alias",
    "gate": "name, alias, expr",
    "registry_event": "seq",
}


@dataclass
class Env:
    """A catalog, its runs root, the registry folder and the ids of the runs written."""

    tmp: Path
    cat: Catalog
    root: Path
    registry: Path
    run_ids: list[str] = field(default_factory=list)

    @property
    def log_path(self) -> Path:
        return self.registry / "events.jsonl"

    def cli(self, *args: str) -> Result:
        """Run `workbench --db CAT models ARGS` in-process."""
        return CliRunner().invoke(
            cli, ["--db", str(self.cat.path), "models", *args], catch_exceptions=False
        )

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]

    def add_run(self, auc: float, *, notes: str | None = None, model: Path | None = None,
                name: str = "clf", project: str = "churn", dataset: Path | None = None,
                ingest: bool = True) -> str:
        if model is None:
            model = self.tmp / "model.bin"
            model.write_bytes(b"weights " + str(auc).encode())
        with wb.start_run(project=project, root=self.root, capture_requirements=False,
                          notes=notes) as run:  # fmt: skip
            run.log_metrics({"auc": auc, "loss": 1 - auc})
            run.log_params({"data": "v3"})
            if dataset is not None:
                run.log_dataset(dataset, name="train-set", role="train")
            run.log_model(model, name, flavor="sklearn", metadata={"class": "LogisticRegression"})
        if ingest:
            ingest_paths(self.cat, [self.root])
        self.run_ids.append(run.id)
        return run.id


def make_env(tmp_path: Path, aucs: tuple[float, ...] = (0.80, 0.90, 0.85)) -> Env:
    """A catalog with one run per auc (each logged a model), the registry beside the catalog."""
    env = Env(tmp_path, Catalog(tmp_path / "catalog.duckdb"), tmp_path / "runs",
              tmp_path / "registry")  # fmt: skip
    for auc in aucs:
        env.add_run(auc, ingest=False)
    if aucs:
        ingest_paths(env.cat, [env.root])
    return env


def registry_dump(cat: Catalog) -> dict[str, list[tuple]]:
    """Every row of every registry table, in a fixed order."""
    with cat.connect(read_only=True) as con:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in REGISTRY_TABLES.items()
        }
