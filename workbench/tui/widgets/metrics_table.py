"""The detail screen's metrics table: one row per metric key, drawn only where it is seen.

A fastdatatable over Arrow, so a run with 10,000 metric keys costs what a screenful costs
(a Rich table in a scrolled Static laid out every row, minutes for such a run).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from rich.text import Text
from textual_fastdatatable import ArrowBackend, DataTable

from workbench.formatting import format_number, printable
from workbench.tui.service import MetricSummary

#: Column labels; every column but the first holds numbers, shown right-aligned.
LABELS = ("metric", "latest", "min", "max", "step", "points")
EMPTY = "no metrics logged"


def metrics_arrow(metrics: Sequence[MetricSummary]) -> pa.Table:
    """The table's rows as text: keys literal (control characters escaped), numbers formatted
    as everywhere and padded on the left so they line up on the right. No metrics: one row
    that says so."""
    if not metrics:
        return pa.table({label: [EMPTY if i == 0 else ""] for i, label in enumerate(LABELS)})
    columns: list[list[str]] = [[printable(m.key) for m in metrics]]
    for values in (
        [m.last for m in metrics],
        [m.min for m in metrics],
        [m.max for m in metrics],
        [m.last_step for m in metrics],
        [m.count for m in metrics],
    ):
        texts = [format_number(v) for v in values]
        label = LABELS[len(columns)]  # padded to the header too, so the numbers end under it
        width = max((len(t) for t in texts), default=0)
        columns.append([t.rjust(max(width, len(label))) for t in texts])
    return pa.table({label: pa.array(col, pa.string()) for label, col in zip(LABELS, columns, strict=True)})


def column_labels() -> list[Text]:
    """The headers: the metric's on the left, the numbers' on the right, over their values."""
    return [Text(label, justify="left" if i == 0 else "right") for i, label in enumerate(LABELS)]


class MetricsTable(DataTable):
    """The metrics of one run, virtual: only the rows on screen are rendered."""

    DEFAULT_CSS = """
    MetricsTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(
            backend=ArrowBackend(metrics_arrow([])),
            column_labels=column_labels(),
            render_markup=False,
            cursor_type="row",
            zebra_stripes=True,
            fixed_columns=1,
            show_row_labels=False,
            max_column_content_width=40,
            id=id,
        )

    def show_metrics(self, metrics: Sequence[MetricSummary]) -> None:
        """Replace the rows, keeping the cursor's row where there still is one."""
        row = self.cursor_row
        backend = ArrowBackend(metrics_arrow(metrics))
        backend.render_markup = False
        self.backend = backend
        self._column_labels = column_labels()
        self._column_widths = None
        self._ordered_columns = None
        self._update_count += 1
        self._clear_caches()
        self._require_update_dimensions = True
        self._update_dimensions([])
        self._require_update_dimensions = False
        self.move_cursor(row=min(max(row, 0), max(len(metrics) - 1, 0)), animate=False)
        self.refresh()

    def row_texts(self) -> list[list[str]]:
        """Every row as displayed strings, stripped (for tests)."""
        return [[str(v).strip() for v in self.get_row_at(r)] for r in range(self.row_count)]
