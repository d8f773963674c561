"""The tracking API writes docs/run-format.md v1 exactly: read the files back and check them."""

from __future__ import annotations

import json
import math
import os
import re
from fractions import Fraction
from pathlib import Path

import pytest

import workbench as wb
from workbench.errors import NotFoundError, RunFormatError, WorkbenchError
from workbench.formats import spec

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def read_lines(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    assert b"\r" not in raw
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def parse_value(value: object) -> float:
    """A metric value as a reader sees it (docs/run-format.md: three strings for non-finite)."""
    if isinstance(value, str):
        return spec.NON_FINITE_STRINGS[value]
    assert isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value)


def test_run_folder_round_trips_every_field(runs_root: Path) -> None:
    with wb.start_run(project="iris", name="lr-0.1", root=runs_root) as run:
        run.log_params({"lr": 0.1, "model": "logreg", "opt": {"momentum": 0.9, "nesterov": True}})
        run.log_params({"layers": [64, 32], "seed": None})
        for step in range(3):
            run.log_metrics({"loss": 1.0 / (step + 1), "acc": step}, step=step)
        run.set_tags({"stage": "baseline"})
        run.set_tag("owner", "ana")
        run.set_notes("# Notes\nfirst try\n")
        (runs_root.parent / "confusion.png").write_bytes(b"\x89PNG fake")
        assert run.log_artifact(runs_root.parent / "confusion.png") == "artifacts/confusion.png"
        assert run.log_text("report/summary.txt", "ok\n") == "artifacts/report/summary.txt"
        run_id = run.id
    folder = runs_root / "iris" / run_id
    assert run.path == folder and re.fullmatch(r"[0-9a-f]{32}", run_id)

    info = read_json(folder / "run.json")
    assert info["format_version"] == 1
    assert info["id"] == run_id and spec.RUN_ID_PATTERN.match(info["id"])
    assert (info["project"], info["name"], info["status"]) == ("iris", "lr-0.1", "finished")
    for field in ("started_at", "ended_at", "heartbeat_at"):
        assert ISO_Z.match(info[field]), field
    assert info["started_at"] <= info["ended_at"]
    assert info["pid"] == os.getpid()
    assert isinstance(info["command"], list) and all(isinstance(a, str) for a in info["command"])
    assert info["cwd"] == os.getcwd()
    assert info["python"].count(".") == 2
    for field in ("host", "user", "platform"):
        assert isinstance(info[field], str)
    git = info["git"]
    assert git is None or (isinstance(git["commit"], str) and isinstance(git["dirty"], bool))

    assert read_json(folder / "params.json") == {
        "lr": 0.1,
        "model": "logreg",
        "opt.momentum": 0.9,
        "opt.nesterov": True,
        "layers": "[64,32]",
        "seed": None,
    }
    assert read_json(folder / "tags.json") == {"stage": "baseline", "owner": "ana"}
    assert (folder / "notes.md").read_text(encoding="utf-8") == "# Notes\nfirst try\n"
    assert (folder / "artifacts" / "confusion.png").read_bytes() == b"\x89PNG fake"
    assert (folder / "artifacts" / "report" / "summary.txt").read_text() == "ok\n"

    points = read_lines(folder / "metrics.jsonl")
    assert [(p["key"], p["value"], p["step"]) for p in points] == [
        ("loss", 1.0, 0),
        ("acc", 0, 0),
        ("loss", 0.5, 1),
        ("acc", 1, 1),
        ("loss", 1.0 / 3, 2),
        ("acc", 2, 2),
    ]
    for point in points:
        assert set(point) == {"key", "value", "step", "timestamp"}
        assert abs(point["timestamp"] - info_epoch(info["started_at"])) < 60

    requirements = (folder / spec.REQUIREMENTS_FILE).read_text().splitlines()
    assert any(line.lower().startswith("pytest==") for line in requirements)
    assert all("==" in line for line in requirements)
    assert not list(folder.glob(".*.tmp")), "no temp files left behind"


def info_epoch(iso: str) -> float:
    from datetime import datetime, timezone

    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def test_non_finite_and_exotic_numbers_round_trip(runs_root: Path) -> None:
    values = [
        float("nan"),
        float("inf"),
        float("-inf"),
        -0.0,
        5e-324,
        1.7976931348623157e308,
        1e16,
        0.1,
        3,
        -7,
        2**60,
        Fraction(1, 4),
    ]
    with wb.start_run(project="p", root=runs_root) as run:
        for step, value in enumerate(values):
            run.log_metrics({"v": value}, step=step)
    points = read_lines(run.path / "metrics.jsonl")
    assert [p["value"] for p in points[:3]] == ["NaN", "Infinity", "-Infinity"]
    got = [parse_value(p["value"]) for p in points]
    for expected, actual in zip(values, got, strict=True):
        if isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(actual)
        else:
            assert actual == float(expected)
    assert math.copysign(1, got[3]) == -1


def test_numpy_scalars_are_accepted_as_metrics_and_params(runs_root: Path) -> None:
    np = pytest.importorskip("numpy")
    with wb.start_run(project="p", root=runs_root) as run:
        run.log_metrics(
            {"a": np.float32(0.5), "b": np.int64(3), "c": np.float64(np.nan)}, step=np.int64(4)
        )
        run.log_params({"n": np.int64(5), "x": np.float64(0.25), "flag": np.bool_(True)})
    points = read_lines(run.path / "metrics.jsonl")
    assert [(p["key"], p["value"], p["step"]) for p in points] == [
        ("a", 0.5, 4),
        ("b", 3.0, 4),
        ("c", "NaN", 4),
    ]
    assert read_json(run.path / "params.json") == {"n": 5, "x": 0.25, "flag": True}


def test_step_auto_increments_and_follows_explicit_steps(runs_root: Path) -> None:
    with wb.start_run(project="p", root=runs_root) as run:
        run.log_metrics({"a": 1})
        run.log_metrics({"a": 2})
        run.log_metrics({"a": 3}, step=10)
        run.log_metric("a", 4)
    steps = [p["step"] for p in read_lines(run.path / "metrics.jsonl")]
    assert steps == [0, 1, 10, 11]


@pytest.mark.parametrize(
    ("metrics", "step", "message"),
    [
        ({"ok": 1.0, "bad": "0.5"}, None, "real number"),
        ({"ok": 1.0, "bad": True}, None, "real number"),
        ({"ok": 1.0, "bad": None}, None, "real number"),
        ({"ok": 1.0, "bad": 1 + 2j}, None, "real number"),
        ({"ok": 1.0, "bad": 10**400}, None, "real number"),
        ({"ok": 1.0, "": 1.0}, None, "empty"),
        ({"ok": 1.0, "k" * 251: 1.0}, None, "limit is 250"),
        ({"ok": 1.0, 3: 1.0}, None, "strings"),
        ({"ok": 1.0, "bad\udc80": 1.0}, None, "UTF-8"),
        ([("ok", 1.0)], None, "must be a dict"),
        ({"ok": 1.0}, -1, "step"),
        ({"ok": 1.0}, 1.5, "step"),
        ({"ok": 1.0}, True, "step"),
        ({"ok": 1.0}, "3", "step"),
    ],
)
def test_bad_metrics_raise_and_write_nothing(
    runs_root: Path, metrics: dict, step: object, message: str
) -> None:
    with wb.start_run(project="p", root=runs_root) as run:
        run.log_metrics({"before": 1.0}, step=0)
        with pytest.raises(RunFormatError, match=message) as caught:
            run.log_metrics(metrics, step=step)  # type: ignore[arg-type]
        assert isinstance(caught.value, ValueError)
        run.log_metrics({"after": 2.0})
    points = read_lines(run.path / "metrics.jsonl")
    assert [(p["key"], p["step"]) for p in points] == [("before", 0), ("after", 1)]
    assert read_json(run.path / "run.json")["status"] == "finished"


def test_key_of_exactly_the_limit_is_accepted(runs_root: Path) -> None:
    key = "k" * spec.MAX_KEY_LENGTH
    with wb.start_run(project="p", root=runs_root) as run:
        run.log_metrics({key: 1.0, 'quote"and\\slash ünï': 2.0})
    keys = [p["key"] for p in read_lines(run.path / "metrics.jsonl")]
    assert keys == [key, 'quote"and\\slash ünï']  # a newline is refused (test_tracking_limits)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"x": object()}, "object value"),
        ({"x": {1, 2}}, "set value"),
        ({"x": [1, object()]}, "object value"),
        ({"": 1}, "empty"),
        ({"k" * 251: 1}, "limit"),
        ({"a": {"": 1}}, "Param"),
        ({1: 1}, "strings"),
    ],
)
def test_bad_params_raise_and_keep_the_file(runs_root: Path, params: dict, message: str) -> None:
    with wb.start_run(project="p", root=runs_root) as run:
        run.log_params({"lr": 0.1})
        with pytest.raises(RunFormatError, match=message):
            run.log_params(params)
    assert read_json(run.path / "params.json") == {"lr": 0.1}


def test_non_finite_params_and_paths_become_strings(runs_root: Path) -> None:
    with wb.start_run(project="p", root=runs_root) as run:
        run.log_params({"a": float("nan"), "b": float("-inf"), "data": Path("/x/y.csv")})
        run.log_param("a", 2)
    assert read_json(run.path / "params.json") == {"a": 2, "b": "-Infinity", "data": "/x/y.csv"}


def test_bad_tags_raise(runs_root: Path) -> None:
    with wb.start_run(project="p", root=runs_root) as run:
        run.set_tags({"a": "1"})
        with pytest.raises(RunFormatError, match="string value"):
            run.set_tags({"b": 2})
        with pytest.raises(RunFormatError, match="empty"):
            run.set_tags({"": "x"})
    assert read_json(run.path / "tags.json") == {"a": "1"}


def test_exception_marks_the_run_failed_and_reraises(runs_root: Path) -> None:
    with pytest.raises(ZeroDivisionError), wb.start_run(project="p", root=runs_root) as run:
        run.log_metrics({"loss": 1.0})
        1 / 0  # noqa: B018
    info = read_json(run.path / "run.json")
    assert info["status"] == "failed" and ISO_Z.match(info["ended_at"])
    assert read_lines(run.path / "metrics.jsonl")[0]["key"] == "loss"
    assert "ZeroDivisionError" in (run.path / "artifacts" / "traceback.txt").read_text()


def test_keyboard_interrupt_marks_the_run_killed(runs_root: Path) -> None:
    with pytest.raises(KeyboardInterrupt), wb.start_run(project="p", root=runs_root) as run:
        raise KeyboardInterrupt
    assert read_json(run.path / "run.json")["status"] == "killed"


def test_finish_without_context_manager_and_logging_after_finish(runs_root: Path) -> None:
    run = wb.start_run(project="p", root=runs_root, params={"a": 1}, tags={"t": "x"}, notes="n")
    run.log_metrics({"m": 1.0})
    assert read_json(run.path / "run.json")["status"] == "running"
    run.finish("killed")
    run.finish("finished")  # second call does nothing
    info = read_json(run.path / "run.json")
    assert info["status"] == "killed"
    assert read_json(run.path / "params.json") == {"a": 1}
    assert read_json(run.path / "tags.json") == {"t": "x"}
    assert (run.path / "notes.md").read_text() == "n"
    assert len(read_lines(run.path / "metrics.jsonl")) == 1
    with pytest.raises(WorkbenchError, match="killed"):
        run.log_metrics({"m": 2.0})
    with pytest.raises(RunFormatError, match="finishes as one of"):
        wb.start_run(project="p", root=runs_root).finish("running")


def test_default_root_is_the_environment_variable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "env-root"))
    with wb.start_run() as run:
        pass
    assert run.path.parent == tmp_path / "env-root" / "default"
    assert read_json(run.path / "run.json")["name"] == run.id
    monkeypatch.delenv("WORKBENCH_RUNS")
    monkeypatch.chdir(tmp_path)
    with wb.start_run(project="x") as run:
        pass
    assert run.path.parent.resolve() == (tmp_path / "workbench-runs" / "x").resolve()


def test_unsafe_project_names_stay_inside_the_root(runs_root: Path) -> None:
    for project in ("../escape", "/abs", "a/b", "..", "[red]x[/]"):
        with wb.start_run(project=project, root=runs_root) as run:
            pass
        assert runs_root.resolve() in run.path.resolve().parents
        assert run.path.parent.parent == runs_root
        assert read_json(run.path / "run.json")["project"] == project


def test_artifact_names_that_escape_are_refused(runs_root: Path, tmp_path: Path) -> None:
    source = tmp_path / "f.txt"
    source.write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    with wb.start_run(project="p", root=runs_root) as run:
        for bad in ("../f.txt", "a/../../f.txt", "/etc/passwd", "", "."):
            with pytest.raises(RunFormatError):
                run.log_artifact(source, bad)
            with pytest.raises(RunFormatError):
                run.log_text(bad, "x")
        (run.artifacts_dir / "link").symlink_to(outside)
        with pytest.raises(RunFormatError, match="symlink"):
            run.log_artifact(source, "link/f.txt")
        with pytest.raises(NotFoundError):
            run.log_artifact(tmp_path / "missing.txt")
    assert list(outside.iterdir()) == []


def test_log_artifact_copies_directories(runs_root: Path, tmp_path: Path) -> None:
    src = tmp_path / "plots"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.txt").write_text("b")
    with wb.start_run(project="p", root=runs_root) as run:
        assert run.log_artifact(src) == "artifacts/plots"
        run.log_artifact(src / "a.txt", name="renamed/a2.txt")
    assert (run.path / "artifacts" / "plots" / "sub" / "b.txt").read_text() == "b"
    assert (run.path / "artifacts" / "renamed" / "a2.txt").read_text() == "a"


def test_log_dataset_records_hash_size_rows_and_columns(runs_root: Path, tmp_path: Path) -> None:
    import hashlib

    data = tmp_path / "diabetes.csv"
    data.write_text("age,sex,bmi\n1,2,3\n4,5,6\n7,8,9")
    with wb.start_run(project="p", root=runs_root) as run:
        run.log_dataset(data, role="train")
        run.log_dataset(data, name="eval-set", role="eval", hash=False, rows=99)
        with pytest.raises(NotFoundError):
            run.log_dataset(tmp_path / "nope.csv")
    first, second = read_lines(run.path / "datasets.jsonl")
    assert first["name"] == "diabetes" and first["role"] == "train"
    assert first["path"] == str(data.resolve())
    assert first["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert first["size"] == data.stat().st_size
    assert first["rows"] == 3 and first["columns"] == ["age", "sex", "bmi"]
    assert first["format"] == "csv" and isinstance(first["timestamp"], float)
    assert second["name"] == "eval-set" and second["rows"] == 99 and "sha256" not in second


def test_log_model_copies_and_hashes_without_loading(runs_root: Path, tmp_path: Path) -> None:
    import hashlib

    model = tmp_path / "model.pkl"
    model.write_bytes(b"not really a pickle: loading this would fail")
    with wb.start_run(project="p", root=runs_root) as run:
        record = run.log_model(
            model,
            "diabetes-ridge",
            flavor="sklearn",
            metadata={"class": "sklearn.linear_model.Ridge"},
        )
        with pytest.raises(RunFormatError):
            run.log_model(model, "bad", metadata={"x": object()})
    (line,) = read_lines(run.path / "models.jsonl")
    assert line == record
    assert line["name"] == "diabetes-ridge" and line["flavor"] == "sklearn"
    assert line["path"] == "artifacts/model/diabetes-ridge/model.pkl"
    copied = run.path / line["path"]
    assert copied.read_bytes() == model.read_bytes()
    assert line["sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert line["size"] == model.stat().st_size
    assert line["metadata"] == {"class": "sklearn.linear_model.Ridge"}


def test_threads_logging_into_one_run_lose_nothing(runs_root: Path) -> None:
    import threading

    with wb.start_run(project="p", root=runs_root) as run:

        def work(worker: int) -> None:
            for step in range(2000):
                run.log_metrics({f"w{worker}": float(step)}, step=step)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    points = read_lines(run.path / "metrics.jsonl")
    assert len(points) == 8000
    for worker in range(4):
        assert [p["step"] for p in points if p["key"] == f"w{worker}"] == list(range(2000))


def test_heartbeat_is_refreshed(runs_root: Path, monkeypatch) -> None:
    import time

    monkeypatch.setattr(spec, "HEARTBEAT_EVERY_S", 0.1)
    with wb.start_run(project="p", root=runs_root) as run:
        first = read_json(run.path / "run.json")["heartbeat_at"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if read_json(run.path / "run.json")["heartbeat_at"] != first:
                break
        else:
            pytest.fail("heartbeat_at was not refreshed")
        assert read_json(run.path / "run.json")["status"] == "running"
