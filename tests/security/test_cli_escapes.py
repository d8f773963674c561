"""No byte from a run folder or a data file reaches the terminal as a control sequence, from
any CLI command: tables, `show`, stderr notices and errors show escapes as text, and JSON
and CSV carry them escaped (JSON still parses back to the exact value)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _escapes import (
    DATASET,
    EVIL,
    MODEL,
    OTHER_ID,
    RUN_ID,
    RUN_NAME,
    escape_catalog,
    raw_controls,
    reference_csv,
)
from click.testing import CliRunner

from workbench.cli.main import cli


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("escapes")
    db, root = escape_catalog(tmp)
    registry = tmp / "registry"
    result = _run(db, "models", "--registry", str(registry), "register", RUN_ID[:8], "clean-name",
                  "--model", MODEL, "--reason", f"why{EVIL}")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = next(root.rglob("data.csv"))
    return {"db": db, "root": root, "registry": registry, "data": data,
            "reference": reference_csv(tmp), "tmp": tmp}  # fmt: skip


def _run(db: Path, *args: str, width: int = 200):
    runner = CliRunner()
    return runner.invoke(cli, ["--db", str(db), *args], env={"COLUMNS": str(width)})


def _commands(w: dict[str, Path]) -> list[list[str]]:
    reg = ["--registry", str(w["registry"])]
    short = RUN_ID[:8]
    both = [short, OTHER_ID[:8]]
    commands = [
        ["runs"], ["runs", "--columns", "name,metrics,params,tags"],
        ["show", short], ["metrics", short], ["compare", *both], ["projects"],
        ["sql", "SELECT * FROM runs_view"], ["sql", "SELECT * FROM params_view"],
        ["datasets"], ["dataset", "show", DATASET], ["dataset", "profile", DATASET],
        ["lineage", short], ["lineage", f"{DATASET}"],
        ["models", *reg], ["models", *reg, "show", "clean-name"],
        ["models", *reg, "history", "clean-name"], ["models", *reg, "verify"],
        ["drift", str(w["reference"]), str(w["data"])], ["drift", "list"], ["doctor"],
        ["ingest", str(w["root"])],
    ]  # fmt: skip
    with_formats = []
    for command in commands:
        with_formats.append(command)
        if command[0] not in ("doctor", "lineage", "ingest") and command[-1] != "verify":
            with_formats.append([*command, "--json"])
            if command[0] not in ("datasets", "dataset", "drift", "models"):
                with_formats.append([*command, "--csv"])
    with_formats.append(["models", *reg, "card", "clean-name@1"])
    with_formats.append(["lineage", short, "--json"])
    return with_formats


def test_every_command_shows_escapes_as_text(world):
    leaks: dict[str, list[str]] = {}
    for command in _commands(world):
        result = _run(world["db"], *command)
        label = " ".join(command)
        assert result.exit_code == 0, (label, result.output, result.exception)
        found = raw_controls(result.stdout) + raw_controls(result.stderr)
        if found:
            leaks[label] = found[:3]
    assert leaks == {}


def test_ingest_reports_errors_in_escape_laden_folders_as_text(world):
    result = _run(world["tmp"] / "fresh.duckdb", "ingest", str(world["root"]))
    assert result.exit_code == 0, result.output
    assert "metrics.jsonl:5" in result.stderr + result.stdout
    assert raw_controls(result.stdout + result.stderr) == []


def test_the_escapes_are_shown_visibly(world):
    table = _run(world["db"], "show", RUN_ID[:8]).stdout
    assert "name\\x1b]52;c;cHduZWQ=\\x07" in table and "\\x9b2J" in table


def test_json_keeps_the_exact_values(world):
    records = json.loads(_run(world["db"], "runs", "--json").stdout)
    run = next(r for r in records if r["id"] == RUN_ID)
    assert run["name"] == RUN_NAME
    assert run["params"]["plain"] == f"p{EVIL}" and run["tags"]["plain"] == f"t{EVIL}"
    detail = json.loads(_run(world["db"], "show", RUN_ID[:8], "--json").stdout)
    assert detail["notes"].startswith(f"# notes {EVIL}")


def test_errors_naming_a_value_show_it_escaped(world):
    result = _run(world["db"], "show", f"nope{EVIL}")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and raw_controls(result.stderr) == []


def test_a_real_process_on_a_terminal_width(world):
    """The console script itself, as a terminal would run it, for the two busiest commands."""
    for args in (["runs"], ["show", RUN_ID[:8]], ["runs", "--csv"]):
        proc = subprocess.run(
            [sys.executable, "-m", "workbench.cli.main", "--db", str(world["db"]), *args],
            capture_output=True, timeout=120, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout.decode() + proc.stderr.decode()
        assert raw_controls(out) == [], args
