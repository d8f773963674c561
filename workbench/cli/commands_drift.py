"""`workbench drift`: compare two datasets, show and list stored reports, export them."""

from __future__ import annotations

import sys

import rich_click as click

from workbench.cli.output import (
    ONE_OBJECT,
    echo,
    emit,
    make_console,
    output_options,
    print_pairs,
    printable,
)


def _catalog(ctx: click.Context):
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    return Catalog(resolve_db_path((ctx.find_root().obj or {}).get("db")))


class DriftGroup(click.RichGroup):
    """`workbench drift REF CUR` runs a check; `show` and `list` read stored reports."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _columns_table(report) -> list[dict]:
    rows = []
    for c in report.columns:
        e = c.effects
        rows.append({
            "column": c.column, "kind": c.kind, "state": c.state,
            "q": c.min_adjusted_pvalue,
            "effect": e.get("wasserstein_sd", e.get("jensen_shannon")),
            "psi": e.get("psi"),
            "missing": f"{c.reference_missing:.1%} -> {c.current_missing:.1%}"
            if (c.reference_missing or c.current_missing) else "",
            "reason": c.reason,
        })
    return rows


def _print_report(report, fmt: str | None) -> None:
    if fmt == "json":
        emit(None, "json", json_data=report.to_dict())
        return
    if fmt == "csv":
        emit(_columns_table(report), "csv")
        return
    console = make_console()
    print_pairs({
        "report": report.report_id,
        "reference": f"{report.reference} ({report.reference_rows:,} rows)",
        "current": f"{report.current} ({report.current_rows:,} rows)",
        "verdict": ("DRIFT: " if report.drift else "no drift: ") + report.summary,
    }, console=console)
    emit(_columns_table(report), "table", hint_hidden=False)
    if report.classifier:
        k = report.classifier
        top = ", ".join(f"{n} ({v:.3f})" for n, v in k.top_features) or "none"
        echo(f"domain classifier: AUROC {k.auc:.3f} ± {k.auc_std:.3f}; telling columns: {top}")
    for c in report.columns:
        if c.unseen and c.state != "stable":
            echo(f"unseen in {c.column}: " + ", ".join(c.unseen))
    from rich.text import Text

    console.print(Text(printable(report.verdict_rule), style="dim"))


@click.group("drift", cls=DriftGroup, invoke_without_command=False)
def drift() -> None:
    """Compare a reference and a current dataset column by column, and read stored reports.

    workbench drift REF CUR compares two datasets, each a file (Parquet, CSV, Arrow/Feather,
    JSON Lines), NAME@VERSION, or MODEL@ALIAS:train / MODEL@ALIAS:production (a model
    version's training data, its latest production batch); the report is stored in the
    catalog. workbench drift show / list read stored reports.
    """


@drift.command("check")
@click.argument("reference")
@click.argument("current")
@click.option("--columns", "columns", multiple=True, help="Only these columns (repeat or comma-separate).")
@click.option("--type", "types", multiple=True, metavar="COLUMN=KIND",
              help="Treat a column as numeric, categorical or skip it (repeatable).")
@click.option("--classifier", is_flag=True, help="Also train a domain classifier (multivariate check).")
@click.option("--fail-on-drift", is_flag=True, help="Exit with status 1 when the verdict is drift.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Also write the report to a .json, .md or .html file.")
@click.option("--no-store", is_flag=True, help="Do not keep the report in the catalog.")
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def check(ctx, reference, current, columns, types, classifier, fail_on_drift, export_path,
          no_store, fmt) -> None:
    """Compare CURRENT with REFERENCE (paths, NAME@VERSION, MODEL@ALIAS:train or
    MODEL@ALIAS:production) and print each column's verdict."""
    from workbench.drift.service import check_drift
    from workbench.errors import WorkbenchError

    kinds = {}
    for spec in types:
        name, _, kind = spec.rpartition("=")
        if not name:
            raise click.BadParameter(f"{spec!r} is not COLUMN=KIND", param_hint="--type")
        kinds[name] = kind.strip()
    chosen = [p.strip() for v in columns for p in v.split(",") if p.strip()] or None
    try:
        report = check_drift(_catalog(ctx), reference, current, columns=chosen,
                             column_types=kinds or None, classifier=classifier, store=not no_store)
    except ValueError as exc:
        if isinstance(exc, WorkbenchError):  # e.g. a dataset whose file is gone: one line, exit 1
            raise
        raise click.BadParameter(str(exc), param_hint="--type") from None
    _print_report(report, fmt)
    if export_path:
        from workbench.drift.export import export_report

        export_report(report, export_path)
        echo(f"report written to {export_path}", err=True)
    if fail_on_drift and report.drift:
        sys.stdout.flush()
        ctx.exit(1)


@drift.command("show")
@click.argument("report", default="latest")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Write the report to a .json, .md or .html file.")
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def show(ctx, report, export_path, fmt) -> None:
    """One stored report (an id, a unique id prefix, or latest)."""
    from workbench.drift.service import get_report

    found = get_report(_catalog(ctx), report)
    if export_path:
        from workbench.drift.export import export_report

        export_report(found, export_path)
        echo(f"report written to {export_path}", err=True)
        return
    _print_report(found, fmt)


@drift.command("list")
@click.option("--limit", "-n", type=int, default=None, help="At most this many reports.")
@output_options
@click.pass_context
def list_(ctx, limit, fmt) -> None:
    """Stored drift reports, newest first."""
    from workbench.drift.service import list_reports

    reports = list_reports(_catalog(ctx), limit)
    if fmt in ("json", "csv"):
        emit(reports, fmt, empty="no drift reports yet")
    else:
        emit(_reports_table(reports.to_dicts()), fmt, empty="no drift reports yet")


#: The table's columns, in the order a person reads them: which check, when, its verdict and
#: what it compared come first, where a narrow terminal still shows them.
_REPORT_COLUMNS = ("report", "created_at", "drift", "current", "reference", "drifted", "tested",
                   "seconds", "summary")


def _reports_table(reports: list[dict]) -> list[dict]:
    """Stored reports as the table shows them: a short id (a unique prefix is enough for
    `drift show`) and what was compared before the counts."""
    rows = []
    for r in reports:
        row = {**r, "report": str(r.get("report_id", ""))[:8]}
        for side in ("current", "reference"):
            row[side] = _path_tail(row.get(side))
        rows.append({name: row.get(name) for name in _REPORT_COLUMNS})
    return rows


def _path_tail(value: object, width: int = 40) -> object:
    """A long file path cut at its start (…/data/batch.parquet), where the table would cut
    its file name; other values as they are."""
    if not isinstance(value, str) or len(value) <= width or not value.startswith("/"):
        return value
    return "…" + value[-(width - 1):]


COMMANDS = [drift]
