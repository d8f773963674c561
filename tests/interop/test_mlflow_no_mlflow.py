"""Importing needs no MLflow: the stores are read as files and with sqlite3; meta.yaml's reader."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from workbench.interop.mlflow_meta import number, parse_meta, text


def test_import_runs_with_mlflow_unimportable(mlflow_stores, tmp_path):
    script = textwrap.dedent(
        """
        import json, sys
        sys.modules["mlflow"] = None  # any `import mlflow` now fails
        from workbench.catalog.connection import Catalog
        from workbench.interop.mlflow_import import import_mlflow
        out = {}
        for kind, uri in json.loads(sys.argv[1]).items():
            report = import_mlflow(Catalog(f"{sys.argv[2]}/{kind}/c.duckdb"), uri)
            out[kind] = [report.runs, report.registry.versions_added, len(report.problems)]
        print(json.dumps(out))
        """
    )
    uris = {kind: store["uri"] for kind, store in mlflow_stores.items()}
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(uris), str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "file": [4, 2, 0], "sqlite": [4, 2, 0]
    }  # fmt: skip


def test_meta_yaml_scalars_quotes_and_folded_lines():
    meta = parse_meta(
        "artifact_uri: file:///tmp/a b/artifacts\n"
        "experiment_id: '0'\n"
        "name: 'it''s [red]x[/]'\n"
        'note: "tab\\there"\n'
        "run_name: a very long name that yaml folded\n"
        "  onto a second line\n"
        "start_time: 1700000000000\n"
        "end_time: null\n"
        "tags: []\n"
        "aliases:\n"
        "  champion: '2'\n"
    )
    assert text(meta, "artifact_uri") == "file:///tmp/a b/artifacts"
    assert text(meta, "experiment_id") == "0"
    assert text(meta, "name") == "it's [red]x[/]"
    assert text(meta, "note") == "tab\there"
    assert text(meta, "run_name") == "a very long name that yaml folded onto a second line"
    assert number(meta, "start_time") == 1700000000000
    assert meta["end_time"] is None and meta["tags"] is None
