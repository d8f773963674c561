"""The CLI at 80 columns, read as a person reads it: a run's notes and command, what --json
promises, the columns drift list keeps, the command list of --help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _runfolders import write_run
from click.testing import CliRunner

from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.ingest import ingest_paths


def run(db: Path, *args: str, width: int = 80):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": str(width)})


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reads-well")
    runs = root / "runs"
    command = ["/home/ana/project/train.py", "--dataset", "breast_cancer", "--penalty", "l1",
               "--alpha", "0.0001", "--lr", "0.001", "0.01", "0.1", "--epochs", "15"]
    write_run(runs, "run-a", project="vision", name="cnn", params={"lr": 0.1},
              metrics={"acc": [0.5, 0.9]}, notes="first line\nsecond line\n", command=command)
    write_run(runs, "run-b", project="tabular", name="forest", params={"depth": 4},
              metrics={"auc": [0.7, 0.8]})
    catalog = Catalog(root / "catalog.duckdb")
    ingest_paths(catalog, [runs])
    return catalog.path


def test_show_prints_notes_as_lines_and_the_command_as_a_shell_line(db: Path) -> None:
    """Notes ended in a literal '\\x0a' on one line; the command was a JSON list folded in the
    middle of its words ("--datas" / "et")."""
    result = run(db, "show", "run-a")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    notes = lines.index("Notes")
    assert lines[notes + 1: notes + 3] == ["  first line", "  second line"]
    assert "\\x0a" not in result.stdout
    start = next(i for i, line in enumerate(lines) if line.startswith("command"))
    folded = [lines[start]] + [line for line in lines[start + 1:] if line.startswith(" " * 16)]
    assert '["' not in result.stdout
    text = " ".join(line[16:].strip() for line in folded)
    assert text == ("/home/ana/project/train.py --dataset breast_cancer --penalty l1 --alpha 0.0001"
                    " --lr 0.001 0.01 0.1 --epochs 15")
    assert all(len(line) <= 80 for line in folded)


@pytest.mark.parametrize(("args", "promise"), [
    (["show", "--help"], "Print JSON (one object)."),
    (["drift", "show", "--help"], "Print JSON (one object)."),
    (["models", "show", "--help"], "Print JSON (one object)."),
    (["runs", "--help"], "Print JSON (a list of objects)."),
])
def test_json_help_says_what_it_prints(tmp_path: Path, args: list[str], promise: str) -> None:
    """`show --json` prints one object; its help said "a list of objects"."""
    result = run(tmp_path / "catalog.duckdb", *args)
    assert result.exit_code == 0, result.output
    assert promise in " ".join(result.stdout.split())


def test_one_run_shows_a_json_object(db: Path) -> None:
    assert isinstance(json.loads(run(db, "show", "run-a", "--json").stdout), dict)


def test_drift_list_shows_what_was_compared_in_80_columns(tmp_path: Path, monkeypatch) -> None:
    """At 80 columns the list showed ids, times and counts but neither dataset compared, and
    its hint offered --columns, which `drift list` does not have."""
    import polars as pl

    frame = pl.DataFrame({"x": [float(i) for i in range(200)]})
    frame.write_parquet(tmp_path / "reference-batch-of-the-week.parquet")
    frame.with_columns(pl.col("x") * 3).write_parquet(tmp_path / "current-batch-of-the-week.parquet")
    db = tmp_path / "catalog.duckdb"
    monkeypatch.chdir(tmp_path)
    checked = run(db, "drift", "reference-batch-of-the-week.parquet",
                  "current-batch-of-the-week.parquet", "--json")
    assert checked.exit_code == 0, checked.output
    report_id = json.loads(checked.stdout)["report_id"]
    result = run(db, "drift", "list")
    assert result.exit_code == 0, result.output
    header, _rule, row = result.stdout.splitlines()[:3]
    assert header.split()[:4] == ["report", "created_at", "drift", "current"]
    assert row.startswith(report_id[:8] + "  ")
    assert "current-batch-of-the-week" in row
    assert "--columns" not in result.stderr
    assert json.loads(run(db, "drift", "list", "--json").stdout)[0]["report_id"] == report_id


def test_command_list_of_help_is_one_or_two_lines_a_command() -> None:
    """`lineage` and `rebuild` took five and three lines of the command list."""
    result = CliRunner().invoke(cli, ["--help"], env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Commands" in line)
    entries: list[list[str]] = []
    for line in lines[start + 1:]:
        body = line.strip("│ ")
        if line.startswith("╰"):
            break
        if line[2:3].strip():  # a command's name starts its entry
            entries.append([body])
        elif entries:
            entries[-1].append(body)
    assert {e[0].split()[0] for e in entries} >= {"lineage", "rebuild", "runs", "show"}
    assert all(len(e) <= 3 for e in entries), [e for e in entries if len(e) > 3]
    assert max(len(e) for e in entries if e[0].split()[0] in ("lineage", "rebuild")) <= 2


def test_demo_counts_one_run_as_one_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The demo's summary said "production: 1 runs"."""
    from workbench import demo

    def one_run(samples: Path) -> list[list[str]]:
        return [[str(samples / "classifier_sweep.py"), "--dataset", "wine", "--lr", "0.05",
                 "--epochs", "2"]]

    monkeypatch.setattr(demo, "load_sweep_plan", one_run)
    monkeypatch.setattr(demo, "user_data_dir", lambda: tmp_path / "data")
    result = CliRunner().invoke(cli, ["demo", "--no-ui"])
    assert result.exit_code == 0, result.output
    assert "classifier-sweep: 1 run (1 finished)" in result.output
