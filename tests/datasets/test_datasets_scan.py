"""`datasets scan` on trees: rescans skip what is unchanged, names of files sharing a stem."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from _dataset_files import age

from workbench.catalog import datasets_store
from workbench.catalog.connection import Catalog
from workbench.datasets import scan as scan_module
from workbench.datasets.scan import scan_paths
from workbench.datasets.versions import dataset_versions, get_version, list_datasets
from workbench.errors import DataChangedError
from workbench.formats.fingerprint import fingerprint_small


@pytest.fixture
def cat(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog.duckdb")


def _tree(root: Path, count: int) -> list[Path]:
    files = []
    for i in range(count):
        path = root / f"d{i % 3}" / f"f{i:03d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"a,b\n{i},x\n{i + 1},y\n")
        age(path)
        files.append(path)
    return files


class _Reads:
    """Counts the files a scan fingerprints (small ones read whole, others through the cache)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        small, full = scan_module.fingerprint_small, scan_module.fingerprint

        def counted_small(path, stat):
            self.paths.append(str(path))
            return small(path, stat)

        def counted(path, *args, **kwargs):
            self.paths.append(str(path))
            return full(path, *args, **kwargs)

        monkeypatch.setattr(scan_module, "fingerprint_small", counted_small)
        monkeypatch.setattr(scan_module, "fingerprint", counted)


def _locations(cat: Catalog) -> list[tuple]:
    with cat.connect(read_only=True) as con:
        return con.execute(
            "SELECT fingerprint, path, size, mtime, seen_at FROM dataset_locations ORDER BY path"
        ).fetchall()


def test_a_rescan_reads_no_unchanged_file_and_only_moves_their_last_seen_time(
    tmp_path: Path, cat: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path / "data", 30)
    first = scan_paths(cat, [tmp_path / "data"])
    assert (len(first.files), first.new_versions, first.unchanged) == (30, 30, 0)
    before = _locations(cat)
    reads = _Reads(monkeypatch)
    recorded: list[int] = []
    record_scan = datasets_store.record_scan

    def spy(con, sightings, errors, unchanged=None):
        recorded.append(len(sightings["path"]))
        return record_scan(con, sightings, errors, unchanged)

    monkeypatch.setattr(datasets_store, "record_scan", spy)
    time.sleep(0.01)
    again = scan_paths(cat, [tmp_path / "data"])
    assert reads.paths == []  # not one file read again
    assert recorded == [0]  # and no sighting written again
    assert (len(again.files), again.new_versions, again.unchanged) == (30, 0, 30)
    assert {(f.name, f.rows, f.fingerprint) for f in again.files} == {
        (f.name, f.rows, f.fingerprint) for f in first.files
    }
    after = _locations(cat)
    assert [row[:4] for row in after] == [row[:4] for row in before]
    assert all(new[4] > old[4] for new, old in zip(after, before, strict=True))


def test_a_file_changed_in_place_is_read_again_even_with_the_same_size(
    tmp_path: Path, cat: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path / "data", 6)
    scan_paths(cat, [tmp_path / "data"])
    target = files[4]
    text = target.read_text()
    target.write_text(text.replace("x", "z"))  # same size, other bytes
    age(target, 30)
    reads = _Reads(monkeypatch)
    again = scan_paths(cat, [tmp_path / "data"])
    assert reads.paths == [str(target)]
    assert again.new_versions == 1 and again.unchanged == 5
    name = "d1/f004"
    versions = dataset_versions(cat, name)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].fingerprint == hashlib.sha256(target.read_bytes()).hexdigest()


def test_a_file_written_just_before_a_scan_is_read_again_at_the_next(
    tmp_path: Path, cat: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "data" / "fresh.csv"
    fresh.parent.mkdir()
    fresh.write_text("a\n1\n")  # mtime now: a write within the same tick could follow
    scan_paths(cat, [tmp_path / "data"])
    reads = _Reads(monkeypatch)
    again = scan_paths(cat, [tmp_path / "data"])
    assert reads.paths == [str(fresh)] and again.unchanged == 0


def test_known_content_found_under_a_new_name_is_not_read_but_gets_its_version(
    tmp_path: Path, cat: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path / "data", 3)
    scan_paths(cat, [tmp_path / "data"])  # named d0/f000 ...
    reads = _Reads(monkeypatch)
    again = scan_paths(cat, [tmp_path / "data" / "d0"])  # now named f000
    assert reads.paths == []
    assert [f.name for f in again.files] == ["f000"] and again.new_versions == 1
    version = get_version(cat, "f000")
    assert version.fingerprint == get_version(cat, "d0/f000").fingerprint
    assert (version.rows, [c.name for c in version.schema]) == (2, ["a", "b"])


def test_files_sharing_a_stem_are_two_datasets_named_with_their_suffix(
    tmp_path: Path, cat: Catalog, frame
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    frame.write_csv(data / "train.csv")
    frame.write_parquet(data / "train.parquet")
    frame.write_csv(data / "valid.csv")
    report = scan_paths(cat, [data])
    assert sorted(f.name for f in report.files) == ["train.csv", "train.parquet", "valid"]
    listing = {row["name"]: row for row in list_datasets(cat).to_dicts()}
    assert set(listing) == {"train.csv", "train.parquet", "valid"}
    assert listing["train.csv"]["format"] == "csv" and listing["train.csv"]["versions"] == 1
    assert listing["train.parquet"]["format"] == "parquet"
    assert listing["train.parquet"]["versions"] == 1
    # the same name when the file is scanned on its own, since its sibling still shares the stem
    alone = scan_paths(cat, [data / "train.csv"])
    assert [f.name for f in alone.files] == ["train.csv"]
    assert [f.name for f in scan_paths(cat, [data / "valid.csv"]).files] == ["valid"]


def test_small_and_large_file_paths_describe_a_file_alike(
    tmp_path: Path, cat: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "bom.csv").write_bytes("\ufeffa;x,b\r\n1,2\r\n3,4".encode())
    (data / "cr.tsv").write_bytes(b"a\tb\r1\t2\r")
    (data / "events.jsonl").write_bytes(b'\n{"k": 1, "[red]v[/]": 2}\n{"k": 3}\n')
    (data / "bad.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
    for path in data.iterdir():
        age(path)
    small = scan_paths(Catalog(tmp_path / "one.duckdb"), [data])
    monkeypatch.setattr(scan_module, "SMALL_FILE", 0)  # every file through the cached path
    large = scan_paths(Catalog(tmp_path / "two.duckdb"), [data])

    def seen(report):
        files = {(f.name, f.fingerprint, f.size, f.rows, str(f.schema)) for f in report.files}
        return files, sorted(report.errors)

    assert seen(small) == seen(large)
    files = {f.name: f for f in small.files}
    assert {name: files[name].rows for name in ("bom", "events")} == {"bom": 2, "events": 3}
    assert [c["name"] for c in files["bom"].schema] == ["\ufeffa;x", "b"]
    assert [c["name"] for c in files["cr"].schema] == ["a", "b"]
    assert [c["name"] for c in files["events"].schema] == ["k", "[red]v[/]"]
    assert [Path(p).name for p, _ in small.errors] == ["bad.csv"]  # not UTF-8


def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    stale = os.stat(path)
    path.write_text("a\n1\n2\n")
    with pytest.raises(DataChangedError, match="changed while it was being fingerprinted"):
        fingerprint_small(str(path), stale)


def test_progress_reaches_the_total_and_an_unreadable_file_is_one_sentence(
    tmp_path: Path, cat: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path / "data", 450)
    locked = files[7]
    real = scan_module.fingerprint_small

    def refuse(path, stat):
        if path == str(locked):  # as for a file without read permission (tests may run as root)
            raise PermissionError(13, "Permission denied", path)
        return real(path, stat)

    monkeypatch.setattr(scan_module, "fingerprint_small", refuse)
    calls: list[tuple[int, int]] = []
    report = scan_paths(cat, [tmp_path / "data"], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(200, 450), (400, 450), (450, 450)]
    assert len(report.files) == 449
    assert report.errors == [(str(locked), f"{locked} cannot be read: Permission denied")]
    from workbench.datasets.versions import scan_errors

    assert [e["path"] for e in scan_errors(cat)] == [str(locked)]
    monkeypatch.setattr(scan_module, "fingerprint_small", real)
    again = scan_paths(cat, [tmp_path / "data"])  # readable now: registered, its error gone
    assert (again.errors, again.new_versions, again.unchanged) == ([], 1, 449)
    assert scan_errors(cat) == []


def test_scan_command_says_what_was_unchanged_and_json_lists_every_file(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from workbench.cli.main import cli

    _tree(tmp_path / "data", 4)
    db = str(tmp_path / "c.duckdb")
    first = CliRunner().invoke(cli, ["--db", db, "datasets", "scan", str(tmp_path / "data")])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("4 data files found, 4 new versions in ")
    scan = ["--db", db, "datasets", "scan", str(tmp_path / "data")]
    again = CliRunner().invoke(cli, [*scan, "--json"])
    body = json.loads(again.stdout)
    assert (body["new_versions"], body["unchanged"], body["errors"]) == (0, 4, [])
    assert [(f["name"], f["rows"], f["unchanged"]) for f in body["files"]] == [
        ("d0/f000", 2, True), ("d0/f003", 2, True), ("d1/f001", 2, True), ("d2/f002", 2, True),
    ]
    text = CliRunner().invoke(cli, scan)
    assert text.stdout.startswith("4 data files found (4 unchanged since the last scan), 0 new")
