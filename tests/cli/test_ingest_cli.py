"""`workbench ingest`, `watch` and `doctor` from the command line."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import textwrap
from importlib import metadata

from _runfolders import append_raw, write_run
from click.testing import CliRunner

from workbench.catalog.schema import SCHEMA_VERSION
from workbench.cli.main import cli


def _run(args, db):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def test_ingest_prints_counts_and_bad_lines(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", name="[red]x[/]", points=[("loss", 1.0, 0)])
    append_raw(folder, b"{oops\n")
    result = _run(["ingest", str(runs_root)], tmp_path / "c.duckdb")
    assert result.exit_code == 0
    assert "1 runs seen (1 new, 0 updated), 1 points, 1 errors" in result.output
    assert f"{folder / 'metrics.jsonl'}:2: corrupt JSON" in result.output


def test_ingest_json(tmp_path, runs_root):
    write_run(runs_root, "r1", points=[("loss", 1.0, 0), ("loss", 2.0, 1)])
    result = _run(["ingest", "--json", str(runs_root)], tmp_path / "c.duckdb")
    data = json.loads(result.output)
    assert (data["runs_new"], data["points"], data["errors"]) == (1, 2, 0)


def test_ingest_missing_folder_is_one_line(tmp_path):
    result = _run(["ingest", str(tmp_path / "nope")], tmp_path / "c.duckdb")
    assert result.exit_code == 1
    assert result.output.strip() == f"error: no such folder: {tmp_path / 'nope'}"


def test_watch_without_roots_is_one_line(tmp_path):
    result = _run(["watch"], tmp_path / "c.duckdb")
    assert result.exit_code == 1
    assert result.output.startswith("error: no roots to watch yet")


def test_doctor(tmp_path, runs_root):
    db = tmp_path / "c.duckdb"
    result = _run(["doctor"], db)
    assert "not created yet" in result.output
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    append_raw(folder, b'{"key":"loss","value":1,"step":-4,"timestamp":1}\n')
    _run(["ingest", str(runs_root)], db)
    text = _run(["doctor"], db).output
    assert f"schema version  {SCHEMA_VERSION}" in text
    assert str(runs_root.resolve()) in text
    assert "metrics.jsonl:2: step must be >= 0" in text
    data = json.loads(_run(["doctor", "--json"], db).output)
    assert data["counts"]["runs"] == 1 and data["schema_version"] == SCHEMA_VERSION
    assert data["recent_errors"][0]["line"] == 2
    assert data["busy"] is None


def test_doctor_prints_the_versions_in_use(tmp_path):
    expected = {
        "python": platform.python_version(),
        **{dist: metadata.version(dist) for dist in ("duckdb", "polars", "pyarrow", "textual")},
    }
    data = json.loads(_run(["doctor", "--json"], tmp_path / "c.duckdb").output)
    assert data["versions"] == expected
    line = next(x for x in _run(["doctor"], tmp_path / "c.duckdb").output.splitlines()
                if x.startswith("versions"))
    assert line == (
        f"versions        Python {expected['python']}, DuckDB {expected['duckdb']}, "
        f"polars {expected['polars']}, pyarrow {expected['pyarrow']}, Textual {expected['textual']}"
    )


DOCTOR_IMPORTS = textwrap.dedent(
    """
    import sys
    from workbench.cli.main import main
    sys.argv = ["workbench", "--db", sys.argv[1], "doctor"]
    try:
        main()
    except SystemExit:
        pass
    print(sorted(m for m in ("textual", "polars", "pyarrow") if m in sys.modules))
    """
)


def test_doctor_reads_versions_without_importing_the_libraries(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", DOCTOR_IMPORTS, str(tmp_path / "c.duckdb")],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "versions        Python" in out
    assert out.splitlines()[-1] == "[]"


HOLDER = textwrap.dedent(
    """
    import sys, time
    from workbench.catalog.connection import Catalog
    with Catalog(sys.argv[1]).connect():
        print("holding", flush=True)
        time.sleep(8)
    """
)


def test_doctor_names_the_lock_holder(tmp_path, runs_root, monkeypatch):
    monkeypatch.setenv("WORKBENCH_BUSY_TIMEOUT", "0.5")
    db = tmp_path / "c.duckdb"
    write_run(runs_root, "r1")
    _run(["ingest", str(runs_root)], db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        data = json.loads(_run(["doctor", "--json"], db).output)
        assert f"process {holder.pid}" in data["busy"]
        result = _run(["ingest", str(runs_root)], db)
        assert result.exit_code == 1
        assert result.output.startswith(f"error: the catalog at {db} is busy: process {holder.pid}")
    finally:
        holder.kill()
        holder.wait()
