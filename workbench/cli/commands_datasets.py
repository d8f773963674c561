"""Dataset commands: datasets [scan], dataset show|diff|profile, lineage (thin over the services)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rich_click as click

from workbench.cli.output import (
    ONE_OBJECT,
    ByteSize,
    echo,
    emit,
    human_sizes,
    make_console,
    output_options,
    print_pairs,
    render_table,
)


def _catalog(ctx: click.Context) -> Any:
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    return Catalog(resolve_db_path((ctx.obj or {}).get("db")))


def _json_option(func: Any) -> Any:
    return click.option("--json", "fmt", flag_value="json", help=ONE_OBJECT)(func)


@click.group("datasets", invoke_without_command=True)
@output_options
@click.pass_context
def datasets(ctx: click.Context, fmt: str | None) -> None:
    """Every dataset: versions, the latest version's size and rows, how many runs used it."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.datasets.versions import list_datasets

    frame = list_datasets(_catalog(ctx))
    emit(
        frame if fmt else human_sizes(frame.iter_rows(named=True)),  # exact bytes in JSON/CSV
        fmt,
        empty="no datasets yet; log one with run.log_dataset or run `workbench datasets scan`",
    )


@datasets.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_json_option
@click.pass_context
def scan(ctx: click.Context, paths: tuple[Path, ...], fmt: str | None) -> None:
    """Register every data file under PATHS (csv, tsv, parquet, arrow/feather, jsonl; a folder
    of Parquet parts as one dataset), so data no run used is catalogued too."""
    import sys

    from workbench.datasets.scan import scan_paths

    def progress(done: int, total: int) -> None:
        if total >= 500 and sys.stderr.isatty():
            echo(f"\rscanning {done}/{total} files", err=True, nl=done == total)

    report = scan_paths(_catalog(ctx), list(paths), progress=progress)
    errors = [{"path": p, "message": m} for p, m in report.errors]
    if fmt == "json":
        emit(None, fmt, json_data={
            "files": [vars(f) for f in report.files], "new_versions": report.new_versions,
            "unchanged": report.unchanged, "errors": errors, "seconds": report.seconds,
        })  # fmt: skip
        return
    same = f" ({report.unchanged} unchanged since the last scan)" if report.unchanged else ""
    echo(
        f"{len(report.files)} data file{'s' if len(report.files) != 1 else ''} found{same}, "
        f"{report.new_versions} new version{'s' if report.new_versions != 1 else ''} "
        f"in {report.seconds:.2f} s"
    )
    for error in report.errors:
        echo(f"error: {error[1]}", err=True)


@click.group("dataset")
def dataset() -> None:
    """One dataset: show a version, diff two, profile one."""


@dataset.command("show")
@click.argument("ref", metavar="NAME[@VERSION]")
@_json_option
@click.pass_context
def show(ctx: click.Context, ref: str, fmt: str | None) -> None:
    """Schema, rows, size, fingerprint, locations and the runs that used NAME[@VERSION]
    (VERSION is a number or latest)."""
    from workbench.datasets.versions import get_version

    version = get_version(_catalog(ctx), ref)
    if fmt == "json":
        emit(None, fmt, json_data=version.to_dict())
        return
    console = make_console()
    print_pairs(
        {
            "version": f"{version.version} of {version.latest}",
            "format": version.format,
            "rows": version.rows,
            "size": None if version.size is None else ByteSize(version.size),
            "files": version.files,
            "fingerprint": version.fingerprint,
            "first seen": version.first_seen_at,
        },
        console,
        title=f"Dataset {version.ref}",
    )
    sections = [
        ("Schema", [{"column": c.name, "type": c.type} for c in version.schema]),
        ("Locations", [
            {"path": loc.path, "state": "present" if loc.exists else "missing",
             "source": loc.source, "seen": loc.seen_at}
            for loc in version.locations
        ]),
        ("Runs", [vars(u) for u in version.runs]),
    ]  # fmt: skip
    for title, rows in sections:
        if rows:
            console.print()
            render_table(rows, console, title=title)


@dataset.command("diff")
@click.argument("ref_a", metavar="NAME@A")
@click.argument("ref_b", metavar="NAME@B")
@_json_option
@click.pass_context
def diff(ctx: click.Context, ref_a: str, ref_b: str, fmt: str | None) -> None:
    """Columns added, removed and retyped, the row-count change and per-column profile
    changes (null rate, mean, distinct) between two versions."""
    from workbench.datasets.diff import diff_versions

    result = diff_versions(_catalog(ctx), ref_a, ref_b)
    if fmt == "json":
        emit(None, fmt, json_data=result.to_dict())
        return
    console = make_console()
    print_pairs(
        {"rows": f"{result.rows_a} -> {result.rows_b}", "rows change": result.rows_change},
        console,
        title=f"{result.a} -> {result.b}",
    )
    changes = [{"change": "added", "column": c.name, "type": c.type} for c in result.added]
    changes += [{"change": "removed", "column": c.name, "type": c.type} for c in result.removed]
    changes += [
        {"change": "retyped", "column": n, "type": f"{a} -> {b}"} for n, a, b in result.retyped
    ]
    console.print()
    render_table(changes, console, title="Schema", empty="same columns and types")
    if result.columns and result.profiled:
        console.print()
        render_table([vars(c) for c in result.columns], console, title="Columns")
    if result.note:
        echo(f"note: {result.note}", err=True)


@dataset.command("profile")
@click.argument("ref", metavar="NAME[@VERSION]")
@click.option("--refresh", is_flag=True,
              help="Compute the profile again even if one is stored (the app's Recompute).")
@_json_option
@click.pass_context
def profile(ctx: click.Context, ref: str, refresh: bool, fmt: str | None) -> None:
    """Per-column statistics of NAME[@VERSION]: nulls, distinct, min/max/mean/std,
    quantiles, top values, histogram (computed once per content, then stored)."""
    from workbench.datasets.profiles import profile_version

    version, result = profile_version(_catalog(ctx), ref, refresh=refresh)
    if fmt == "json":
        emit(None, fmt, json_data={"dataset": version.ref, **result.to_dict()})
        return
    rows = []
    for c in result.columns:
        q = c.quantiles or {}
        top = ", ".join(f"{v} ({n})" for v, n in (c.top or [])[:3])
        rows.append({
            "column": c.name, "type": c.dtype, "nulls": c.null_count, "null_rate": c.null_rate,
            "distinct": c.distinct_count if c.distinct_exact else f"~{c.distinct_count}",
            "min": c.min, "max": c.max, "mean": c.mean, "std": c.std, "p50": q.get("p50"),
            "top": top or None,
        })  # fmt: skip
    exactness = "exact" if result.distinct_exact else "approximate"
    title = f"{version.ref}: {result.rows} rows, distinct counts {exactness}"
    emit(rows, None, title=title)


@click.command(
    "lineage",
    short_help="Where a run, dataset, model version or drift report came from, and what came from it.",
)
@click.argument("ref")
@click.option("--up", "direction", flag_value="up", help="Only where it came from.")
@click.option("--down", "direction", flag_value="down", help="Only what came from it.")
@click.option("--registry", "registry_dir", type=click.Path(file_okay=False), default=None,
              help="Folder of the registry's event log. Default: $WORKBENCH_REGISTRY, else "
              "registry/ beside the catalog.")
@_json_option
@click.pass_context
def lineage(ctx: click.Context, ref: str, direction: str | None, registry_dir: str | None,
            fmt: str | None) -> None:  # fmt: skip
    """The graph data -> runs -> models -> production batches -> drift reports around REF:
    a run, NAME@VERSION (a dataset, else a registered model), MODEL@ALIAS, a logged model's
    name or a node id (version:NAME@N, drift:REPORT); both directions unless --up or --down."""
    from rich.text import Text
    from rich.tree import Tree

    from workbench.cli.output import printable
    from workbench.registry.lineage import lineage as build

    graph = build(_catalog(ctx), ref, direction or "both", registry_dir)
    if fmt == "json":
        emit(None, fmt, json_data=graph.to_dict())
        return

    def label(node_id: str, edge: str | None = None) -> Text:
        node = graph.nodes[node_id]
        text = Text(f"{node.kind} ", style="bold")
        text.append(printable(node.label))
        if edge:
            text.append(f"  ({printable(edge)})", style="dim")
        return text

    def grow(tree: Tree, node_id: str, down: bool, seen: set[str]) -> None:
        edges = graph.downstream(node_id) if down else graph.upstream(node_id)
        for edge in edges:
            far = edge.target if down else edge.source
            branch = tree.add(label(far, edge.label))
            if far not in seen:
                grow(branch, far, down, seen | {far})

    console = make_console()
    root = Tree(label(graph.root))
    if graph.direction in ("both", "up") and graph.upstream(graph.root):
        grow(root.add(Text("upstream (where it came from)", style="dim")), graph.root, False, {graph.root})
    if graph.direction in ("both", "down") and graph.downstream(graph.root):
        grow(root.add(Text("downstream (what came from it)", style="dim")), graph.root, True, {graph.root})
    console.print(root)
    if len(graph.nodes) == 1:
        echo("(no lineage recorded for it yet)", err=True)


COMMANDS = [datasets, dataset, lineage]
