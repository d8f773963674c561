"""The dataset catalog: versions by content, locations, scans, missing and corrupt files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _dataset_files import age, run_with_data

from workbench.catalog.connection import Catalog
from workbench.datasets.scan import scan_paths
from workbench.datasets.versions import dataset_versions, get_version, list_datasets
from workbench.errors import NotFoundError
from workbench.ingest import ingest_paths
from workbench.tracking.run import start_run


@pytest.fixture
def cat(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog.duckdb")


def test_same_bytes_under_two_paths_are_one_version_and_a_changed_byte_is_another(
    tmp_path: Path, runs_root: Path, cat: Catalog
) -> None:
    first = tmp_path / "a" / "train.csv"
    first.parent.mkdir()
    first.write_text("x,y\n1,2\n3,4\n")
    copy = tmp_path / "b" / "train.csv"
    copy.parent.mkdir()
    shutil.copy(first, copy)
    with start_run(root=runs_root, name="one") as run:
        run.log_dataset(first, name="train")
    with start_run(root=runs_root, name="two") as run:
        run.log_dataset(copy, name="train")
        run.log_dataset(copy, name="also-train", role="eval")
    ingest_paths(cat, [runs_root])
    versions = dataset_versions(cat, "train")
    assert [v.version for v in versions] == [1]
    version = get_version(cat, "train@1")
    assert sorted(loc.path for loc in version.locations) == sorted([str(first), str(copy)])
    assert {u.run_name for u in version.runs} == {"one", "two"}
    assert get_version(cat, "also-train").fingerprint == version.fingerprint

    copy.write_text("x,y\n1,2\n3,5\n")  # one byte changed
    with start_run(root=runs_root, name="three") as run:
        run.log_dataset(copy, name="train")
    ingest_paths(cat, [runs_root])
    assert [v.version for v in dataset_versions(cat, "train")] == [1, 2]
    latest = get_version(cat, "train@latest")
    assert latest.version == 2 and latest.latest == 2
    assert [u.run_name for u in latest.runs] == ["three"]
    assert get_version(cat, "train").fingerprint != version.fingerprint
    listing = list_datasets(cat).to_dicts()
    train = next(row for row in listing if row["name"] == "train")
    assert (train["versions"], train["latest"], train["rows"], train["runs"]) == (2, 2, 2, 3)


def test_relative_paths_resolve_against_the_run_folder(runs_root: Path, cat: Catalog) -> None:
    folder = run_with_data(
        runs_root, "r1",
        [{"name": "inside", "path": "data/in.csv", "sha256": "a" * 64, "size": 3},
         {"name": "escape", "path": "../../outside.csv", "sha256": "b" * 64, "size": 3}],
    )  # fmt: skip
    (folder / "data").mkdir()
    (folder / "data" / "in.csv").write_text("a\n")
    ingest_paths(cat, [runs_root])
    inside = get_version(cat, "inside")
    assert [(loc.path, loc.exists) for loc in inside.locations] == [
        (str(folder / "data" / "in.csv"), True)
    ]
    assert get_version(cat, "escape").locations == []  # refused: it leaves the run folder


def test_missing_file_is_shown_missing_with_its_fingerprint_kept(
    tmp_path: Path, cat: Catalog
) -> None:
    data = tmp_path / "gone.csv"
    data.write_text("a\n1\n")
    scan_paths(cat, [data])
    before = get_version(cat, "gone")
    data.unlink()
    after = get_version(cat, "gone")
    assert after.fingerprint == before.fingerprint
    assert [loc.exists for loc in after.locations] == [False]
    with pytest.raises(Exception, match="no file of gone@1 is left"):
        after.readable_path()


def test_scan_registers_every_format_and_reports_bad_files(tmp_path: Path, cat: Catalog, frame) -> None:
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    frame.write_parquet(data / "raw" / "train.parquet")
    frame.write_ipc(data / "t.feather")
    frame.write_ndjson(data / "events.jsonl")
    frame.drop("[red]x[/]").write_csv(data / "raw" / "train.csv")
    frame.drop("[red]x[/]").write_csv(data / "tab.tsv", separator="\t")
    parts = data / "sales"
    (parts / "year=2024").mkdir(parents=True)
    (parts / "year=2025").mkdir()
    frame.write_parquet(parts / "year=2024" / "0.parquet")
    frame.write_parquet(parts / "year=2025" / "0.parquet")
    (data / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    (data / "notes.txt").write_text("not data")
    (data / ".hidden.csv").write_text("a\n1\n")
    report = scan_paths(cat, [data])
    names = sorted(f.name for f in report.files)
    assert names == ["events", "raw/train.csv", "raw/train.parquet", "sales", "t", "tab"]
    assert report.new_versions == 6
    assert len(report.errors) == 1
    path, message = report.errors[0]
    assert path.endswith("broken.parquet") and "broken.parquet cannot be read as parquet" in message
    rows = {f.path.rsplit("/", 1)[-1]: f.rows for f in report.files}
    assert rows == {"train.parquet": 5, "t.feather": 5, "events.jsonl": 5, "train.csv": 5,
                    "tab.tsv": 5, "sales": 10}
    sales = get_version(cat, "sales")
    assert (sales.files, sales.rows, sales.format) == (2, 10, "parquet")
    again = scan_paths(cat, [data])
    assert again.new_versions == 0  # nothing changed: no new version


def test_scan_of_a_missing_path_or_unknown_file(tmp_path: Path, cat: Catalog) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        scan_paths(cat, [tmp_path / "nope"])
    odd = tmp_path / "x.bin"
    odd.write_bytes(b"\x00")
    report = scan_paths(cat, [odd])
    assert report.files == [] and "x.bin is not a data file" in report.errors[0][1]


def test_unknown_names_and_versions_are_one_sentence(tmp_path: Path, cat: Catalog) -> None:
    data = tmp_path / "train.csv"
    data.write_text("a\n1\n")
    age(data)
    scan_paths(cat, [data])
    with pytest.raises(NotFoundError, match="no dataset is named 'trai'; did you mean 'train'"):
        get_version(cat, "trai")
    with pytest.raises(NotFoundError, match="has versions 1 to 1, not 4"):
        get_version(cat, "train@4")
    with pytest.raises(NotFoundError, match="must be a number"):
        get_version(cat, "train@x")


def test_catalog_from_before_datasets_migrates_and_links_logged_datasets(
    tmp_path: Path, runs_root: Path
) -> None:
    import duckdb

    from workbench.catalog import schema

    run_with_data(runs_root, "old", [{"name": "legacy", "path": "/x.csv", "sha256": "c" * 64}])
    path = tmp_path / "old.duckdb"
    cat = Catalog(path)
    ingest_paths(cat, [runs_root])
    con = duckdb.connect(str(path))  # make it a version 1 catalog again
    for table in ("dataset_contents", "datasets", "dataset_versions", "dataset_locations",
                  "dataset_profiles", "dataset_profile_columns", "dataset_errors"):
        con.execute(f"DROP TABLE {table}")
    con.execute("DROP VIEW dataset_usage")
    con.execute("DELETE FROM schema_version WHERE version >= 2")
    con.close()
    assert schema.SCHEMA_VERSION >= 2
    version = get_version(Catalog(path), "legacy")
    assert version.version == 1 and version.fingerprint == "c" * 64
    assert (tmp_path / "old.duckdb.bak-v1").exists()
