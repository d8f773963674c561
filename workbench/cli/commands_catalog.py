"""Catalog read commands: runs, show, metrics, compare, sql, projects (thin over queries)."""

from __future__ import annotations

import contextlib
import math
import sys
from dataclasses import asdict
from datetime import datetime, timezone

import rich_click as click

from workbench.cli import pager
from workbench.cli.output import (
    ONE_OBJECT,
    emit,
    human_sizes,
    output_options,
    paging,
    print_pairs,
    render_table,
)
from workbench.cli.table import TextOut
from workbench.formatting import command_text, printable, without_path


def _catalog(ctx: click.Context):
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    return Catalog(resolve_db_path((ctx.obj or {}).get("db")))


def _split(values: tuple[str, ...] | None) -> list[str] | None:
    """Options given several times or comma-separated ("a,b" "c") as one list."""
    if not values:
        return None
    out: list[str] = []
    for value in values:
        out += [part.strip() for part in value.split(",") if part.strip()]
    return out or None


def _table_view(columns: list[str], sort: list[str] | None) -> list[str]:
    """The runs table's column order for people: id and name, the sorted-by columns, status,
    the latest metrics, then project, params, start time, duration and tags (as the app)."""
    from workbench.catalog.filters import parse_field_spec

    sorted_by = []
    for spec in sort or []:
        label = parse_field_spec(spec.lstrip("+-")).label
        if label in columns and label not in ("id", "name"):
            sorted_by.append(label)
    metrics = [c for c in columns if c.startswith("metrics.")]
    params = [c for c in columns if c.startswith("params.")]
    tags = [c for c in columns if c.startswith("tags.")]
    order = ["id", "name", *sorted_by]
    present, seen = set(columns), set(order)  # sets: a run may have 10,000 metric keys
    for group in (["status"], metrics, ["project"], params, ["started_at", "duration_s"], tags):
        for c in group:
            if c in present and c not in seen:
                order.append(c)
                seen.add(c)
    return order


def _short_id(value: object) -> object:
    """A long id (32 hex digits) cut to 8 characters: a unique prefix is enough to name a run."""
    return value[:8] if isinstance(value, str) and len(value) > 12 else value


#: The name column's header when it reads `project/name` (runs of several projects).
PROJECT_NAME = "project/name"


def _runs_table(rows, sort: list[str] | None, chosen: bool):
    """The runs as a person reads them: columns in _table_view order (unless chosen with
    --columns) and short ids. When the runs come from several projects, the name reads
    `project/name` (a run reference `show` takes) instead of a project column that would
    not fit beside the metrics at 80 columns."""
    from workbench.catalog.queries import Rows

    names = rows.columns if chosen else _table_view(rows.columns, sort)
    position = {name: i for i, name in enumerate(rows.columns)}
    id_at = names.index("id") if "id" in names else -1
    merge = not chosen and _several_projects(rows, names, position, sort)
    if merge:
        name_at, project_at = names.index("name"), position["project"]
        names = [PROJECT_NAME if c == "name" else c for c in names if c != "project"]
    at = [position["name" if name == PROJECT_NAME else name] for name in names]
    out = []
    for row in rows.rows:
        values = [row[i] for i in at]
        if id_at >= 0:
            values[id_at] = _short_id(values[id_at])
        if merge:
            values[name_at] = f"{row[project_at]}/{values[name_at]}"
        out.append(tuple(values))
    return Rows(names, out)


def _several_projects(rows, names: list[str], position: dict[str, int], sort) -> bool:
    """Whether the listed runs span several projects (and the table shows project and name;
    a project sorted by keeps its own column, beside the name)."""
    from workbench.catalog.filters import parse_field_spec

    if "name" not in names or "project" not in names:
        return False
    if any(parse_field_spec(spec.lstrip("+-")).label == "project" for spec in sort or []):
        return False
    at = position["project"]
    first = rows.rows[0][at] if rows.rows else None
    return any(row[at] != first for row in rows.rows)


@click.command("runs")
@click.option("--project", "-p", help="Only runs of this project.")
@click.option(
    "--filter",
    "-f",
    "filter_",
    metavar="EXPR",
    help="Only runs matching this filter, e.g. \"metrics.acc > 0.9 and params.model = 'svm'\".",
)
@click.option(
    "--sort",
    "-s",
    multiple=True,
    metavar="FIELD",
    help="Sort by a field; '-' first for descending (-metrics.acc). Repeat or comma-separate.",
)
@click.option("--limit", "-n", type=click.IntRange(min=0), help="At most this many runs.")
@click.option(
    "--search", metavar="TEXT", help="Case-insensitive text in name, id, project or tags."
)
@click.option(
    "--columns",
    "-c",
    multiple=True,
    metavar="COLS",
    help="Columns to show, e.g. name,metrics.acc,params.lr (or params / metrics / tags).",
)
@click.option(
    "--all",
    "-a",
    "all_",
    is_flag=True,
    help="Also runs deleted in the tracker they were imported from (hidden by default).",
)
@output_options
@click.pass_context
def runs(ctx, project, filter_, sort, limit, search, columns, all_, fmt):
    """List runs with their params, latest metrics and tags."""
    from workbench.catalog import queries

    cols = _split(columns)
    rows = queries.list_run_rows(
        _catalog(ctx),
        project=project,
        filter=filter_,
        sort=_split(sort),
        limit=limit,
        search=search,
        columns=cols,
        deleted=all_,
    )
    if fmt == "json":
        emit(rows, fmt, json_data=queries.runs_to_records(rows), json_is_ready=True)
    elif fmt == "csv":
        emit(rows, fmt)
    else:
        emit(_runs_table(rows, _split(sort), bool(cols)), fmt, empty="no runs match")


@click.command("show")
@click.argument("run")
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def show(ctx, run, fmt):
    """Everything about one run: params, metrics, tags, artifacts, environment, notes, errors.

    RUN is a run id, a unique id prefix, project/name, or a unique name.
    """
    from workbench.catalog import queries

    detail = queries.get_run(_catalog(ctx), run)
    if fmt == "json":
        emit(None, fmt, json_data=detail.to_dict())
        return
    if fmt == "csv":  # the flat parts: one row per param / metric / tag
        rows = [{"section": "param", "key": k, "value": v} for k, v in detail.params.items()]
        rows += [{"section": "metric", **asdict(m)} for m in detail.metrics]
        rows += [{"section": "tag", "key": k, "value": v} for k, v in detail.tags.items()]
        emit(rows, fmt)
        return
    console = TextOut()
    print_pairs(
        {
            "id": detail.id,
            "project": detail.project,
            "name": detail.name,
            "status": detail.status + (" (folder missing)" if detail.missing else ""),
            "started": detail.started_at,
            "ended": detail.ended_at,
            "duration_s": detail.duration_s,
            "path": detail.path,
        },
        console,
        title=f"Run {detail.project}/{detail.name}",
    )
    sections = [
        ("Params", [{"key": k, "value": v} for k, v in detail.params.items()]),
        ("Metrics", [asdict(m) for m in detail.metrics]),
        ("Tags", [{"key": k, "value": v} for k, v in detail.tags.items()]),
        ("Artifacts", human_sizes(asdict(a) for a in detail.artifacts)),
        ("Datasets", human_sizes(_logged_at_as_time(asdict(d)) for d in detail.datasets)),
        ("Models", human_sizes(_logged_at_as_time(asdict(m)) for m in detail.models)),
    ]
    hidden: dict[str, list[str]] = {}
    for title, rows in sections:
        if rows:
            console.line()
            hidden[title] = render_table(rows, console, title=title)
    env = {k: v for k, v in asdict(detail.environment).items() if v not in (None, "", [])}
    if "command" in env:  # as a shell line (the app shows it so too), not a JSON list
        env["command"] = command_text(env["command"])
    if env:
        console.line()
        print_pairs(env, console, title="Environment")
    if detail.notes and detail.notes.strip():
        console.line()
        console.line("Notes", "bold")
        for line in printable(detail.notes.strip("\n"), multiline=True).splitlines():
            console.line(f"  {line}".rstrip())
    if detail.errors:
        console.line()
        errors = [
            {**asdict(e), "message": without_path(e.message, e.path)} for e in detail.errors
        ]
        hidden["Ingest errors"] = render_table(errors, console, title=f"Ingest errors ({len(errors)})")
    pager.show(console.text(), paging=paging())
    _hidden_notice(hidden)


def _hidden_notice(hidden: dict[str, list[str]]) -> None:
    """Say on stderr which columns of which sections did not fit the terminal."""
    parts = [f"{title}: {', '.join(cols)}" for title, cols in hidden.items() if cols]
    if parts:
        sys.stdout.flush()  # the tables first, then the notice, when both go to one terminal
        click.echo(
            f"(columns not shown: {'; '.join(parts)}; widen the terminal or use --json or --csv)",
            err=True,
        )


def _logged_at_as_time(row: dict) -> dict:
    """`logged_at` (epoch seconds in the catalog) as a UTC time, so it reads as a date."""
    value = row.get("logged_at")
    if isinstance(value, (int, float)) and math.isfinite(value):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            moment = datetime.fromtimestamp(value, tz=timezone.utc).replace(tzinfo=None)
            row = {**row, "logged_at": moment}
    return row


@click.command("metrics")
@click.argument("run")
@click.argument("keys", nargs=-1)
@click.option(
    "--max-points",
    type=click.IntRange(min=4),
    help="Downsample each series to at most N points (keeps first, min, max of each bucket).",
)
@click.option(
    "--x",
    "x",
    type=click.Choice(["step", "time"]),
    default="step",
    show_default=True,
    help="What --max-points buckets along.",
)
@output_options
@click.pass_context
def metrics(ctx, run, keys, max_points, x, fmt):
    """Metric history of one run: every point of every metric, or of the KEYs given only."""
    from workbench.catalog import queries

    rows = queries.metric_history_rows(
        _catalog(ctx), [run], keys=list(keys) or None, max_points=max_points, x=x
    )
    if fmt in ("json", "csv"):
        emit(rows, fmt)
    else:  # one run: its id and name are the same on every row
        emit(queries.Rows(rows.columns[2:], [r[2:] for r in rows.rows]), fmt,
             empty="no metric points")


@click.command("compare")
@click.argument("runs", nargs=-1, required=True)
@click.option("--only-diff", is_flag=True, help="Only rows whose values differ between the runs.")
@output_options
@click.pass_context
def compare(ctx, runs, only_diff, fmt):
    """Runs side by side: params, latest metrics (with the best run) and tags."""
    from workbench.catalog import queries

    if len(runs) < 2:
        raise click.UsageError("give at least two runs to compare")
    comparison = queries.compare_values(_catalog(ctx), list(runs), only_diff=only_diff)
    empty = "no differences" if only_diff else "nothing to compare"
    if fmt in ("json", "csv"):  # values as exact text, for scripts
        emit(comparison.exact_rows(), fmt, empty=empty)
        return
    emit(comparison.records(), fmt, empty=empty)  # numbers formatted like everywhere


@click.command("sql")
@click.argument("statement")
@output_options
@click.pass_context
def sql(ctx, statement, fmt):
    """Run one read-only SQL statement on the catalog (see docs/cli.md for tables and views)."""
    from workbench.catalog import queries

    emit(queries.run_sql_rows(_catalog(ctx), statement), fmt, empty="no rows")


@click.command("projects")
@output_options
@click.pass_context
def projects(ctx, fmt):
    """Projects with their run counts and last activity."""
    from workbench.catalog import queries

    emit(
        queries.list_project_rows(_catalog(ctx)), fmt, empty="no projects yet; run `workbench ingest`"
    )


COMMANDS = [runs, show, metrics, compare, sql, projects]
