"""`import workbench` must load only the standard library and the tracking API."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("duckdb", "polars", "pyarrow", "textual", "numpy", "pandas", "sklearn")


def test_import_workbench_loads_no_heavy_module() -> None:
    code = (
        "import json, sys, workbench; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_starting_a_run_loads_no_heavy_module(tmp_path) -> None:
    code = (
        "import json, sys, workbench as wb\n"
        f"with wb.start_run(project='p', root={str(tmp_path)!r}) as run:\n"
        "    run.log_metrics({'loss': 1.0}); run.log_params({'lr': 0.1})\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
