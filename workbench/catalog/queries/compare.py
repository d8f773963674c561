"""Runs side by side: compare_values (typed values, for display) and compare_runs (its text frame).

Rows are the runs' id, project and status, then params, latest metrics (with the best run
for each) and tags; a value a run lacks is None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.catalog.queries.columns import (
    COMPARE_BEST_COLUMN,
    COMPARE_KEY_COLUMNS,
    COMPARE_SECTIONS,
)
from workbench.catalog.queries.common import (
    Rows,
    RunRef,
    Source,
    fetch_all,
    metric_direction,
    open_source,
    resolve_refs,
    typed_param,
)
from workbench.catalog.run_status import STATUS_SQL
from workbench.errors import WorkbenchError
from workbench.formatting import format_exact

if TYPE_CHECKING:
    import polars as pl

#: The fields of the "run" section, in row order.
RUN_ROWS = ("id", "project", "status")


@dataclass(frozen=True)
class ComparedRow:
    """One (section, key): each run's value in the order of Comparison.labels (None when a
    run lacks it) and, for a metric, the label of the best run."""

    section: str  # "run", "param", "metric" or "tag"
    key: str
    values: tuple[Any, ...]
    best: str | None = None


@dataclass(frozen=True)
class Comparison:
    """Compared runs (ids and unique column labels, in the order asked) and their rows."""

    run_ids: list[str]
    labels: list[str]
    rows: list[ComparedRow]

    @property
    def columns(self) -> list[str]:
        """section, key, one column per run label, best."""
        return [*COMPARE_KEY_COLUMNS, *self.labels, COMPARE_BEST_COLUMN]

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts over `columns`, values as logged (for display)."""
        return [
            dict(zip(self.columns, (row.section, row.key, *row.values, row.best), strict=True))
            for row in self.rows
        ]

    def exact_rows(self) -> Rows:
        """The rows over `columns`, values as exact text (for scripts), as plain rows."""
        data = [
            (row.section, row.key, *(format_exact(v) for v in row.values), row.best)
            for row in self.rows
        ]
        return Rows(self.columns, data)

    def to_frame(self) -> pl.DataFrame:
        """The rows as a frame of text over `columns` (values as exact text, for scripts)."""
        import polars as pl

        schema = {name: pl.Utf8 for name in self.columns}
        return pl.DataFrame(self.exact_rows().rows, schema=schema, orient="row")


def _run_labels(runs: list[RunRef]) -> list[str]:
    """Column names for compared runs: the run name, made unique with the id when needed."""
    reserved = {*COMPARE_KEY_COLUMNS, COMPARE_BEST_COLUMN}
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.name] = counts.get(run.name, 0) + 1
    labels: list[str] = []
    for run in runs:
        label = run.name
        if counts[label] > 1 or label in reserved or not label:
            label = f"{run.name} ({run.id[:8]})"
        while label in labels:
            label = f"{label}'"
        labels.append(label)
    return labels


def _read_values(source: Source, refs: list[str]) -> tuple[list[RunRef], list[tuple[Any, ...]]]:
    """The runs, and (section, key, run_key, value) for everything compared about them."""
    with open_source(source) as con:
        runs = resolve_refs(con, refs)
        pk = {"keys": [r.run_key for r in runs]}
        base = fetch_all(
            con,
            f"SELECT r.run_key, r.run_id, r.project, {STATUS_SQL} FROM runs r"
            " WHERE list_contains($keys, r.run_key)",
            pk,
        )
        params = fetch_all(
            con,
            "SELECT run_key, key, value_text, value_num, value_type FROM params"
            " WHERE list_contains($keys, run_key)",
            pk,
        )
        metrics = fetch_all(
            con,
            "SELECT run_key, key, last_value FROM metric_summary WHERE list_contains($keys, run_key)",
            pk,
        )
        tags = fetch_all(
            con, "SELECT run_key, key, value FROM tags WHERE list_contains($keys, run_key)", pk
        )
    values: list[tuple[Any, ...]] = []
    for run_key, run_id, project, status in base:
        values += [("run", "id", run_key, run_id), ("run", "project", run_key, project)]
        values.append(("run", "status", run_key, status))
    values += [("param", k, rk, typed_param(t, n, kind)) for rk, k, t, n, kind in params]
    values += [("metric", k, rk, v) for rk, k, v in metrics]
    values += [("tag", k, rk, v) for rk, k, v in tags]
    return runs, values


def compare_values(cat: Source, refs: list[str], only_diff: bool = False) -> Comparison:
    """Runs side by side with their values as logged (numbers stay numbers).

    `best` of a metric row is the label of the best run (lower is better for loss, error,
    mse... keys, else higher). `only_diff` keeps rows whose values are not all equal (a
    missing value counts as different); the run rows always stay.
    """
    if len(refs) < 1:
        raise WorkbenchError("a comparison needs at least one run")
    runs, values = _read_values(cat, refs)
    labels = _run_labels(runs)
    label_of = {run.run_key: label for run, label in zip(runs, labels, strict=True)}
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for section, key, run_key, value in values:
        table.setdefault((section, key), {})[label_of[run_key]] = value

    def order(item: tuple[str, str]) -> tuple[int, int, str]:
        section, key = item
        within = RUN_ROWS.index(key) if section == "run" else 0
        return COMPARE_SECTIONS.index(section), within, key

    rows = []
    for section, key in sorted(table, key=order):
        by_label = table[(section, key)]
        row = tuple(by_label.get(label) for label in labels)
        if only_diff and section != "run" and len({format_exact(v) for v in row}) <= 1:
            continue
        best = _best_label(key, by_label, labels) if section == "metric" else None
        rows.append(ComparedRow(section, key, row, best))
    return Comparison([r.id for r in runs], labels, rows)


def compare_runs(cat: Source, refs: list[str], only_diff: bool = False) -> pl.DataFrame:
    """compare_values as a frame of text: section, key, one column per run (named after the
    run; values as exact text) and `best` (see compare_values)."""
    return compare_values(cat, refs, only_diff).to_frame()


def _best_label(key: str, values: dict[str, Any], labels: list[str]) -> str | None:
    candidates = [
        (value, label)
        for label in labels
        if isinstance(value := values.get(label), (int, float)) and math.isfinite(value)
    ]
    if len(candidates) < 1:
        return None
    pick = min if metric_direction(key) == "min" else max
    return pick(candidates, key=lambda item: item[0])[1]
