"""Export copies a version's files with a manifest and refuses a tampered source; cards."""

from __future__ import annotations

import hashlib
import json

import pytest
from _registry_env import make_env

from workbench import registry
from workbench.errors import RegistryError


@pytest.fixture
def env(tmp_path):
    data = tmp_path / "train.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    env = make_env(tmp_path, ())
    folder = tmp_path / "model-dir"
    (folder / "sub").mkdir(parents=True)
    (folder / "weights.bin").write_bytes(b"\x00\x01" * 100)
    (folder / "sub" / "config.json").write_text('{"layers": 2}')
    env.add_run(0.9, model=folder, dataset=data, notes="trained on March")
    registry.register(env.cat, env.run_ids[0], "churn", reason="first cut")
    registry.change_gate(env.cat, "churn", "metrics.auc >= 0.8", alias="champion")
    registry.promote(env.cat, "churn", 1, "champion", "ship it")
    return env


def test_export_copies_every_file_and_writes_a_manifest(env, tmp_path) -> None:
    dest = tmp_path / "out"
    result = env.cli("export", "churn@champion", str(dest))
    assert result.exit_code == 0, result.output
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["model"] == "churn" and manifest["version"] == 1
    assert manifest["flavor"] == "sklearn" and manifest["aliases"] == ["champion"]
    assert {f["path"] for f in manifest["files"]} == {"model-dir/weights.bin", "model-dir/sub/config.json"}
    for item in manifest["files"]:
        assert hashlib.sha256((dest / item["path"]).read_bytes()).hexdigest() == item["sha256"]
    assert manifest["lineage"]["datasets"][0]["name"] == "train-set"
    assert len(manifest["lineage"]["datasets"][0]["sha256"]) == 64
    assert any(line.startswith("python==") for line in manifest["libraries"])
    assert [h["what"] for h in manifest["history"]][-1] == "champion: nobody -> v1"


def test_a_tampered_source_file_is_refused_and_nothing_is_copied(env, tmp_path) -> None:
    version = registry.get_version(env.cat, "churn@1")
    weights = next(f for f in version.files if f["path"].endswith("weights.bin"))
    source = tmp_path / "runs" / "churn" / version.run_id / weights["path"]
    source.write_bytes(b"\x00\x02" * 100)
    dest = tmp_path / "out"
    result = env.cli("export", "churn@1", str(dest))
    assert result.exit_code == 1
    assert "does not match the SHA-256 recorded" in result.stderr and "weights.bin" in result.stderr
    assert not dest.exists()
    with pytest.raises(RegistryError, match="changed since"):  # registering it again is refused too
        registry.register(env.cat, env.run_ids[0], "churn")


def test_export_refuses_a_folder_that_is_not_empty(env, tmp_path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(RegistryError, match="not empty"):
        registry.export_version(env.cat, "churn@1", dest)
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


def test_the_card_says_what_the_catalog_knows(env, tmp_path) -> None:
    out = tmp_path / "card.md"
    result = env.cli("card", "churn@champion", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# Model card: churn v1\n")
    version = registry.get_version(env.cat, "churn@1")
    assert version.datasets[0]["sha256"] in text  # data used, with its fingerprint
    assert "| data | v3 |" in text and "| auc | 0.9 |" in text
    assert "| champion | metrics.auc >= 0.8 | pass |" in text
    assert "champion: nobody -> v1 | ship it |" in text
    assert "trained on March" in text and "first cut" in text


def test_versions_are_found_from_a_dataset_fingerprint(env) -> None:
    version = registry.get_version(env.cat, "churn@1")
    fingerprint = version.datasets[0]["sha256"]
    found = registry.versions_trained_on(env.cat, fingerprint)
    assert [(f["name"], f["version"], f["role"]) for f in found] == [("churn", 1, "train")]
    assert registry.versions_trained_on(env.cat, "0" * 64) == []
