"""Drift over the catalog: run a check with cached reference summaries, store and read reports.

`check_drift(cat, reference, current)` is what the CLI, the app and the registry's gate call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from workbench.catalog import drift_store
from workbench.catalog.contract import CatalogLike
from workbench.drift import refs
from workbench.drift.engine import OnColumn, Progress, compare_datasets
from workbench.drift.report import DriftReport, Thresholds
from workbench.errors import NotFoundError


class CatalogSummaryCache:
    """Reference summaries and file fingerprints kept in the catalog (one short open per call)."""

    def __init__(self, cat: CatalogLike) -> None:
        self.cat = cat

    def get(self, key: str) -> bytes | None:
        with self.cat.connect(read_only=True) as con:
            return drift_store.get_summary(con, key)

    def put(self, key: str, fingerprint: str, label: str, data: bytes) -> None:
        with self.cat.connect() as con:
            drift_store.put_summary(con, key, fingerprint, label, data)

    def known_fingerprint(self, path: Path) -> str | None:
        st = path.stat()
        with self.cat.connect(read_only=True) as con:
            return drift_store.get_fingerprint(con, str(path), st.st_size, st.st_mtime_ns)

    def remember_fingerprint(self, path: Path, sha256: str) -> None:
        st = path.stat()
        with self.cat.connect() as con:
            drift_store.put_fingerprint(con, str(path), st.st_size, st.st_mtime_ns, sha256)


def resolve_dataset(cat: CatalogLike, spec: Any) -> Any:
    """What a drift check reads for `spec`: a file path or an in-memory frame.

    Accepts a path (str or os.PathLike) to a Parquet, CSV, Arrow IPC / Feather or JSON Lines
    file, resolved to an absolute path; a dataset version (`NAME@VERSION`, `NAME@latest`);
    a registered model's data (`MODEL@ALIAS:train`, `MODEL@ALIAS:production`, see
    workbench.drift.refs); or a polars / pandas DataFrame, polars LazyFrame or pyarrow Table,
    returned as it is. Raises NotFoundError, in one sentence, for a reference naming nothing.
    """
    return refs.resolve(cat, spec).data


def check_drift(
    cat: CatalogLike, reference: Any, current: Any, *, columns: list[str] | None = None,
    column_types: dict[str, str] | None = None, thresholds: Thresholds | None = None,
    classifier: bool = False, store: bool = True, progress: Progress | None = None,
    cancelled=None, on_column: OnColumn | None = None,
) -> DriftReport:
    """Compare `current` with `reference` (each a path, a frame or a reference that
    `resolve_dataset` reads), reusing the reference's cached summary; store the report."""
    ref = refs.resolve(cat, reference)
    cur = refs.resolve(cat, current)
    report = compare_datasets(
        ref.data, cur.data, columns=columns, column_types=column_types, thresholds=thresholds,
        classifier=classifier, cache=CatalogSummaryCache(cat), progress=progress,
        cancelled=cancelled, on_column=on_column,
    )
    report.reference = ref.label or report.reference
    report.current = cur.label or report.current
    if store:
        with cat.connect() as con:
            drift_store.insert_report(con, report.to_dict())
    return report


def list_reports(cat: CatalogLike, limit: int | None = None) -> pl.DataFrame:
    """Stored reports, newest first (id, when, reference, current, verdict, counts, summary)."""
    with cat.connect(read_only=True) as con:
        return drift_store.list_reports(con, limit)


def get_report(cat: CatalogLike, report: str = "latest") -> DriftReport:
    """A stored report by id, unique id prefix, or "latest"."""
    with cat.connect(read_only=True) as con:
        if report == "latest":
            found = drift_store.latest_report_id(con)
            if found is None:
                raise NotFoundError("no drift report has been stored yet")
            ids = [found]
        else:
            ids = drift_store.report_ids_like(con, report)
        if not ids:
            raise NotFoundError(f"no drift report with id {report!r}")
        if len(ids) > 1 and report not in ids:
            raise NotFoundError(f"the id prefix {report!r} names {len(ids)} reports; give more characters")
        data = drift_store.report_json(con, report if report in ids else ids[0])
    if data is None:  # deleted between the two reads
        raise NotFoundError(f"no drift report with id {report!r}")
    return DriftReport.from_dict(data)


def find_report(cat: CatalogLike, reference_fingerprint: str, current_fingerprint: str) -> DriftReport | None:
    """The newest stored report comparing exactly these two datasets (by content), or None.

    Lets a caller (the registry's gate) reuse a check instead of running it again.
    """
    with cat.connect(read_only=True) as con:
        found = drift_store.latest_report_for(con, reference_fingerprint, current_fingerprint)
        data = drift_store.report_json(con, found) if found else None
    return DriftReport.from_dict(data) if data else None
