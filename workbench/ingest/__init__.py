"""Ingest: find run folders under roots, read them incrementally into the catalog, watch them."""

from __future__ import annotations

from workbench.ingest.ingester import IngestReport, ingest_paths, ingest_roots

__all__ = ["IngestReport", "ingest_paths", "ingest_roots"]
