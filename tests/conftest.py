"""Shared pytest fixtures: keep every test away from the user's real runs folder and catalog,
and off the network (tests/_offline: loopback only, in this process and every one it starts)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

_OFFLINE = Path(__file__).resolve().parent / "_offline"
sys.path.insert(0, str(_OFFLINE))
import wb_offline  # noqa: E402

# Processes the tests start inherit the guard: their `sitecustomize` is the one in _offline.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(_OFFLINE), os.environ.get("PYTHONPATH", "")) if p
)
# Every stored run document read anywhere in the suite is checked against the tables it was
# made from (workbench/catalog/run_details.py), in this process and every one it starts.
os.environ["WORKBENCH_CHECK_RUN_DETAIL"] = "1"
# One log per pytest process (each xdist worker has its own), inherited by what it starts.
_fd, _log = tempfile.mkstemp(prefix="wb-network-", suffix=".log")
os.close(_fd)
os.environ[wb_offline.LOG_ENV] = _log
wb_offline.install()


def network_attempts() -> list[str]:
    """Every blocked network attempt logged so far (by this process or one it started)."""
    try:
        return Path(os.environ[wb_offline.LOG_ENV]).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


@pytest.fixture(autouse=True)
def _offline() -> object:
    """Fail the test if it (or a process it started) tried to reach a non-loopback host,
    even when the code under test swallowed the error."""
    before = len(network_attempts())
    yield
    tried = network_attempts()[before:]
    if tried:
        pytest.fail("the test tried to reach the network: " + "; ".join(tried[:3]))


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point WORKBENCH_RUNS, WORKBENCH_DB and WORKBENCH_CACHE_DIR at temporary paths."""
    home = tmp_path_factory.mktemp("wb-env")
    monkeypatch.setenv("WORKBENCH_RUNS", str(home / "runs"))
    monkeypatch.setenv("WORKBENCH_DB", str(home / "catalog.duckdb"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(home / "cache"))


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
