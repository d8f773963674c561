"""log_dataset: every supported format and frame kind, rows from metadata, fingerprint cache."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from _dataset_files import age

from workbench.errors import DataChangedError, RunFormatError
from workbench.formats import fingerprint as fp
from workbench.tracking.run import start_run


def _lines(run) -> list[dict]:
    return [json.loads(x) for x in (run.path / "datasets.jsonl").read_text().splitlines()]


def test_files_of_every_format_record_rows_schema_and_hash(tmp_path: Path, runs_root: Path, frame) -> None:
    import polars as pl

    frame.write_parquet(tmp_path / "d.parquet")
    frame.write_ipc(tmp_path / "d.arrow")
    frame.write_ipc(tmp_path / "d.feather")
    frame.write_ndjson(tmp_path / "d.jsonl")
    frame.drop("[red]x[/]").write_csv(tmp_path / "d.csv")
    frame.drop("[red]x[/]").write_csv(tmp_path / "d.tsv", separator="\t")
    parts = tmp_path / "parts.parquet"
    parts.mkdir()
    frame.head(2).write_parquet(parts / "part-0.parquet")
    frame.tail(3).write_parquet(parts / "part-1.parquet")
    with start_run(root=runs_root) as run:
        for name in ("d.parquet", "d.arrow", "d.feather", "d.jsonl", "d.csv", "d.tsv",
                     "parts.parquet"):
            run.log_dataset(tmp_path / name)
    records = {Path(r["path"]).name: r for r in _lines(run)}
    for name, fmt in [("d.parquet", "parquet"), ("d.arrow", "arrow"), ("d.feather", "arrow"),
                      ("d.jsonl", "jsonl"), ("d.csv", "csv"), ("d.tsv", "tsv"),
                      ("parts.parquet", "parquet")]:
        record = records[name]
        assert record["rows"] == 5, name
        assert record["format"] == fmt
        assert record["columns"][:3] == ["x", "y", "label"]
    assert records["d.parquet"]["sha256"] == hashlib.sha256((tmp_path / "d.parquet").read_bytes()).hexdigest()
    assert {c["name"]: c["type"] for c in records["d.parquet"]["schema"]}["x"] == "int64"
    assert records["parts.parquet"]["files"] == 2
    assert records["d.csv"].get("schema") is None  # CSV metadata has no types
    assert pl.read_parquet(tmp_path / "d.parquet").equals(frame)


def test_frames_are_written_as_parquet_in_the_run_folder(runs_root: Path, frame) -> None:
    import polars as pl

    with start_run(root=runs_root) as run:
        run.log_dataset(frame, name="from-polars")
        run.log_dataset(frame.lazy(), name="from-polars")
        run.log_dataset(frame.to_arrow(), name="from-arrow", role="eval")
        run.log_dataset(frame.to_arrow().to_batches()[0], name="batch")
        with pytest.raises(RunFormatError):
            run.log_dataset(frame)  # a frame needs a name
        with pytest.raises(RunFormatError):
            run.log_dataset(object(), name="x")
    records = _lines(run)
    assert [r["path"] for r in records] == [
        "datasets/from-polars.parquet", "datasets/from-polars-2.parquet",
        "datasets/from-arrow.parquet", "datasets/batch.parquet",
    ]
    assert all(r["rows"] == 5 and r["format"] == "parquet" for r in records)
    assert pl.read_parquet(run.path / "datasets/from-arrow.parquet").equals(frame)
    assert records[2]["role"] == "eval"


def test_pandas_frame(runs_root: Path, frame) -> None:
    pd = pytest.importorskip("pandas")
    data = pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "[red]x[/]"]})
    with start_run(root=runs_root) as run:
        record = run.log_dataset(data, name="pandas")
    assert record["rows"] == 3
    assert record["columns"][:2] == ["a", "b"]


def test_unchanged_file_is_read_once(tmp_path: Path, runs_root: Path, monkeypatch) -> None:
    data = tmp_path / "big.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(1000)))
    age(data)
    reads = []
    real = fp._hash_file
    monkeypatch.setattr(fp, "_hash_file", lambda *a: reads.append(a[0]) or real(*a))
    with start_run(root=runs_root) as run:
        first = run.log_dataset(data)
        second = run.log_dataset(data, name="again")
        data.write_text("a,b\n1,2\n")  # changed: read again
        age(data, 30)
        third = run.log_dataset(data)
    assert len(reads) == 2
    assert first["sha256"] == second["sha256"] != third["sha256"]
    assert (first["rows"], second["rows"], third["rows"]) == (1000, 1000, 1)


def test_a_file_changing_while_hashed_is_reported(tmp_path: Path, runs_root: Path, monkeypatch) -> None:
    data = tmp_path / "growing.csv"
    data.write_text("a\n1\n")
    real = fp._hash_file

    def hash_while_appending(handle, *args):
        result = real(handle, *args)
        with open(data, "a") as appending:
            appending.write("2\n")
        return result

    monkeypatch.setattr(fp, "_hash_file", hash_while_appending)
    with start_run(root=runs_root) as run, pytest.raises(DataChangedError, match="growing.csv changed"):
        run.log_dataset(data)


def test_a_file_replaced_while_hashed_is_fingerprinted_as_opened(
    tmp_path: Path, runs_root: Path, monkeypatch
) -> None:
    """Parallel runs of one script write the same dataset atomically (a temporary file, then
    os.replace) and log it: a replacement between the stat and the read once raised
    DataChangedError in whichever run was hashing, and the demo's second run failed."""
    data = tmp_path / "shared.csv"
    data.write_text("a\n1\n")
    real = fp.open_binary

    def open_then_replaced(path, *args, **kwargs):
        handle = real(path, *args, **kwargs)
        fresh = tmp_path / ".shared.csv.tmp"
        fresh.write_text("a\n1\n")  # the other run's identical copy lands under the name
        os.replace(fresh, data)
        return handle

    monkeypatch.setattr(fp, "open_binary", open_then_replaced)
    with start_run(root=runs_root) as run:
        record = run.log_dataset(data)
    assert record["sha256"] == hashlib.sha256(b"a\n1\n").hexdigest()
    assert record["rows"] == 1


def test_big_file_hash_matches_hashlib(tmp_path: Path) -> None:
    data = tmp_path / "blob.bin"
    payload = bytes(range(256)) * (3 * (1 << 20) // 256 * 3 + 7)  # > the read buffer, odd tail
    data.write_bytes(payload)
    found = fp.fingerprint(data, count_lines=True)
    assert found.sha256 == hashlib.sha256(payload).hexdigest()
    assert found.size == len(payload)
    assert found.lines == payload.count(b"\n") + (payload[-1:] != b"\n")
