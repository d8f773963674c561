"""Artifacts never lead out of the run folder: an artifacts/ that is itself a link out is not
listed or hashed, and a file swapped for a link (or a FIFO) after ingest is not previewed."""

from __future__ import annotations

import os
import threading

import pytest
from _runfolders import rows, write_run

from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths, ingest_roots
from workbench.tui import service


def test_artifacts_folder_linked_out_of_the_run_is_not_listed(tmp_path, runs_root):
    outside = tmp_path / "secrets"
    outside.mkdir()
    (outside / "id_rsa").write_text("private key")
    folder = write_run(runs_root, "r1")
    (folder / "artifacts").symlink_to(outside, target_is_directory=True)
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert rows(cat, "SELECT count(*) FROM artifacts") == [(0,)]
    assert [(p, m) for p, _l, m in report.error_list] == [
        (str(folder / "artifacts"), "artifacts/ leads outside the run folder; not listed")
    ]
    assert ingest_roots(cat).errors == 0  # reported once
    with pytest.raises(OSError, match="outside its run folder"):
        service.read_text_preview(folder, "id_rsa")


def test_artifact_swapped_for_a_link_after_ingest_is_not_previewed(tmp_path, runs_root):
    outside = tmp_path / "secret.txt"
    outside.write_text("private")
    folder = write_run(runs_root, "r1", artifacts={"log.txt": b"hello", "img.png": b"x"})
    cat = Catalog(tmp_path / "c.duckdb")
    ingest_paths(cat, [runs_root])
    assert service.read_text_preview(folder, "log.txt") == ("hello", False)
    for rel in ("log.txt", "img.png"):
        (folder / "artifacts" / rel).unlink()
        (folder / "artifacts" / rel).symlink_to(outside)
    with pytest.raises(OSError, match="outside its run folder"):
        service.read_text_preview(folder, "log.txt")
    assert "outside its run folder" in service.image_metadata(folder, "img.png")["error"]
    # and the next ingest drops it from the list, saying why
    report = ingest_roots(cat)
    assert rows(cat, "SELECT path FROM artifacts") == []
    assert {m for _p, _l, m in report.error_list} == {"symlink points outside the run folder"}


def test_artifact_swapped_for_a_fifo_is_not_waited_on(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", artifacts={"log.txt": b"hello"})
    ingest_paths(Catalog(tmp_path / "c.duckdb"), [runs_root])
    target = folder / "artifacts" / "log.txt"
    target.unlink()
    os.mkfifo(target)
    outcome: list[object] = []

    def preview() -> None:
        try:
            outcome.append(service.read_text_preview(folder, "log.txt"))
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=preview, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader so the test process can end
        with open(target, "wb"):
            pass
        pytest.fail("previewing a FIFO blocked")
    assert isinstance(outcome[0], OSError) and "a FIFO" in str(outcome[0])
