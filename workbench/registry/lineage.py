"""The registry's nodes in the lineage graph: registered model versions (from their run and
the data it read) and the production batches each version made predictions for.

Importing this module adds them (and drift reports, workbench.drift.lineage) to
`workbench.datasets.lineage`; `lineage()` is the whole graph, with the registry's catalog
tables brought up to its event log first.
"""

from __future__ import annotations

import contextlib
from typing import Any

import workbench.drift.lineage  # noqa: F401 - drift reports are nodes of the graph too
from workbench.catalog import lineage_store
from workbench.catalog.contract import CatalogLike
from workbench.datasets import lineage as graph
from workbench.errors import CatalogError, NotFoundError
from workbench.registry.sync import RegistryDir, sync

#: The kind of a registered model version's node: `version:NAME@N`.
VERSION_KIND = "version"


def version_node(con: Any, key: str) -> str | None:
    """`version:NAME@N` for `NAME`, `NAME@N`, `NAME@latest` or `NAME@ALIAS`; None when no
    model of that name is registered, NotFoundError when it has no such version or alias."""
    name, sep, part = key.partition("@")
    name, part = name.strip(), part.strip()
    if not name or not lineage_store.version_key(con, name, None):
        return None
    found = lineage_store.version_key(con, name, part if sep else None)
    if found is None:
        if part.isdigit():
            raise NotFoundError(f"model {name!r} has no version {part}")
        raise NotFoundError(f"no version of model {name!r} holds the alias {part!r}")
    return f"{VERSION_KIND}:{found}"


graph.add_edge_source(lineage_store.registry_version_edges)
graph.add_edge_source(lineage_store.production_batch_edges)
graph.add_node_resolver(VERSION_KIND, version_node, bare=True)


def lineage(
    cat: CatalogLike, ref: str, direction: str = "both", registry: RegistryDir = None
) -> graph.Lineage:
    """The lineage around `ref` (a run, dataset version, logged model, `version:NAME@N` or
    `NAME@ALIAS`, `drift:REPORT`), registry versions, production batches and drift reports
    included. A catalog busy elsewhere is read as it is rather than brought up to the log."""
    with contextlib.suppress(CatalogError):
        sync(cat, registry)
    return graph.lineage(cat, ref, direction)
