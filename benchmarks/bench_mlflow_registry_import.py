"""Benchmark importing an MLflow model registry: time per model version at a small and a large
registry, which is ~1 when the import is linear in the number of versions.

    python benchmarks/bench_mlflow_registry_import.py [--sizes 200,2000] [--dir /tmp/wb-bench-reg]
Needs the `bench` extra (MLflow creates the database's schema; the versions are rows written
directly, as `bench_mlflow_import.py` writes runs). Each registry has models of 100 versions,
an alias and a tag each; the versions' runs are not in the store (they are the registry only).
Timed: reading the registry from the `mlflow.db` and writing its events to the registry log,
then the catalog's registry tables brought up to the log; then a re-import, which must write
nothing. "cpu" is the process CPU time: a cross-check on a shared, loaded machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

T0 = 1_700_000_000_000
PER_MODEL = 100


def write_registry(db: Path, versions: int) -> None:
    """An mlflow.db whose registry holds `versions` versions (models of PER_MODEL each)."""
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=f"sqlite:///{db}").search_experiments()  # creates the schema
    con = sqlite3.connect(db)
    with con:
        for m in range(-(-versions // PER_MODEL)):
            name = f"model-{m}"
            count = min(PER_MODEL, versions - m * PER_MODEL)
            con.execute(
                "INSERT INTO registered_models (name, creation_time, last_updated_time,"
                " description) VALUES (?, ?, ?, ?)",
                [name, T0, T0, f"model {m}"],
            )
            con.executemany(
                "INSERT INTO model_versions (name, version, creation_time, last_updated_time,"
                " description, user_id, current_stage, source, run_id, status,"
                " storage_location) VALUES (?, ?, ?, ?, '', 'bench', 'None', ?, ?, 'READY', ?)",
                [(name, v, T0 + v, T0 + v, f"models:/m-{m}-{v}", f"{m:08x}{v:024x}",
                  f"file:///store/models/m-{m}-{v}/artifacts") for v in range(1, count + 1)],
            )  # fmt: skip
            con.execute(
                "INSERT INTO registered_model_aliases (alias, version, name) VALUES (?, ?, ?)",
                ["champion", count, name],
            )
            con.execute(
                "INSERT INTO registered_model_tags (key, value, name) VALUES (?, ?, ?)",
                ["team", "bench", name],
            )
    con.close()


def import_registry_of(db: Path, work: Path) -> tuple[float, float, object]:
    """(seconds, cpu seconds, RegistryImport) of importing the registry of `db` into `work`."""
    from workbench.catalog.connection import Catalog
    from workbench.interop.mlflow_registry import import_registry
    from workbench.interop.mlflow_store import open_store

    cat = Catalog(work / "catalog.duckdb")
    with cat.connect():
        pass  # a new catalog is created and migrated here, outside the timing
    t0, c0 = time.perf_counter(), time.process_time()
    store = open_store(str(db))
    try:
        models = store.registered_models()
    finally:
        store.close()
    result = import_registry(cat, models, {}, str(db))
    return time.perf_counter() - t0, time.process_time() - c0, result


def measure(base: Path, versions: int) -> tuple[float, float]:
    """(wall, cpu) seconds of the first import of a registry of `versions` versions."""
    from workbench.registry.sync import event_log, verify

    db = base / f"mlflow-{versions}.db"
    if not db.exists():
        write_registry(db, versions)
    work = base / f"work-{versions}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    seconds, cpu, first = import_registry_of(db, work)
    assert first.versions_added == versions, first
    again_s, again_cpu, again = import_registry_of(db, work)
    assert (again.versions_added, again.aliases_moved, again.tags_set) == (0, 0, 0), again
    from workbench.catalog.connection import Catalog

    cat = Catalog(work / "catalog.duckdb")
    checked = verify(cat)
    assert checked.ok and len(event_log(cat).read()) == len(checked.events), checked.summary()
    print(f"{versions:6,d} versions: import {seconds:7.2f} s (cpu {cpu:6.2f} s) = "
          f"{1000 * seconds / versions:6.2f} ms/version (cpu {1000 * cpu / versions:6.2f}); "
          f"re-import {again_s:5.2f} s (cpu {again_cpu:5.2f} s), nothing written; "
          f"log verified: {len(checked.events):,} events")  # fmt: skip
    return seconds, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000", help="registry sizes, comma-separated")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    base = args.dir or Path(tempfile.gettempdir()) / "wb-bench-mlflow-registry"
    base.mkdir(parents=True, exist_ok=True)
    os.chdir(base)  # MLflow's client may create files in the working folder
    os.environ.pop("WORKBENCH_REGISTRY", None)
    results = {n: measure(base, n) for n in sizes}
    small, large = sizes[0], sizes[-1]
    (s_wall, s_cpu), (l_wall, l_cpu) = results[small], results[large]
    wall_ratio = (l_wall / large) / (s_wall / small)
    cpu_ratio = (l_cpu / large) / (s_cpu / small)
    print(f"time per version at {large:,} / at {small:,}: wall {wall_ratio:.2f}x, "
          f"cpu {cpu_ratio:.2f}x (~1 or below: linear; {large / small:.0f}x: quadratic)")  # fmt: skip
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if cpu_ratio < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
