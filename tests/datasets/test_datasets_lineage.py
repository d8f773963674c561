"""Lineage: dataset versions -> runs -> models, walked up and down from any node."""

from __future__ import annotations

from pathlib import Path

import pytest
from _dataset_files import lineage_runs

from workbench.catalog.connection import Catalog
from workbench.datasets import lineage as lineage_module
from workbench.datasets.lineage import add_edge_source, lineage
from workbench.errors import NotFoundError
from workbench.ingest import ingest_paths


@pytest.fixture
def cat(tmp_path: Path, runs_root: Path) -> Catalog:
    lineage_runs(runs_root)
    catalog = Catalog(tmp_path / "catalog.duckdb")
    ingest_paths(catalog, [runs_root])
    return catalog


def _edges(graph) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.label) for e in graph.edges}


def test_down_from_a_dataset_reaches_runs_and_models(cat: Catalog) -> None:
    graph = lineage(cat, "raw@1", "down")
    assert graph.root == "dataset:raw@1"
    assert _edges(graph) == {
        ("dataset:raw@1", "run:prep", "train"),
        ("run:prep", "dataset:features@1", "output"),
        ("dataset:features@1", "run:train", "train"),
        ("run:train", "model:train/clf", "logged"),
    }
    assert lineage(cat, "[red]x[/]@1").downstream("dataset:[red]x[/]@1")[0].target == "run:prep"


def test_up_from_a_model_reaches_the_raw_data(cat: Catalog) -> None:
    graph = lineage(cat, "model:train/clf", "up")
    assert _edges(graph) == {
        ("run:train", "model:train/clf", "logged"),
        ("dataset:features@1", "run:train", "train"),
        ("run:prep", "dataset:features@1", "output"),
        ("dataset:raw@1", "run:prep", "train"),
        ("dataset:[red]x[/]@1", "run:prep", "train"),
    }
    # a bare model name means the most recently logged model of that name
    assert lineage(cat, "clf").root == "model:retrain/clf"


def test_both_directions_from_a_run(cat: Catalog) -> None:
    graph = lineage(cat, "train")
    assert graph.root == "run:train"
    assert graph.upstream("run:train")[0].source == "dataset:features@1"
    assert [e.target for e in graph.downstream("run:train")] == ["model:train/clf"]
    data = graph.to_dict()
    assert data["nodes"][0]["id"] == "run:train"
    assert {n["kind"] for n in data["nodes"]} == {"run", "dataset", "model"}
    assert ("run:retrain", "model:retrain/clf", "logged") not in _edges(graph)


def test_versions_are_separate_nodes(cat: Catalog) -> None:
    assert lineage(cat, "features").root == "dataset:features@2"  # latest
    graph = lineage(cat, "features@2")
    assert _edges(graph) == {
        ("dataset:features@2", "run:retrain", "train"),
        ("run:retrain", "model:retrain/clf", "logged"),
    }


def test_unknown_reference(cat: Catalog) -> None:
    with pytest.raises(NotFoundError, match="nothing in the lineage is called 'zzz'"):
        lineage(cat, "zzz")
    with pytest.raises(NotFoundError, match="has no version 9"):
        lineage(cat, "raw@9")


def test_a_new_kind_of_node_is_one_edge_source(cat: Catalog, monkeypatch) -> None:
    monkeypatch.setattr(lineage_module, "EDGE_SOURCES", list(lineage_module.EDGE_SOURCES))

    def registry_edges(con):
        return [("model", "train/clf", "clf", "registry", "clf@1", "clf v1", "registered")]

    add_edge_source(registry_edges)
    graph = lineage(cat, "raw@1", "down")
    assert ("model:train/clf", "registry:clf@1", "registered") in _edges(graph)
    assert lineage(cat, "registry:clf@1", "up").nodes["dataset:raw@1"].kind == "dataset"
