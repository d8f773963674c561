"""How the runs table is laid out: the sort (by key or by header), the columns shown and
the grouping, the last two chosen in the pickers (screens/pickers.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.tui.runs_view import optional_columns, sortable_columns, visible_columns

if TYPE_CHECKING:
    import polars as pl

    from workbench.tui.runs_view import ViewState


class RunsColumns:
    """The runs screen's sort, column and group actions (mixed into RunsScreen); each
    changes the view state and repaints from the frame in memory."""

    if TYPE_CHECKING:
        frame: pl.DataFrame | None
        state: ViewState

        def render_runs(self) -> None: ...

    def sort_by(self, column: str) -> None:
        if column == self.state.sort:
            self.state.descending = not self.state.descending
        else:
            self.state.sort = column
            self.state.descending = column in ("started_at", "duration_s", "ended_at")
        self.render_runs()

    def action_cycle_sort(self) -> None:
        if self.frame is None:
            return
        columns = sortable_columns(self.frame, self.state)
        if not columns:
            return
        try:
            nxt = columns[(columns.index(self.state.sort) + 1) % len(columns)]
        except ValueError:
            nxt = columns[0]
        self.sort_by(nxt)

    def action_flip_sort(self) -> None:
        self.state.descending = not self.state.descending
        self.render_runs()

    def action_choose_columns(self) -> None:
        if self.frame is None:
            return
        from workbench.tui.screens.pickers import ColumnsScreen

        columns = [c for c in optional_columns(self.frame) if c != "name"]
        shown = set(visible_columns(self.frame, self.state))
        hidden = {c for c in columns if c not in shown}

        def apply(result: set[str] | None) -> None:
            if result is None:
                return
            self.state.hidden = set(result)
            self.state.hidden_chosen = True
            self.render_runs()

        self.app.push_screen(ColumnsScreen(columns, hidden), apply)

    def action_group_by(self) -> None:
        if self.frame is None:
            return
        from workbench.tui.screens.pickers import GroupScreen

        params = [c for c in self.frame.columns if c.startswith(("params.", "tags."))]

        def apply(result: str | None) -> None:
            if result is None:
                return
            self.state.group_by = result or None
            self.render_runs()

        self.app.push_screen(GroupScreen(params, self.state.group_by), apply)
