"""The MLflow import benchmark runs on the tiny workload from an empty folder (its first run
once removed its own working folder, and MLflow's file store then failed to start)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
BENCH = REPO / "benchmarks" / "bench_mlflow_import.py"


def test_first_run_in_a_new_folder_imports_both_stores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mlflow")
    monkeypatch.syspath_prepend(str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_mlflow_import", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    base = tmp_path / "bench"  # does not exist yet
    monkeypatch.setattr(
        sys, "argv", [str(BENCH), "--workload", "tiny", "--dir", str(base), "--limit", "600"]
    )
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "stores written" in out
    for label in ("mlruns/", "mlflow.db"):
        assert f"{label:10s} import" in out
    assert out.count("listing 10 runs") == 2
    assert (base / "done").is_file()
