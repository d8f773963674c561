"""`workbench models ...`: the model registry (register, show, promote, gates, history,
rollback, verify, export, card), thin over workbench.registry."""

from __future__ import annotations

import sys
from collections.abc import Callable
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


def _when(iso: str) -> str:
    """A registry timestamp ('2026-12-02T16:54:29.230315Z') as tables show times, to the
    second, in UTC."""
    return iso[:19].replace("T", " ")


def _registry_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--registry",
        "registry_dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Folder of the registry's event log. Default: $WORKBENCH_REGISTRY, else "
        "registry/ beside the catalog.",
    )(func)


def _ctx(ctx: click.Context, registry_dir: str | None) -> tuple[Any, str | None]:
    """(catalog, registry folder) from the global --db and the nearest --registry."""
    from workbench.catalog.connection import Catalog
    from workbench.catalog.location import resolve_db_path

    root = ctx.find_root().obj or {}
    group = (ctx.parent.params if ctx.parent else {}).get("registry_dir")
    return Catalog(resolve_db_path(root.get("db"))), registry_dir or group


def _warn_if_damaged(cat: Any, registry_dir: str | None) -> None:
    from workbench import registry

    result = registry.verify(cat, registry_dir)
    if not result.ok:
        echo(f"warning: {result.summary()}; shown as last verified", err=True)


def _version_rows(versions: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for v in versions:
        row: dict[str, Any] = {"version": v.version, "aliases": ", ".join(v.aliases),
                               "run": v.run_id[:8], "flavor": v.flavor,
                               "registered_at": _when(v.registered_at)}  # fmt: skip
        for key in sorted(v.metrics)[:4]:
            row[f"metrics.{key}"] = v.metrics[key]
        rows.append(row)
    return rows


@click.group("models", invoke_without_command=True)
@_registry_option
@output_options
@click.pass_context
def models(ctx: click.Context, registry_dir: str | None, fmt: str | None) -> None:
    """The model registry: with no command, list models, their latest version and aliases."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    found = registry.list_models(cat, reg)
    _warn_if_damaged(cat, reg)
    rows = [{"name": m.name, "versions": m.versions, "latest_version": m.latest_version,
             "aliases": m.aliases} for m in found]  # fmt: skip
    if fmt == "json":
        emit(rows, fmt)
        return
    table = [{**r, "aliases": ", ".join(f"{a}=v{v}" for a, v in m.aliases.items())}
             for r, m in zip(rows, found, strict=True)]  # fmt: skip
    emit(table, fmt, empty="no models registered yet; see `workbench models register`")


@models.command("register")
@click.argument("run")
@click.argument("name")
@click.option("--model", "logged", metavar="LOGGED_NAME", help="Which logged model, if the run logged several.")
@click.option("--reason", metavar="TEXT", help="A description recorded with the version.")
@_registry_option
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def register(ctx: click.Context, run: str, name: str, logged: str | None, reason: str | None,
             registry_dir: str | None, fmt: str | None) -> None:  # fmt: skip
    """Make the next version of NAME from a model RUN logged (its files are hashed, never loaded)."""
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    version = registry.register(cat, run, name, model=logged, reason=reason, registry=reg)
    if fmt == "json":
        emit(None, fmt, json_data=version.to_dict())
    else:
        echo(f"registered {version.name} v{version.version} from run {version.run_id[:8]}"
                   f" ({len(version.files)} file{'s' if len(version.files) != 1 else ''})")  # fmt: skip


@models.command("show")
@click.argument("ref", metavar="NAME[@VERSION|@ALIAS]")
@_registry_option
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def show(ctx: click.Context, ref: str, registry_dir: str | None, fmt: str | None) -> None:
    """One version (NAME alone: the latest): run, files, hashes, flavor, metadata, params,
    metrics, datasets, aliases and production batches; then every version of the model."""
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    version = registry.get_version(cat, ref, reg)
    batches = registry.production_batches(cat, version.name, version.version)
    if fmt == "json":
        emit(None, fmt, json_data={**version.to_dict(), "production": batches})
        return
    _warn_if_damaged(cat, reg)
    console = make_console()
    print_pairs({"aliases": ", ".join(version.aliases) or "none", "flavor": version.flavor,
                 "run": f"{version.run_id} ({version.project}/{version.run_name})",
                 "path": version.path, "sha256": version.sha256,
                 "size": None if version.size is None else ByteSize(version.size),
                 "registered": f"{_when(version.registered_at)} by {version.registered_by}",
                 "description": version.description},
                console, title=f"{version.name} v{version.version}")  # fmt: skip
    for title, rows in (
        ("Metrics", [{"key": k, "value": v} for k, v in sorted(version.metrics.items())]),
        ("Params", [{"key": k, "value": v} for k, v in sorted(version.params.items())]),
        ("Datasets", version.datasets),
        ("Files", human_sizes(version.files)),
        ("Metadata", [{"key": k, "value": v} for k, v in version.metadata.items()]),
        ("Production batches", batches),
        ("Versions", _version_rows(registry.list_versions(cat, version.name, reg))),
    ):
        if rows:
            console.print()
            render_table(rows, console, title=title)


def _print_gates(results: list[Any]) -> None:
    console = make_console(file=sys.stdout)
    if results:
        render_table([{"gate": g.expr, "result": g.status, "detail": g.detail} for g in results],
                     console, title="Gates")  # fmt: skip
    else:
        console.print("no gates for this alias")


@models.command("promote")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--to", "alias", required=True, metavar="ALIAS", help="The alias to move (champion, challenger, ...).")
@click.option("--reason", metavar="TEXT",
              help="Why; recorded with the event (required, except with --check).")
@click.option("--force", is_flag=True, help="Promote even if gates fail; recorded as forced.")
@click.option("--check", is_flag=True, help="Only judge the gates and print them; change nothing.")
@_registry_option
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def promote(ctx: click.Context, name: str, version: int, alias: str, reason: str | None,
            force: bool, check: bool, registry_dir: str | None, fmt: str | None) -> None:  # fmt: skip
    """Point ALIAS at NAME VERSION after every gate passes (prints each gate's result).

    With --check: what the app's promote dialog shows, and exit 1 if a gate would refuse.
    """
    from workbench import registry
    from workbench.errors import GateFailedError

    cat, reg = _ctx(ctx, registry_dir)
    if check:
        judged = registry.check_promotion(cat, name, version, alias, reg)
        if fmt == "json":
            emit(None, fmt, json_data={"allowed": judged.allowed, "current": judged.current,
                                       "gates": [g.to_dict() for g in judged.gates]})  # fmt: skip
        else:
            _print_gates(judged.gates)
            echo("every gate passes" if judged.allowed else judged.refusal())
        ctx.exit(0 if judged.allowed else 1)
    try:
        done = registry.promote(cat, name, version, alias, reason, force=force, registry=reg)
    except GateFailedError as exc:
        if fmt == "json":
            emit(None, fmt, json_data={"promoted": False, "error": str(exc),
                                       "gates": [g.to_dict() for g in exc.results]})  # fmt: skip
        else:
            _print_gates(exc.results)
        raise
    if fmt == "json":
        emit(None, fmt, json_data={"promoted": True, "forced": done.forced,
                                   "event": done.event.to_dict(),
                                   "gates": [g.to_dict() for g in done.check.gates]})  # fmt: skip
        return
    _print_gates(done.check.gates)
    echo(f"{name} {done.event.summary}")


@models.command("alias")
@click.argument("name")
@click.option("--remove", "alias", required=True, metavar="ALIAS", help="The alias to take off.")
@click.option("--reason", required=True, metavar="TEXT", help="Why; recorded with the event.")
@_registry_option
@click.pass_context
def alias(ctx: click.Context, name: str, alias: str, reason: str, registry_dir: str | None) -> None:
    """Remove an alias from the version holding it (a rollback brings it back)."""
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    event = registry.remove_alias(cat, name, alias, reason, reg)
    echo(f"{name} {event.summary}")


@models.command("gate")
@click.argument("name")
@click.option("--to", "alias", metavar="ALIAS", help="Only promotions to this alias (default: any).")
@click.option("--add", "add", metavar="EXPR", help="Add a gate expression.")
@click.option("--remove", "remove", metavar="EXPR", help="Remove a gate expression.")
@click.option("--list", "list_", is_flag=True, help="List the gates (the default).")
@click.option("--higher-is-better", "direction", flag_value="max", default=None,
              help="For `beats` gates: a higher value of the metric is better.")
@click.option("--lower-is-better", "direction", flag_value="min", default=None,
              help="For `beats` gates: a lower value is better (default for both: from the "
              "metric's name).")
@click.option("--reason", metavar="TEXT", help="Why; recorded with the event.")
@_registry_option
@output_options
@click.pass_context
def gate(ctx: click.Context, name: str, alias: str | None, add: str | None, remove: str | None,
         list_: bool, direction: str | None, reason: str | None, registry_dir: str | None,
         fmt: str | None) -> None:  # fmt: skip
    """Gates a version must pass to be promoted: the filter language on its run
    (metrics.auc >= 0.9), `beats ALIAS on metrics.KEY [by DELTA]`, `has notes`, `no drift`."""
    from workbench import registry

    if add and remove:
        raise click.UsageError("give --add or --remove, not both")
    cat, reg = _ctx(ctx, registry_dir)
    if add or remove:
        event = registry.change_gate(cat, name, add or remove or "", remove=bool(remove),
                                     alias=alias, direction=direction, reason=reason,
                                     registry=reg)  # fmt: skip
        echo(f"{name}: {event.summary}")
        return
    gates = registry.list_gates(cat, name, reg)
    if alias:
        gates = [g for g in gates if g["alias"] in (alias, "*")]
    rows = [{"alias": "any" if g["alias"] == "*" else g["alias"], "gate": g["expr"],
             "direction": g["direction"], "added_at": g["added_at"], "added_by": g["added_by"]}
            for g in gates]  # fmt: skip
    emit(rows, fmt, empty=f"{name} has no gates")


@models.command("history")
@click.argument("name")
@_registry_option
@output_options
@click.pass_context
def history(ctx: click.Context, name: str, registry_dir: str | None, fmt: str | None) -> None:
    """Every event of a model, newest first: when, who, what and why."""
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    events = registry.history(cat, name, reg)
    if fmt == "json":
        emit(None, fmt, json_data=[e.to_dict() for e in events])
        return
    _warn_if_damaged(cat, reg)
    rows = [{"seq": e.seq, "when": e.at[:19].replace("T", " "), "what": e.summary,
             "reason": e.reason, "who": e.who} for e in events]  # fmt: skip
    emit(rows, fmt)


@models.command("rollback")
@click.argument("name")
@click.option("--alias", default="champion", show_default=True, metavar="ALIAS",
              help="The alias to move back.")
@click.option("--reason", required=True, metavar="TEXT", help="Why; recorded with the event.")
@_registry_option
@click.pass_context
def rollback(ctx: click.Context, name: str, alias: str, reason: str, registry_dir: str | None) -> None:
    """Move an alias back to the version that held it before (again: further back)."""
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    event = registry.rollback(cat, name, reason, alias=alias, registry=reg)
    echo(f"{name} {event.summary}")


@models.command("verify")
@_registry_option
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def verify(ctx: click.Context, registry_dir: str | None, fmt: str | None) -> None:
    """Check the event log's hash chain: names any event altered, removed or reordered."""
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    result = registry.verify(cat, reg)
    if fmt == "json":
        emit(None, fmt, json_data={"ok": result.ok, "path": str(result.path),
                                   "events": len(result.events),
                                   "problems": [p.__dict__ for p in result.problems]})  # fmt: skip
    elif result.ok:
        echo(result.summary())
    else:
        for problem in result.problems:
            echo(f"problem: {problem.message} (line {problem.line})", err=True)
    if not result.ok:
        ctx.exit(1)


@models.command("export")
@click.argument("ref", metavar="NAME@VERSION|NAME@ALIAS")
@click.argument("dest", type=click.Path(file_okay=False))
@_registry_option
@output_options(json_help=ONE_OBJECT)
@click.pass_context
def export(ctx: click.Context, ref: str, dest: str, registry_dir: str | None, fmt: str | None) -> None:
    """Copy a version's files to DEST with manifest.json; every hash is checked before and after."""
    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    result = registry.export_version(cat, ref, dest, reg)
    if fmt == "json":
        emit(None, fmt, json_data={"dest": str(result.dest), "manifest": str(result.manifest),
                                   "files": result.files})  # fmt: skip
        return
    echo(f"exported {result.version.name} v{result.version.version} to {result.dest}"
               f" ({len(result.files)} file{'s' if len(result.files) != 1 else ''}, hashes verified)")  # fmt: skip


@models.command("card")
@click.argument("ref", metavar="NAME@VERSION|NAME@ALIAS")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the card to FILE instead of printing it.")
@_registry_option
@click.pass_context
def card(ctx: click.Context, ref: str, output: str | None, registry_dir: str | None) -> None:
    """A Markdown model card: data used, params, metrics, gates passed, history, notes."""
    from pathlib import Path

    from workbench import registry

    cat, reg = _ctx(ctx, registry_dir)
    text = registry.model_card(cat, ref, reg)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        echo(f"wrote {output}")
    else:
        echo(text, nl=False)


COMMANDS = [models]
