"""Small things a person notices: an error line names its path once, `show` says which
columns did not fit, and `logged_at` reads as a date."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _runfolders import write_run

import workbench as wb
from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths


def cli(db: Path, *args: str, columns: int = 80) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli.main", "--db", str(db), *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": str(columns)},
    )  # fmt: skip


def test_an_error_line_names_its_path_once(tmp_path):
    root = tmp_path / "runs"
    folder = write_run(root, "r1")
    (folder / "params.json").mkdir()  # a folder where a file should be: cannot be read
    db = tmp_path / "c.duckdb"
    result = cli(db, "ingest", str(root))
    target = str(folder / "params.json")
    lines = [line for line in result.stderr.splitlines() if target in line]
    assert lines and all(line.count(target) == 1 for line in lines), result.stderr
    doctor = cli(db, "doctor")
    lines = [line for line in doctor.stdout.splitlines() if target in line]
    assert lines and all(line.count(target) == 1 for line in lines), doctor.stdout


@pytest.fixture
def db_with_a_dataset(tmp_path) -> Path:
    root = tmp_path / "runs"
    data = tmp_path / "train.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    with wb.start_run(project="p", name="with-data", root=root, capture_requirements=False) as run:
        run.log_dataset(data, name="train-set", role="train")
    db = tmp_path / "c.duckdb"
    ingest_paths(Catalog(db), [root])
    return db


def test_show_at_80_columns_says_which_columns_it_left_out(db_with_a_dataset):
    result = cli(db_with_a_dataset, "show", "with-data", columns=80)
    assert result.returncode == 0, result.stderr
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    notice = result.stderr.strip()
    assert notice.startswith("(columns not shown: Datasets: ")
    assert "widen the terminal or use --json or --csv" in notice
    wide = cli(db_with_a_dataset, "show", "with-data", columns=400)
    assert "columns not shown" not in wide.stderr


def test_show_gives_logged_at_as_a_date(db_with_a_dataset):
    result = cli(db_with_a_dataset, "show", "with-data", columns=400)
    assert result.returncode == 0, result.stderr
    assert "e+09" not in result.stdout
    assert re.search(r"\b20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\b", result.stdout.split("Datasets")[1])
