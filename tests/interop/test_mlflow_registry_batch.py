"""Importing a large MLflow registry: one locked batch, a chain that verifies, and nothing new
written by a re-import (records built directly: the readers are tested elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.catalog.connection import Catalog
from workbench.formats import registry_log as fmt
from workbench.interop.mlflow_records import ModelVersion, RegisteredModel
from workbench.interop.mlflow_registry import import_registry
from workbench.registry import log as registry_log
from workbench.registry import versions as registry_versions
from workbench.registry.sync import event_log, verify


def _models(count: int, per_model: int, first: int = 1) -> list[RegisteredModel]:
    """`count` models of versions first..per_model, `champion` on the last, a tag each."""
    models = []
    for m in range(count):
        name = f"[red]m{m}[/]"
        versions = [
            ModelVersion(name, v, f"models:/{m}/{v}", f"{m:08x}{v:024x}", "READY")
            for v in range(first, per_model + 1)
        ]
        models.append(
            RegisteredModel(name, f"model {m}", 0, {"team": "ml"}, {"champion": per_model}, versions)
        )
    return models


@pytest.fixture
def cat(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog.duckdb")


def _count_verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by the number of lines each time the log is verified."""
    calls: list[int] = []
    real = registry_log.verify_lines

    def counting(path: Path, lines: list[str]) -> registry_log.Verification:
        calls.append(len(lines))
        return real(path, lines)

    monkeypatch.setattr(registry_log, "verify_lines", counting)
    return calls


def test_many_versions_are_one_batch_with_an_intact_chain(cat, tmp_path, monkeypatch):
    reg = tmp_path / "registry"
    calls = _count_verifications(monkeypatch)
    result = import_registry(cat, _models(3, 120), {}, "store", reg)
    assert (result.versions_added, result.aliases_moved, result.tags_set) == (360, 3, 3)
    # the log is verified once under the lock and once by the catalog's sync: not per event
    assert calls == [0, 366]
    events = event_log(cat, reg).read()
    assert [e["seq"] for e in events] == list(range(1, 367))
    prev = fmt.GENESIS
    for event in events:
        assert event["prev"] == prev and fmt.event_hash(event) == event["hash"]
        prev = event["hash"]
    assert verify(cat, reg).ok
    versions = registry_versions.list_versions(cat, "[red]m1[/]", reg)
    assert [v.version for v in versions] == list(range(120, 0, -1))
    assert versions[0].aliases == ["champion"]
    assert versions[-1].run_id == f"{1:08x}{1:024x}"


def test_a_reimport_writes_nothing_and_a_grown_registry_only_the_new(cat, tmp_path):
    reg = tmp_path / "registry"
    import_registry(cat, _models(2, 50), {}, "store", reg)
    log_file = reg / fmt.EVENTS_FILE
    before = log_file.read_bytes()
    again = import_registry(cat, _models(2, 50), {}, "store", reg)
    assert (again.versions_added, again.aliases_moved, again.tags_set) == (0, 0, 0)
    assert log_file.read_bytes() == before
    grown = import_registry(cat, _models(2, 80), {}, "store", reg)
    assert (grown.versions_added, grown.aliases_moved, grown.tags_set) == (60, 2, 0)
    assert log_file.read_bytes().startswith(before)
    assert verify(cat, reg).ok
    versions = registry_versions.list_versions(cat, "[red]m0[/]", reg)
    assert [v.version for v in versions[:2]] == [80, 79] and versions[0].aliases == ["champion"]


def test_a_failed_batch_writes_nothing_and_the_log_takes_the_next_writer(tmp_path):
    log = registry_log.EventLog(tmp_path / "registry")
    with log.locked() as locked:
        locked.append("register", "m", None, to_version=1)
    before = log.path.read_bytes()
    with pytest.raises(RuntimeError, match="stop"), log.locked() as locked, locked.batch():
        locked.append("register", "m", None, to_version=2)
        assert log.path.read_bytes() == before  # sealed, not written until the batch ends
        raise RuntimeError("stop")
    assert log.path.read_bytes() == before
    with log.locked() as locked, locked.batch():
        first = locked.append("register", "m", None, to_version=2)
        second = locked.append("promote", "m", None, alias="a", to_version=2)
        assert second["prev"] == first["hash"] and second["seq"] == 3
    assert log.verify().ok and [e["seq"] for e in log.read()] == [1, 2, 3]
