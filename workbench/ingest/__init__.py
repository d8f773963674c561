"""Ingest: find run folders under roots, read them incrementally into the catalog, watch them.

The steps of a pass, in order: `discover` (find run folders), `plan` (what changed, in
batches), `batch` (one transaction: `identity` of each run, `small_files`, metrics from
`reader`, `artifacts`); `ingester` runs a pass, `roots` lists and resolves root folders,
`watch` runs passes when files change.
"""

from __future__ import annotations

from workbench.ingest.ingester import ingest_paths, ingest_roots
from workbench.ingest.report import IngestReport

__all__ = ["IngestReport", "ingest_paths", "ingest_roots"]
