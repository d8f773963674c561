"""`workbench drift`: check two files, store the report, show / list / export it, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.drift.service import check_drift, find_report, get_report, list_reports


def run(db: Path, *args: str, width: int = 100):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": str(width)})


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(0)
    n = 3_000
    ref = pa.table({"amount": rng.normal(size=n), "[red]x[/]": rng.choice(["a", "b"], n),
                    "stable": rng.normal(size=n)})
    cur_cat = rng.choice(["a", "b"], n).astype(object)
    cur_cat[:200] = "[bold]new[/]"
    cur = pa.table({"amount": rng.normal(0.5, 1, n), "[red]x[/]": pa.array(cur_cat, pa.string()),
                    "stable": rng.normal(size=n)})
    pq.write_table(ref, tmp_path / "ref.parquet")
    pq.write_table(cur, tmp_path / "cur.parquet")
    pq.write_table(ref, tmp_path / "ref-copy.parquet")
    return tmp_path / "ref.parquet", tmp_path / "cur.parquet", tmp_path / "cat.duckdb"


def test_check_prints_columns_literally_and_stores_the_report(files) -> None:
    ref, cur, db = files
    result = run(db, "drift", str(ref), str(cur))
    assert result.exit_code == 0, result.output
    assert "[red]x[/]" in result.output and "[bold]new[/]" in result.output
    assert "DRIFT" in result.output and "at least one column" in result.output
    listed = json.loads(run(db, "drift", "list", "--json").output)
    assert len(listed) == 1 and listed[0]["drift"] is True and listed[0]["drifted"] == 2


def test_fail_on_drift_sets_the_exit_code(files) -> None:
    ref, cur, db = files
    assert run(db, "drift", str(ref), str(cur), "--fail-on-drift").exit_code == 1
    same = run(db, "drift", str(ref), str(files[0].parent / "ref-copy.parquet"), "--fail-on-drift")
    assert same.exit_code == 0, same.output
    assert run(db, "drift", str(ref), str(cur), "--fail-on-drift", "--columns", "stable").exit_code == 0


def test_json_output_is_the_report(files) -> None:
    ref, cur, db = files
    data = json.loads(run(db, "drift", str(ref), str(cur), "--json").output)
    states = {c["column"]: c["state"] for c in data["columns"]}
    assert states == {"amount": "drift", "[red]x[/]": "drift", "stable": "stable"}
    col = next(c for c in data["columns"] if c["column"] == "[red]x[/]")
    assert col["unseen"] == ["[bold]new[/]"] and col["unseen_count"] == 200


def test_show_and_export(files, tmp_path: Path) -> None:
    ref, cur, db = files
    first = json.loads(run(db, "drift", str(ref), str(cur), "--json").output)
    shown = json.loads(run(db, "drift", "show", first["report_id"][:6], "--json").output)
    assert shown == first
    assert json.loads(run(db, "drift", "show", "--json").output)["report_id"] == first["report_id"]
    html_path, md_path = tmp_path / "r.html", tmp_path / "r.md"
    assert run(db, "drift", "show", "latest", "--export", str(html_path)).exit_code == 0
    assert run(db, "drift", "show", "latest", "--export", str(md_path)).exit_code == 0
    page = html_path.read_text()
    assert "<svg" in page and "[red]x[/]" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "\\[red\\]x\\[/\\]" in md_path.read_text()


def test_user_errors_are_one_line(files) -> None:
    ref, cur, db = files
    for args in (["drift", str(ref), "nope.parquet"], ["drift", "show", "zzzz"],
                 ["drift", str(ref), str(cur), "--columns", "nope"]):
        result = run(db, *args)
        assert result.exit_code == 1
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output


def test_service_reuses_the_reference_summary_and_file_hash(files) -> None:
    ref, cur, db = files
    cat = Catalog(db)
    first = check_drift(cat, ref, cur)
    second = check_drift(cat, ref, cur)
    assert not first.reference_cached and second.reference_cached
    assert second.reference_fingerprint == first.reference_fingerprint
    assert get_report(cat, second.report_id).to_dict() == second.to_dict()
    assert list_reports(cat).height == 2
    reused = find_report(cat, first.reference_fingerprint, first.current_fingerprint)
    assert reused is not None and reused.report_id == second.report_id
    assert find_report(cat, first.current_fingerprint, first.reference_fingerprint) is None
