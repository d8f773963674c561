"""`workbench import csv`: Lightning folders, Keras files and generic CSVs become runs; importing
again adds only new points; watched roots pick up Lightning folders; bad input is one sentence."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from _csv_logs import keras_file, lightning_folder
from click.testing import CliRunner

from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.errors import RunFormatError
from workbench.formats.csv_logs import parse_hparams
from workbench.ingest import ingest_paths
from workbench.interop.csv_loggers import import_csv


def run_cli(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": "200"})


def history(cat: Catalog) -> list[tuple]:
    with cat.connect(read_only=True) as con:
        return con.execute(
            "SELECT r.project, r.name, m.key, m.step, m.value FROM metric_points m"
            " JOIN runs r USING (run_key) ORDER BY r.name, m.key, m.step, m.value").fetchall()


def test_a_lightning_folder_becomes_a_run_with_params_and_sparse_metrics(tmp_path: Path) -> None:
    lightning_folder(tmp_path / "logs")
    db = tmp_path / "cat.duckdb"
    result = run_cli(db, "import", "csv", str(tmp_path / "logs"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["kind"] for r in report["runs"]] == ["lightning"]
    cat = Catalog(db)
    runs = queries.runs_to_records(queries.list_runs(cat))
    assert len(runs) == 1
    run = runs[0]
    assert (run["project"], run["name"], run["status"]) == ("lightning_logs", "version_0", "finished")
    assert run["params"] == {
        "lr": 0.001, "batch_size": 32, "model.name": "[red]x[/]", "model.layers": "[64, 32]",
        "model.head.units": 10, "optimizer": "adam", "use_amp": False,
    }  # model.dropout is null: a null param is not listed
    assert run["tags"]["imported.from"] == "lightning"
    # empty cells are not points; the step column is the step; epoch is kept as a metric
    points = [p for p in history(cat) if p[2] != "epoch"]
    assert points == [
        ("lightning_logs", "version_0", "train_loss", 49, 0.9),
        ("lightning_logs", "version_0", "train_loss", 99, 0.7),
        ("lightning_logs", "version_0", "val_acc", 49, 0.5),
        ("lightning_logs", "version_0", "val_acc", 99, 0.75),
        ("lightning_logs", "version_0", "val_loss", 49, 0.8),
        ("lightning_logs", "version_0", "val_loss", 99, 0.6),
    ]


def test_importing_again_adds_only_the_new_rows(tmp_path: Path) -> None:
    folder = lightning_folder(tmp_path / "logs")
    cat = Catalog(tmp_path / "cat.duckdb")
    first = import_csv(cat, tmp_path / "logs")
    assert first.ingest.runs_new == 1
    again = import_csv(cat, tmp_path / "logs")
    assert again.ingest.points == 0 and not again.ingest.changed
    before = len(history(cat))
    with open(folder / "metrics.csv", "a") as fh:  # training went on
        fh.write("2,149,0.5,,\n")
    third = import_csv(cat, folder)
    assert third.ingest.runs_new == 0 and third.ingest.points == 2  # epoch and train_loss
    assert len(history(cat)) == before + 2
    assert len(queries.list_runs(cat)) == 1


def test_a_rewritten_log_is_read_afresh_not_twice(tmp_path: Path) -> None:
    folder = lightning_folder(tmp_path / "logs")
    cat = Catalog(tmp_path / "cat.duckdb")
    import_csv(cat, folder)
    (folder / "metrics.csv").write_text("epoch,step,train_loss\n0,10,0.25\n")
    import_csv(cat, folder)
    assert [p for p in history(cat) if p[2] == "train_loss"] == [
        ("lightning_logs", "version_0", "train_loss", 10, 0.25)]


def test_keras_and_generic_csv_files(tmp_path: Path) -> None:
    keras = keras_file(tmp_path)
    generic = tmp_path / "sweep.csv"
    generic.write_text("iteration,loss,note_free_metric\n0,1.5,2\n10,1.25,NaN\n20,1.0,\n")
    cat = Catalog(tmp_path / "cat.duckdb")
    import_csv(cat, keras, project="kp")
    import_csv(cat, generic)
    runs = {r["name"]: r for r in queries.runs_to_records(queries.list_runs(cat))}
    assert runs["training"]["project"] == "kp"
    assert runs["training"]["tags"]["imported.from"] == "keras"
    assert runs["sweep"]["tags"]["imported.from"] == "csv"
    keras_points = [p for p in history(cat) if p[1] == "training"]
    assert {p[2] for p in keras_points} == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert [p[3] for p in keras_points if p[2] == "loss"] == [0, 1, 2]  # the epoch is the step
    sweep = [p for p in history(cat) if p[1] == "sweep"]
    assert [(p[2], p[3]) for p in sweep if p[2] == "loss"] == [("loss", 0), ("loss", 10), ("loss", 20)]
    nan = [p[4] for p in sweep if p[2] == "note_free_metric"]
    assert nan[0] == 2 and math.isnan(nan[1]) and len(nan) == 2


def test_a_watched_root_picks_up_lightning_folders_when_they_appear(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    cat = Catalog(tmp_path / "cat.duckdb")
    ingest_paths(cat, [logs])  # the root is known; nothing in it yet
    assert len(queries.list_runs(cat)) == 0
    lightning_folder(logs, name="exp", version=0)
    lightning_folder(logs, name="exp", version=1)
    report = ingest_paths(cat, [logs])  # what the watcher runs on a change
    assert report.runs_new == 2
    runs = queries.list_runs(cat).sort("name")
    assert runs["project"].to_list() == ["exp", "exp"]
    assert runs["name"].to_list() == ["version_0", "version_1"]
    # `import csv` of the same folder is the same run, not a second one
    import_csv(cat, logs / "exp" / "version_0")
    assert len(queries.list_runs(cat)) == 2
    again = ingest_paths(cat, [logs])
    assert again.runs_new == 0 and not again.changed


def test_cells_that_do_not_parse_are_reported_and_the_rest_imported(tmp_path: Path) -> None:
    lightning_folder(tmp_path / "logs", rows=["0,49,0.9,,", "0,oops,0.8,,", "1,99,x,,0.5"])
    result = run_cli(tmp_path / "cat.duckdb", "import", "csv", str(tmp_path / "logs"))
    assert result.exit_code == 0, result.output
    assert "metrics.csv:3: step 'oops' is not a whole number >= 0" in result.stderr
    assert "metrics.csv:4: 'train_loss' is not a number: 'x'" in result.stderr
    points = history(Catalog(tmp_path / "cat.duckdb"))
    assert ("lightning_logs", "version_0", "val_acc", 99, 0.5) in points


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("setup", "message"), [
    (lambda p: p / "missing", "no such file or folder"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no Lightning CSVLogger folder"),
    (lambda p: _file(p / "e.csv", b""), "has no header line"),
    (lambda p: _file(p / "n.csv", b"loss,acc\n1,2\n"), "has no step column"),
    (lambda p: _file(p / "d.csv", b"step,a,a\n1,2,3\n"), "the column 'a' twice"),
    (lambda p: _file(p / "b.csv", b"step,a\n\xff\xfe,1\n"), "is not UTF-8"),
    (lambda p: lightning_folder(p, hparams="lr: 0.1\n  - nope: [\n\tx\n"),
     "hparams.yaml, line 2: a list item where a key was expected"),
    (lambda p: lightning_folder(p, hparams="lr: 0.1\n  x: 1\n"),
     "hparams.yaml, line 2: unexpected indentation"),
])
def test_bad_input_is_one_sentence(tmp_path: Path, setup, message: str) -> None:
    path = setup(tmp_path)
    result = run_cli(tmp_path / "cat.duckdb", "import", "csv", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_one_bad_log_in_a_folder_does_not_stop_the_others(tmp_path: Path) -> None:
    lightning_folder(tmp_path / "logs", version=0)
    lightning_folder(tmp_path / "logs", version=1, hparams="a: 1\nb c\n")
    cat = Catalog(tmp_path / "cat.duckdb")
    result = import_csv(cat, tmp_path / "logs")
    assert [r.name for r in result.runs] == ["version_0"]
    assert "hparams.yaml, line 2" in result.problems[0][2]


def test_names_with_markup_print_literally(tmp_path: Path) -> None:
    keras = keras_file(tmp_path, name="[red]x.csv")
    result = run_cli(tmp_path / "cat.duckdb", "import", "csv", str(keras), "--project", "[b]p[/b]")
    assert result.exit_code == 0, result.output
    assert "[red]x" in result.stdout and "[b]p[/b]" in result.stdout


def test_hparams_parser_reads_what_lightning_writes_and_constructs_nothing() -> None:
    text = (
        "# saved by Lightning\n"
        "lr: 1.0e-3\n"
        "name: \"run \\\"a\\\"\"\n"
        "quoted: 'it''s'\n"
        "layers:\n- 64\n- 32\n"
        "nested:\n  a:\n    b: 1\n  c: ~\n"
        "flow: {x: 1, y: two}\n"
        "obj: !!python/object:argparse.Namespace\n"
        "empty:\n"
        "inf: .inf\n"
        "url: http://host:8080/x  # a comment\n"
    )
    params = parse_hparams(text)
    assert params["lr"] == 0.001 and params["name"] == 'run "a"' and params["quoted"] == "it's"
    assert params["layers"] == "[64, 32]"
    assert params["nested.a.b"] == 1 and params["nested.c"] is None
    assert params["flow.x"] == 1 and params["flow.y"] == "two"
    assert params["obj"] == "!!python/object:argparse.Namespace"
    assert params["empty"] is None and params["inf"] == math.inf
    assert params["url"] == "http://host:8080/x"
    with pytest.raises(RunFormatError, match="line 1"):
        parse_hparams("just words\n")


def test_a_running_watcher_imports_a_lightning_folder_as_it_appears_and_grows(tmp_path: Path) -> None:
    import time

    from workbench.ingest.watch import RootWatcher

    logs = tmp_path / "logs"
    logs.mkdir()
    cat = Catalog(tmp_path / "cat.duckdb")
    ingest_paths(cat, [logs])

    def points() -> int:
        return len(history(cat))

    def wait(predicate, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "the watcher did not pick the log up"
            time.sleep(0.05)

    with RootWatcher(cat, [str(logs)], poll=True, interval=0.1):
        folder = lightning_folder(logs, name="exp")
        wait(lambda: points() == 10)  # 4 rows: epoch twice per row plus 6 metric cells
        with open(folder / "metrics.csv", "a") as fh:  # the trainer logs another step
            fh.write("2,149,0.5,,\n")
        wait(lambda: points() == 12)
    assert queries.list_runs(cat)["name"].to_list() == ["version_0"]


def test_a_keras_log_with_another_separator_and_a_wall_time_column(tmp_path: Path) -> None:
    log = tmp_path / "log.tsv.csv"
    log.write_text("epoch;loss;time\n0;0.9;1700000000.5\n1;0.7;1700000060.5\n")
    cat = Catalog(tmp_path / "cat.duckdb")
    import_csv(cat, log)
    with cat.connect(read_only=True) as con:
        rows = con.execute("SELECT key, step, value, ts FROM metric_points ORDER BY step").fetchall()
    assert rows == [("loss", 0, 0.9, 1700000000.5), ("loss", 1, 0.7, 1700000060.5)]
    run = queries.runs_to_records(queries.list_runs(cat))[0]
    assert run["tags"]["imported.from"] == "keras"
