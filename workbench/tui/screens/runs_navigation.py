"""Where the runs screen leads: a run's detail, a comparison of the marked runs, and the
other screens (models, SQL, datasets, lineage, drift), each opened on the screen stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.tui.keys import keys_for

if TYPE_CHECKING:
    from workbench.tui.runs_view import ViewState
    from workbench.tui.widgets.runs_table import RunsTable


class RunsNavigation:
    """The runs screen's actions that open another screen (mixed into RunsScreen)."""

    if TYPE_CHECKING:
        catalog: object
        state: ViewState
        table: RunsTable

    def action_open_detail(self) -> None:
        run_id = self.table.current_run_id
        if run_id is None:
            return
        from workbench.tui.screens.detail import RunDetailScreen

        self.app.push_screen(RunDetailScreen(self.catalog, run_id))

    def marked_in_order(self) -> list[str]:
        return [rid for rid in self.table.row_ids if rid in self.state.marked] + sorted(
            self.state.marked - set(self.table.row_ids)
        )

    def action_compare(self) -> None:
        run_ids = self.marked_in_order()
        if len(run_ids) < 2:
            mark, compare = keys_for(self.BINDINGS, "toggle_mark"), keys_for(self.BINDINGS, "compare")
            self.notify(f"Mark at least two runs with {mark}, then press {compare}.",
                        severity="warning", markup=False)
            return
        from workbench.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(self.catalog, run_ids))

    def action_models(self) -> None:
        from workbench.tui.screens.models import ModelsScreen

        self.app.push_screen(ModelsScreen(self.catalog))

    def action_sql(self) -> None:
        from workbench.tui.screens.sql import SqlScreen

        self.app.push_screen(SqlScreen(self.catalog))

    def action_datasets(self) -> None:
        from workbench.tui.screens.datasets import DatasetsScreen

        self.app.push_screen(DatasetsScreen(self.catalog))

    def action_lineage(self) -> None:
        run_id = self.table.current_run_id
        if run_id is not None:
            from workbench.tui.screens.lineage import LineageScreen

            self.app.push_screen(LineageScreen(self.catalog, f"run:{run_id}"))

    def action_drift(self) -> None:
        from workbench.tui.screens.drift import DriftScreen

        self.app.push_screen(DriftScreen(self.catalog))
