"""Shared pytest fixtures: keep every test away from the user's real runs folder and catalog."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point WORKBENCH_RUNS and WORKBENCH_DB at temporary paths for every test."""
    home = tmp_path_factory.mktemp("wb-env")
    monkeypatch.setenv("WORKBENCH_RUNS", str(home / "runs"))
    monkeypatch.setenv("WORKBENCH_DB", str(home / "catalog.duckdb"))


@pytest.fixture
def runs_root(tmp_path: Path) -> Path:
    """An empty folder to write run folders into."""
    root = tmp_path / "runs"
    root.mkdir()
    return root


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio, Textual's loop. Older anyio releases would also try trio."""
    return "asyncio"
