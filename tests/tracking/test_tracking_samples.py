"""The sample projects and the bash writer produce run folders that follow docs/run-format.md."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.formats import spec

REPO = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SAMPLES = REPO / "sample_projects"


def check_run_folder(folder: Path) -> dict:
    """Validate one run folder against the format v1 rules; return its run.json."""
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    for field in ("format_version", "id", "project", "name", "status", "started_at"):
        assert field in info, field
    assert info["format_version"] == 1 and spec.RUN_ID_PATTERN.match(info["id"])
    assert info["status"] in spec.STATUSES and info["started_at"].endswith("Z")
    for name in (spec.PARAMS_FILE, spec.TAGS_FILE):
        if (folder / name).exists():
            obj = json.loads((folder / name).read_text(encoding="utf-8"))
            assert isinstance(obj, dict)
            for value in obj.values():
                assert value is None or isinstance(value, (str, int, float, bool))
    if (folder / spec.TAGS_FILE).exists():
        tags = json.loads((folder / spec.TAGS_FILE).read_text())
        assert all(isinstance(v, str) for v in tags.values())
    metrics = folder / spec.METRICS_FILE
    if metrics.exists():
        for line in metrics.read_text(encoding="utf-8").splitlines():
            point = json.loads(line)
            assert set(point) == {"key", "value", "step", "timestamp"}
            assert isinstance(point["key"], str) and 0 < len(point["key"]) <= spec.MAX_KEY_LENGTH
            value = point["value"]
            assert value in spec.NON_FINITE_STRINGS or (
                isinstance(value, (int, float)) and not isinstance(value, bool)
            )
            assert isinstance(point["step"], int) and point["step"] >= 0
            assert isinstance(point["timestamp"], (int, float)) and math.isfinite(
                point["timestamp"]
            )
    for name in (spec.DATASETS_FILE, spec.MODELS_FILE):
        if (folder / name).exists():
            for line in (folder / name).read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                assert {"name", "path"} <= set(record)
                if name == spec.MODELS_FILE:
                    assert (folder / record["path"]).resolve().is_relative_to(folder.resolve())
                    assert (folder / record["path"]).is_file()
    return info


def run_sample(root: Path, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, WORKBENCH_RUNS=str(root))
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.slow
def test_sample_scripts_write_valid_runs(runs_root: Path) -> None:
    out = run_sample(
        runs_root,
        str(SAMPLES / "classifier_sweep.py"),
        "--epochs",
        "3",
        "--lr",
        "0.01",
        "0.1",
        "--dataset",
        "wine",
    )
    assert out.returncode == 0, out.stderr
    out = run_sample(
        runs_root, str(SAMPLES / "classifier_sweep.py"), "--epochs", "5", "--fail-at-epoch", "2"
    )
    assert out.returncode != 0 and "simulated failure" in out.stderr
    out = run_sample(
        runs_root, str(SAMPLES / "diabetes_regression.py"), "--alphas", "0.1", "1", "--folds", "3"
    )
    assert out.returncode == 0, out.stderr
    out = run_sample(runs_root, str(SAMPLES / "model_and_dataset.py"), "--drift", "0.5")
    assert out.returncode == 0, out.stderr

    infos = {}
    for run_json in runs_root.rglob("run.json"):
        info = check_run_folder(run_json.parent)
        infos.setdefault(info["project"], []).append(info)
    assert sorted(i["status"] for i in infos["classifier-sweep"]) == [
        "failed",
        "finished",
        "finished",
    ]
    assert len(infos["diabetes"]) == 1 and len(infos["breast-cancer"]) == 1
    (model_run,) = (runs_root / "breast-cancer").iterdir()
    roles = [json.loads(x)["role"] for x in (model_run / "datasets.jsonl").read_text().splitlines()]
    assert roles == ["train", "test", "predict"]
    assert (model_run / "artifacts" / "predictions.csv").exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_shell_writer_follows_the_format(runs_root: Path) -> None:
    out = subprocess.run(
        ["bash", str(SAMPLES / "shell_run.sh"), str(runs_root), 'odd "name"\\', "12"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    folder = Path(out.stdout.strip())
    info = check_run_folder(folder)
    assert info["status"] == "finished" and info["name"] == 'odd "name"\\'
    assert info["ended_at"].endswith("Z")
    points = [json.loads(x) for x in (folder / "metrics.jsonl").read_text().splitlines()]
    assert [p["step"] for p in points] == list(range(12))
    assert points[0]["value"] == 0.9
    assert json.loads((folder / "params.json").read_text())["steps"] == 12


def test_sweep_plan_lists_runnable_commands() -> None:
    spec_ = importlib.util.spec_from_file_location("sample_sweep", SAMPLES / "sweep.py")
    assert spec_ is not None and spec_.loader is not None
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    plan = module.sweep_plan()
    assert 10 <= len(plan) <= 50
    assert all(isinstance(arg, str) for argv in plan for arg in argv)
    assert all(Path(argv[0]).is_file() and argv[0].endswith(".py") for argv in plan)
    assert sum("--fail-at-epoch" in argv for argv in plan) == 1

    def runs_of(argv: list[str]) -> int:
        if "--lr" not in argv:
            return 1
        values = argv[argv.index("--lr") + 1 :]
        return next((i for i, v in enumerate(values) if v.startswith("--")), len(values))

    assert 20 <= sum(runs_of(argv) for argv in plan) <= 50
