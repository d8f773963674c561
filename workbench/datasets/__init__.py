"""Datasets: a catalog of data by content (names, versions, locations), profiles and lineage.

Services take a `CatalogLike` first and return dataclasses or polars frames; the SQL lives in
`workbench/catalog/datasets_store.py` and `workbench/catalog/lineage_store.py`.
"""
