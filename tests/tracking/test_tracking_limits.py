"""What ingest would refuse is refused at the call (and nothing is written), and integers
beyond 64 bits (a uint64 seed) are shown exactly by every command and filter as numbers."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import workbench as wb
from workbench.errors import RunFormatError


@pytest.fixture
def run(tmp_path):
    with wb.start_run("limits", root=tmp_path, capture_requirements=False) as run:
        yield run


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.log_metric("a\x00b", 1.0),
        lambda r: r.log_metric("a\x1b[2J", 1.0),
        lambda r: r.log_metric("a\x9bb", 1.0),
        lambda r: r.log_metrics({"ok": 1.0, "tab\tkey": 2.0}),
        lambda r: r.log_metric("a", 1.0, step=2**63),
        lambda r: r.log_metric("a", 1.0, step=2**64 + 5),
        lambda r: r.log_metric("a", 1.0, step=np.uint64(2**63)),
        lambda r: r.log_metric("a", np.complex128(1 + 2j)),
        lambda r: r.log_metric("a", np.complex128(1 + 0j)),
        lambda r: r.log_metric("a", np.complex64(3)),
        lambda r: r.log_metric("a", 1j),
        lambda r: r.log_params({"x": np.complex128(1)}),
        lambda r: r.log_params({"nul\x00": 1}),
        lambda r: r.log_params({"outer": {"in\nner": 1}}),
        lambda r: r.set_tags({"t\x07": "v"}),
    ],
)
def test_refused_at_the_call_and_nothing_written(run, call):
    with pytest.raises(RunFormatError):
        call(run)
    run.flush()
    assert not (run.path / "metrics.jsonl").exists()
    assert not (run.path / "params.json").exists() and not (run.path / "tags.json").exists()


def test_the_step_after_the_last_64_bit_step_is_refused(run):
    run.log_metric("a", 1.0, step=2**63 - 1)
    with pytest.raises(RunFormatError):
        run.log_metric("a", 2.0)  # would be step 2**63
    run.flush()
    lines = (run.path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [2**63 - 1]


SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import workbench as wb
    with wb.start_run("seeds", name="wide", root=sys.argv[1], capture_requirements=False) as r:
        r.log_params({"seed": np.uint64(2**64 - 1), "big": 2**70, "lr": 0.1})
        r.log_metric("acc", 0.5)
    with wb.start_run("seeds", name="narrow", root=sys.argv[1], capture_requirements=False) as r:
        r.log_params({"seed": 7, "big": 1, "lr": 0.2})
        r.log_metric("acc", 0.6)
    """
)


def _cli(db: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench.cli.main", "--db", str(db), *args],
        capture_output=True, text=True, timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_integers_beyond_64_bits_are_exact_everywhere(tmp_path):
    root, db = tmp_path / "runs", tmp_path / "catalog.duckdb"
    subprocess.run([sys.executable, "-c", SCRIPT, str(root)], check=True, timeout=120)
    _cli(db, "ingest", str(root))
    seed, big = str(2**64 - 1), str(2**70)

    table = _cli(db, "runs", "--columns", "name,params.seed,params.big")
    assert seed in table and big in table
    records = {r["name"]: r for r in json.loads(_cli(db, "runs", "--json"))}
    assert records["wide"]["params"]["seed"] == 2**64 - 1
    # beyond 64 bits the runs listing carries the exact digits as text (show/compare: a number)
    assert str(records["wide"]["params"]["big"]) == big
    assert records["narrow"]["params"]["seed"] == 7
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(_cli(db, "runs", "--csv")))}
    assert rows["wide"]["params.seed"] == seed and rows["wide"]["params.big"] == big

    wide = records["wide"]["id"][:8]
    assert seed in _cli(db, "show", wide)
    assert json.loads(_cli(db, "show", wide, "--json"))["params"]["seed"] == 2**64 - 1
    assert f"param,seed,{seed}" in _cli(db, "show", wide, "--csv")
    both = [wide, records["narrow"]["id"][:8]]
    assert seed in _cli(db, "compare", *both) and big in _cli(db, "compare", *both)
    compared = json.loads(_cli(db, "compare", *both, "--json"))
    assert next(r for r in compared if r["key"] == "seed")["wide"] == seed

    def names(expr: str) -> list[str]:
        return sorted(r["name"] for r in json.loads(_cli(db, "runs", "--filter", expr, "--json")))

    assert names("params.seed > 1e19") == ["wide"]
    assert names("params.seed < 1e19") == ["narrow"]
    assert names("params.big >= 1e21") == ["wide"]
    assert [r["name"] for r in json.loads(_cli(db, "runs", "--sort", "-params.seed", "--json"))] == [
        "wide", "narrow"]  # fmt: skip
