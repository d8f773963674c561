"""Real MLflow stores for the interop tests, built once per session with MLflow's client."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _mlflow_fixture import build


@pytest.fixture(autouse=True)
def _own_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow's client may create an `mlflow.db` in the working folder: keep it in tmp. Every
    test may open MLflow's file store (deprecated upstream: it refuses without this)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


@pytest.fixture(scope="session")
def mlflow_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """{"file": {...}, "sqlite": {...}}: the store's path, URI and the ids it logged."""
    pytest.importorskip("mlflow")
    base = tmp_path_factory.mktemp("mlflow-stores")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(base)  # MLflow may leave files in the working folder
        mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        file_uri = (base / "mlruns").as_uri()
        sqlite_uri = f"sqlite:///{base / 'mlflow.db'}"
        stores = {
            "file": {"path": base / "mlruns", "uri": file_uri, **build(file_uri)},
            "sqlite": {
                "path": base / "mlflow.db",
                "uri": sqlite_uri,
                **build(sqlite_uri, base / "artifacts"),
            },
        }
    return stores


@pytest.fixture(params=["file", "sqlite"])
def store(request: pytest.FixtureRequest, mlflow_stores: dict[str, dict]) -> dict:
    return mlflow_stores[request.param]


def _copy(store: dict, tmp_path: Path) -> dict:
    copy = dict(store)
    if store["path"].is_dir():
        copy["path"] = tmp_path / "mlruns"
        shutil.copytree(store["path"], copy["path"])
        copy["uri"] = copy["path"].as_uri()
    else:
        copy["path"] = tmp_path / "mlflow.db"
        shutil.copy(store["path"], copy["path"])
        copy["uri"] = f"sqlite:///{copy['path']}"
    return copy


@pytest.fixture
def store_copy(store: dict, tmp_path: Path) -> dict:
    """A private copy of the store (file store: its folder; SQLite: the db file)."""
    return _copy(store, tmp_path)


@pytest.fixture
def file_copy(mlflow_stores: dict[str, dict], tmp_path: Path) -> dict:
    return _copy(mlflow_stores["file"], tmp_path)


@pytest.fixture
def sqlite_copy(mlflow_stores: dict[str, dict], tmp_path: Path) -> dict:
    return _copy(mlflow_stores["sqlite"], tmp_path)
