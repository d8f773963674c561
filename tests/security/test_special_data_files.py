"""FIFOs, devices and links to /dev/zero where a data or model file belongs, outside run
folders: fingerprinting, `datasets scan`, drift inputs, model registration and export each
give one sentence (or skip the file with its reason) and never open one. Each case runs in a
real subprocess with a timeout, so a regression fails the test instead of hanging the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

#: Seconds a subprocess may take: far more than any case needs on a busy machine, far less
#: than forever (a FIFO without a writer blocks its reader until one comes).
TIMEOUT = 90
SPECIAL = ["fifo", "dev_zero_link"]


def make_special(kind: str, path: Path) -> Path:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


def described(kind: str) -> str:
    return "a FIFO" if kind == "fifo" else "a character device"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A process run to its end within TIMEOUT (TimeoutExpired fails the test)."""
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd, env=env)


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-c", textwrap.dedent(code)], cwd)


def workbench(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "workbench.cli.main", "--db", str(db), *args], db.parent)


@pytest.mark.parametrize("kind", SPECIAL)
def test_fingerprint_refuses_a_special_file(tmp_path, kind) -> None:
    target = make_special(kind, tmp_path / "data.csv")
    done = python(
        f"""
        import os
        from workbench.formats.fingerprint import fingerprint, fingerprint_small
        from workbench.formats.safe_files import NotRegularFileError
        for call in (lambda: fingerprint({str(target)!r}),
                     lambda: fingerprint_small({str(target)!r}, os.stat({str(target)!r}))):
            try:
                call()
            except NotRegularFileError as exc:
                print(exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    expected = f"{target} is {described(kind)}, not a regular file"
    assert done.stdout.splitlines() == [expected, expected]


@pytest.mark.parametrize("kind", SPECIAL)
def test_logging_a_special_file_as_a_dataset_is_refused(tmp_path, kind) -> None:
    target = make_special(kind, tmp_path / "data.csv")
    done = python(
        f"""
        import workbench as wb
        from workbench.errors import WorkbenchError
        with wb.start_run(project="p", root={str(tmp_path / "runs")!r}) as run:
            for kwargs in ({{}}, {{"hash": False}}):
                try:
                    run.log_dataset({str(target)!r}, name="d", **kwargs)
                    print("logged")
                except WorkbenchError as exc:
                    print(exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == f"{target} is {described(kind)}, not a regular file"
    assert second == "logged"  # without a hash nothing is read, nor opened


def test_scan_skips_special_files_with_a_reason(tmp_path) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "ok.csv").write_text("a,b\n1,2\n")
    fifo = make_special("fifo", data / "pipe.csv")
    zero = make_special("dev_zero_link", data / "sub" / "zero.parquet")
    dangling = data / "gone.csv"
    dangling.symlink_to(data / "nowhere.csv")
    db = tmp_path / "catalog.duckdb"
    done = workbench(db, "datasets", "scan", "--json", str(data))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [f["name"] for f in report["files"]] == ["ok"]
    assert sorted((e["path"], e["message"]) for e in report["errors"]) == [
        (str(fifo), f"{fifo} is a FIFO, not a regular file; skipped"),
        (str(zero), f"{zero} is a character device, not a regular file; skipped"),
    ]


@pytest.mark.parametrize("kind", SPECIAL)
def test_scan_of_a_special_file_given_by_name(tmp_path, kind) -> None:
    target = make_special(kind, tmp_path / "train.jsonl")
    db = tmp_path / "catalog.duckdb"
    done = workbench(db, "datasets", "scan", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("0 data files found")
    assert done.stderr.splitlines()[-1] == (
        f"error: {target} is {described(kind)}, not a regular file; skipped"
    )


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".arrow", ".jsonl"])
def test_drift_refuses_a_special_input(tmp_path, kind, suffix) -> None:
    reference = tmp_path / "ref.csv"
    reference.write_text("x\n1\n2\n3\n")
    current = make_special(kind, tmp_path / f"cur{suffix}")
    db = tmp_path / "catalog.duckdb"
    done = workbench(db, "drift", "check", str(reference), str(current))
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"error: {current} is {described(kind)}, not a regular file; drift compares one table"
        " file with another"
    )


def test_drift_fingerprint_refuses_a_file_replaced_by_a_fifo(tmp_path) -> None:
    done = python(
        f"""
        import os
        from workbench.drift.sources import open_source
        from workbench.errors import WorkbenchError
        path = {str(tmp_path / "cur.jsonl")!r}
        with open(path, "w") as f:
            f.write('{{"x": 1}}\\n')
        source = open_source(path)
        os.unlink(path)
        os.mkfifo(path)
        for call in (source.fingerprint, lambda: list(source.batches(["x"]))):
            try:
                call()
            except (WorkbenchError, OSError) as exc:
                print(exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    path = tmp_path / "cur.jsonl"
    assert done.stdout.splitlines() == [
        f"{path} is a FIFO, not a regular file",
        f"{path} is a FIFO, not a regular file; drift compares one table file with another",
    ]


def _registered_model(tmp_path: Path, requirements: str | None = None) -> tuple[Path, Path]:
    """A run that logged a model file, ingested and registered as churn v1: (catalog, model
    file in the run folder). `requirements`: make the run's requirements.txt special first."""
    done = python(
        f"""
        import os
        import workbench as wb
        from workbench import registry
        from workbench.catalog.connection import Catalog
        from workbench.ingest import ingest_paths
        with open("model.bin", "wb") as f:
            f.write(b"weights")
        with wb.start_run(project="churn", root="runs", capture_requirements=False) as run:
            run.log_metrics({{"auc": 0.9}})
            run.log_model("model.bin", "clf", flavor="sklearn")
        if {requirements!r} == "fifo":
            os.mkfifo(os.path.join(run.path, "requirements.txt"))
        elif {requirements!r} == "dev_zero_link":
            os.symlink("/dev/zero", os.path.join(run.path, "requirements.txt"))
        cat = Catalog("catalog.duckdb")
        ingest_paths(cat, ["runs"])
        registry.register(cat, run.id, "churn", reason="first")
        version = registry.get_version(cat, "churn@1")
        print(os.path.join(version.run_path, version.files[0]["path"]))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "catalog.duckdb", Path(done.stdout.strip())


@pytest.mark.parametrize("kind", SPECIAL)
def test_registering_a_run_with_a_special_requirements_file(tmp_path, kind) -> None:
    db, model = _registered_model(tmp_path, requirements=kind)
    done = workbench(db, "models", "show", "churn@1", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"][0]["size"] == len(b"weights")
    assert model.read_bytes() == b"weights"


def test_export_refuses_a_model_file_replaced_by_a_fifo(tmp_path) -> None:
    db, model = _registered_model(tmp_path)
    model.unlink()
    os.mkfifo(model)
    dest = tmp_path / "out"
    done = workbench(db, "models", "export", "churn@1", str(dest))
    assert done.returncode == 1, done.stdout
    assert done.stderr.strip() == (
        f"error: the file {model} of churn@1 is a FIFO, not a regular file; nothing exported"
    )
    assert not dest.exists()


def test_registering_a_model_file_replaced_by_a_fifo_is_refused(tmp_path) -> None:
    db, model = _registered_model(tmp_path)
    run_id = model.relative_to(tmp_path / "runs" / "churn").parts[0]
    model.unlink()
    os.mkfifo(model)
    done = workbench(db, "models", "register", run_id, "churn")
    assert done.returncode == 1, done.stdout
    assert done.stderr.strip() == f"error: the model file {model} is a FIFO, not a regular file"
