"""An ingest killed with SIGKILL at random moments resumes with no point lost or doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from _runfolders import append_points, rows, write_run

from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths, ingest_roots

INGEST = textwrap.dedent(
    """
    import sys
    import duckdb, polars, pyarrow  # noqa: F401  (so the kill lands in ingest work, not imports)
    import workbench.ingest.plan as plan
    plan.BATCH_BYTES = 200_000  # many small transactions: more places to be killed
    plan.BATCH_RUNS = 7
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths
    print("start", flush=True)
    ingest_paths(
        Catalog(sys.argv[1], busy_timeout=20),
        [sys.argv[2]],
        progress=lambda report: print("batch", flush=True),
    )
    print("done", flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path, runs_root):
    rng = random.Random(7)
    expected_count = 0
    expected_sum = 0.0
    folders = []
    for r in range(60):
        pts = [(f"m{k}", float(step * 3 + k + r), step) for step in range(300) for k in range(3)]
        folders.append(write_run(runs_root, f"run{r:03d}", params={"r": r}, points=pts))
        expected_count += len(pts)
        expected_sum += sum(v for _, v, _ in pts)
    db = tmp_path / "c.duckdb"
    kills = 0
    committed = []
    for attempt in range(16):
        if attempt == 4:  # more data arrives between kills
            for folder in folders[:10]:
                extra = [("m0", 1.5, 1000 + i) for i in range(50)]
                append_points(folder, extra)
                expected_count += 50
                expected_sum += 75.0
        proc = subprocess.Popen(
            [sys.executable, "-c", INGEST, str(db), str(runs_root)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "start"
        # Let 0-3 batches commit first, so some kills land mid-ingest however busy the
        # machine is, then kill at a random moment of the next batch.
        for _ in range(rng.randint(0, 3)):
            if proc.stdout.readline().strip() != "batch":
                break
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        committed.append(
            rows(Catalog(db), "SELECT count(*) FROM metric_points")[0][0] if db.exists() else 0
        )
        if attempt >= 7 and kills >= 3 and any(0 < c < expected_count for c in committed):
            break
    assert kills >= 3
    assert any(0 < c < expected_count for c in committed)  # some kills landed mid-ingest
    cat = Catalog(db)
    ingest_paths(cat, [runs_root])  # the roots may not be committed yet if every run was killed
    assert rows(cat, "SELECT count(*), sum(value) FROM metric_points") == [
        (expected_count, pytest.approx(expected_sum))
    ]
    assert rows(cat, "SELECT sum(count) FROM metric_summary") == [(expected_count,)]
    assert rows(cat, "SELECT count(*) FROM runs") == [(60,)]
    assert rows(cat, "SELECT count(*) FROM params") == [(60,)]
    assert ingest_roots(cat).points == 0
