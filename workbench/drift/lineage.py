"""Drift reports as nodes of the lineage graph: `drift:REPORT_ID`, downstream of both
datasets it compared and of the model version whose production batch was the current data.

Importing this module registers them with `workbench.datasets.lineage` (the registry's
lineage does); it imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

from workbench.catalog import lineage_store
from workbench.datasets import lineage as graph
from workbench.errors import NotFoundError

#: The kind of a drift report's node: `drift:<report id>`.
REPORT_KIND = "drift"


def report_node(con: Any, key: str) -> str:
    """`drift:<id>` of a stored report named by its id, a unique id prefix or 'latest'."""
    key = key.strip() or "latest"
    ids = lineage_store.report_key(con, key)
    if not ids:
        raise NotFoundError(
            "no drift report has been stored yet" if key == "latest"
            else f"no drift report has an id starting {key!r}"
        )
    if len(ids) > 1 and key not in ids:
        raise NotFoundError(f"the id prefix {key!r} names {len(ids)} drift reports; give more characters")
    return f"{REPORT_KIND}:{key if key in ids else ids[0]}"


graph.add_edge_source(lineage_store.drift_report_edges)
graph.add_node_resolver(REPORT_KIND, report_node)
