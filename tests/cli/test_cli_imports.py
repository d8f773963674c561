"""The read commands start fast: they import no polars, pyarrow, numpy, pandas or Textual.

Each command runs as a fresh process (as a person runs it), then lists the heavy modules it
loaded. DuckDB produces the rows; JSON, CSV and the table are written from them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from _catalog_data import sample_catalog

HEAVY = ("polars", "pyarrow", "numpy", "pandas", "textual")

READ_COMMANDS = [
    ["runs"],
    ["runs", "--json"],
    ["runs", "--csv"],
    ["runs", "--filter", "metrics.acc > 0.5", "--sort", "-metrics.acc", "--limit", "2"],
    ["runs", "-c", "name,params", "--json"],
    ["show", "aaaa1111"],
    ["show", "aaaa1111", "--json"],
    ["show", "aaaa1111", "--csv"],
    ["metrics", "aaaa1111"],
    ["metrics", "aaaa1111", "acc", "--json"],
    ["metrics", "aaaa1111", "--max-points", "4", "--csv"],
    ["compare", "aaaa1111", "bbbb3333"],
    ["compare", "aaaa1111", "bbbb3333", "--json"],
    ["projects"],
    ["projects", "--json"],
    ["sql", "SELECT run_id, name FROM runs_view"],
    ["sql", "SELECT run_id, name FROM runs_view", "--csv"],
    ["doctor"],
    ["doctor", "--json"],
]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return str(sample_catalog(tmp_path_factory.mktemp("imports")).path)


def _duckdb_binding_imports_pandas() -> bool:
    """DuckDB 1.4.0 itself imports numpy, pandas and pyarrow when a query binds a parameter
    (later releases do not); on such a DuckDB the read commands cannot stay light."""
    probe = ("import sys, duckdb\n"
             "duckdb.connect().execute('SELECT ?', [1]).fetchall()\n"
             "print('pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


@pytest.mark.skipif(_duckdb_binding_imports_pandas(),
                    reason="this DuckDB imports pandas whenever a query binds a parameter")
@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_read_command_imports_no_dataframe_library(db: str, args: list[str]) -> None:
    code = (
        "import json, sys\n"
        "from workbench.cli.main import main\n"
        "sys.stdout = open('/dev/null', 'w')\n"
        f"code = main(['--db', {db!r}, *{args!r}])\n"
        "sys.stdout = sys.__stdout__\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(json.dumps([code, heavy]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    code, heavy = json.loads(out.stdout.splitlines()[-1])
    assert code == 0, out.stderr
    assert heavy == [], f"{' '.join(args)} imported {heavy}"


def test_the_check_sees_a_heavy_import(db: str) -> None:
    """The same check fails for a command that does need Arrow (the SQL console's table)."""
    code = (
        "import sys\n"
        "from workbench.catalog.connection import Catalog\n"
        "from workbench.catalog.queries import run_sql\n"
        f"run_sql(Catalog({db!r}), 'SELECT 1')\n"
        "print('pyarrow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
