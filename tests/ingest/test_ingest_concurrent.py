"""Two `workbench ingest` processes on the same folders at once: no traceback, exact counts."""

from __future__ import annotations

import subprocess
import sys

from _runfolders import rows, write_run

from workbench.catalog.connection import Catalog


def test_two_ingest_processes_at_once(tmp_path, runs_root):
    for i in range(300):
        write_run(runs_root, f"r{i:03d}", params={"i": i}, points=[("loss", float(i), 0)])
    db = tmp_path / "c.duckdb"
    cmd = [sys.executable, "-m", "workbench.cli.main", "--db", str(db), "ingest", str(runs_root)]
    for _round in range(2):
        db.unlink(missing_ok=True)
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]  # fmt: skip
        outs = [p.communicate(timeout=180) for p in procs]
        for proc, (_out, err) in zip(procs, outs, strict=True):
            assert "Traceback" not in err and "Exception" not in err, err
            if proc.returncode != 0:  # the loser may give up waiting, in one sentence
                lines = err.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert any(p.returncode == 0 for p in procs)
        cat = Catalog(db)
        assert rows(cat, "SELECT count(*), count(DISTINCT run_id) FROM runs") == [(300, 300)]
        assert rows(cat, "SELECT count(*) FROM metric_points") == [(300,)]
        assert rows(cat, "SELECT count(*) FROM params") == [(300,)]
        assert rows(cat, "SELECT count(*) FROM ingest_errors") == [(0,)]
