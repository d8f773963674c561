"""`workbench demo`: run the bundled sample projects, ingest them and open the app."""

from __future__ import annotations

from pathlib import Path

import rich_click as click


@click.command("demo")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the sample runs here (default: a demo folder in the per-user data folder).",
)
@click.option(
    "--db",
    "demo_db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Catalog file for the demo (default: a demo catalog, never your real one).",
)
@click.option("--no-ui", is_flag=True, help="Do not open the terminal app (for scripts and CI).")
@click.pass_context
def demo(ctx: click.Context, root: Path | None, demo_db: Path | None, no_ui: bool) -> None:
    """Run the sample projects (a small sweep), ingest the runs and open the app on them."""
    from workbench import demo as demo_mod

    db_flag = demo_db or (Path(ctx.obj["db"]) if ctx.obj.get("db") else None)

    def progress(done: int, total: int, argv: list[str], code: int) -> None:
        outcome = "ok" if code == 0 else f"exit {code}"
        script, *args = argv
        click.echo(f"  [{done:>2}/{total}] {Path(script).name} {' '.join(args)}  ({outcome})")

    click.echo("Running the sample projects…")
    result = demo_mod.run_demo(root, db_flag, progress=progress)
    click.echo("")
    click.echo(f"Run folders: {result.root}")
    for project, count, statuses in demo_mod.summarize_root(result.root):
        states = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        click.echo(f"  {project}: {count} run{'' if count == 1 else 's'} ({states})")
    click.echo(
        "Each run folder holds plain files: run.json (status, times, environment), params.json, "
        "tags.json, metrics.jsonl, requirements.txt and artifacts/; some also datasets.jsonl "
        "and models.jsonl (see docs/run-format.md)."
    )
    click.echo(result.ingest_summary or "")
    if result.registry_summary:
        click.echo(result.registry_summary)
    click.echo(f"Took {result.seconds:.1f} s.")
    click.echo("")
    click.echo(f"Try: workbench --db {result.db_path} runs --sort -metrics.val_acc --limit 5")
    if no_ui:
        return
    live = demo_mod.start_live_run(demo_mod.find_sample_projects(), result.root)
    try:
        from workbench.tui.app import run_app

        run_app(result.db_path)
    finally:
        demo_mod.stop_live_run(live)
        # The live run marked itself killed after the app's last pass: catalog that too.
        demo_mod.ingest_demo(result.root, result.db_path)


COMMANDS = [demo]
