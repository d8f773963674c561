"""`workbench rebuild` re-creates the registry's tables from its event log."""

from __future__ import annotations

import subprocess
import sys

from _registry_env import make_env, registry_dump

from workbench.catalog.sources import sources_path


def wb(db, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli.main", "--db", str(db), *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def run_count(cat) -> int:
    with cat.connect(read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_rebuild_of_a_readable_catalog_keeps_its_roots_and_registry(tmp_path):
    env = make_env(tmp_path)
    assert env.cli("register", env.run_ids[0], "churn").exit_code == 0
    assert env.cli("register", env.run_ids[1], "churn").exit_code == 0
    before = registry_dump(env.cat)
    sources_path(env.cat.path).unlink()  # an older catalog: its roots are in the file only
    result = wb(env.cat.path, "rebuild")
    assert result.returncode == 0, result.stderr
    assert "model registry: 2 events replayed" in result.stdout
    after = registry_dump(env.cat)
    assert after["model_version"] == before["model_version"]
    assert after["registry_event"] == before["registry_event"]
    assert run_count(env.cat) == 3
