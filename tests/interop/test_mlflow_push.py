"""`workbench push mlflow` against a real `mlflow server` on 127.0.0.1, read back with MLflow's
client: runs, params, tags, metric histories, artifacts, versions and aliases; a second push
sends nothing, a third only the new points."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.ingest import ingest_paths
from workbench.interop.mlflow_import import import_mlflow
from workbench.interop.mlflow_push import RUN_TAG

mlflow = pytest.importorskip("mlflow")
pytestmark = pytest.mark.slow

#: A loaded machine takes a minute or more to start MLflow's server.
STARTUP_S = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    log = open(base / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--backend-store-uri", f"sqlite:///{base / 'server.db'}",
         "--artifacts-destination", str(base / "artifacts")],
        cwd=base, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"mlflow server exited: {(base / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"mlflow server did not start in {STARTUP_S} s")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _push(db: Path, url: str, *extra: str) -> dict:
    result = CliRunner().invoke(
        cli, ["--db", str(db), "push", "mlflow", "--tracking-uri", url, "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_push_copies_runs_and_is_idempotent(server, mlflow_stores, tmp_path):
    from mlflow.entities import ViewType

    db = tmp_path / "c.duckdb"
    source = mlflow_stores["sqlite"]
    report = import_mlflow(Catalog(db), source["uri"], project_prefix="team/", copy_artifacts=True)
    first = _push(db, server, "--artifacts", "--models")
    assert (first["runs"], first["runs_created"], first["problems"]) == (3, 3, [])  # not the deleted
    assert first["versions_created"] == 2 and first["aliases_set"] == 1

    client = mlflow.MlflowClient(tracking_uri=server, registry_uri=server)
    original = mlflow.MlflowClient(tracking_uri=source["uri"])
    exp = client.get_experiment_by_name("team/iris")
    pushed = {
        r.data.tags[RUN_TAG]: r
        for r in client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL)
    }
    assert set(pushed) == {source["parent"], source["child"]}
    parent = pushed[source["parent"]]
    want = original.get_run(source["parent"])
    assert parent.data.params == want.data.params
    assert parent.info.run_name == "parent" and parent.info.status == "FINISHED"
    assert parent.info.start_time == want.info.start_time
    assert parent.info.end_time == want.info.end_time
    assert parent.data.tags["stage"] == "dev" and parent.data.tags["note"] == "multi\nline"
    for key in ("loss", "acc"):
        got = sorted((m.step, m.timestamp, m.value) for m in client.get_metric_history(parent.info.run_id, key))
        assert got == sorted((m.step, m.timestamp, m.value) for m in original.get_metric_history(source["parent"], key))
    assert [a.path for a in client.list_artifacts(parent.info.run_id, "notes")] == ["notes/readme.txt"]
    assert pushed[source["child"]].data.tags["mlflow.parentRunId"] == parent.info.run_id
    model = client.get_registered_model("iris-clf")
    assert {a: int(v) for a, v in model.aliases.items()} == {"champion": 2}

    again = _push(db, server, "--artifacts", "--models")
    assert (again["runs_created"], again["runs_updated"], again["points"]) == (0, 0, 0)
    assert again["versions_created"] == again["aliases_set"] == again["artifacts"] == 0

    folder = Path(report.root) / source["experiments"]["iris"] / source["parent"]
    with open(folder / "metrics.jsonl", "a") as fh:
        fh.write('{"key":"loss","value":0.001,"step":99,"timestamp":1700000999.5}\n')
    ingest_paths(Catalog(db), [report.root])  # push sends what the catalog holds
    third = _push(db, server)
    assert (third["runs_updated"], third["points"]) == (1, 1)
    history = client.get_metric_history(parent.info.run_id, "loss")
    assert len(history) == 51 and max(m.step for m in history) == 99


def test_push_to_a_server_that_is_not_there(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    db = tmp_path / "c.duckdb"
    runs = tmp_path / "runs" / "r1"
    runs.mkdir(parents=True)
    (runs / "run.json").write_text(json.dumps({
        "format_version": 1, "id": "r1", "project": "p", "name": "n", "status": "finished",
        "started_at": "2026-01-01T00:00:00Z",
    }))  # fmt: skip
    CliRunner().invoke(cli, ["--db", str(db), "ingest", str(tmp_path / "runs")])
    url = f"http://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(cli, ["--db", str(db), "push", "mlflow", "--tracking-uri", url])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"error: the MLflow server at {url} did not answer (is it running there?)"
    )
