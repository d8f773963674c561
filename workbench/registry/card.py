"""Model cards: a Markdown page for one version from what the catalog and the log know."""

from __future__ import annotations

from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.registry.events import RegistryEvent
from workbench.registry.history import history, production_batches
from workbench.registry.sync import RegistryDir
from workbench.registry.versions import get_version


def _cell(value: Any) -> str:
    """A value in a Markdown table cell: one line, pipes escaped."""
    if value is None:
        return ""
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return " ".join(text.split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _section(title: str, body: list[str], empty: str) -> list[str]:
    return ["", f"## {title}", "", *(body or [f"_{empty}_"])]


def model_card(cat: CatalogLike, ref: str, registry: RegistryDir = None) -> str:
    """The Markdown model card of `ref` (NAME, NAME@VERSION or NAME@ALIAS)."""
    v = get_version(cat, ref, registry)
    events = history(cat, v.name, registry)
    mine = [e for e in events if v.version in (e.to_version, e.from_version)]
    passed = _gates_passed(mine, v.version)
    batches = production_batches(cat, v.name, v.version)
    lines = [
        f"# Model card: {v.name} v{v.version}",
        "",
        *_table(["field", "value"], [
            ["aliases", ", ".join(v.aliases) or "none"],
            ["flavor", v.flavor or "unknown"],
            ["registered", f"{v.registered_at} by {v.registered_by}"],
            ["run", f"{v.run_id} ({v.project}/{v.run_name})"],
            ["model file", v.path],
            ["sha256", v.sha256],
            ["libraries", ", ".join(v.libraries)],
        ]),
    ]  # fmt: skip
    if v.description:
        lines += _section("Description", [v.description], "")
    lines += _section("Data used", _table(
        ["dataset", "role", "rows", "fingerprint (sha256)", "path"],
        [[d.get("name"), d.get("role"), d.get("rows"), d.get("sha256"), d.get("path")]
         for d in v.datasets],
    ) if v.datasets else [], "the run logged no datasets")  # fmt: skip
    lines += _section("Parameters", _table(
        ["param", "value"], [[k, p] for k, p in sorted(v.params.items())]
    ) if v.params else [], "no params")  # fmt: skip
    lines += _section("Metrics", _table(
        ["metric", "value"], [[k, m] for k, m in sorted(v.metrics.items())]
    ) if v.metrics else [], "no metrics")  # fmt: skip
    lines += _section("Gates passed", _table(
        ["alias", "gate", "result", "detail"], passed
    ) if passed else [], "no gated promotion yet")  # fmt: skip
    lines += _section("Promotion history", _table(
        ["when (UTC)", "who", "what", "reason"],
        [[e.at, e.who, e.summary, e.reason] for e in reversed(mine)],
    ), "")  # fmt: skip
    lines += _section("Production data", _table(
        ["run", "dataset", "rows", "fingerprint (sha256)"],
        [[b["run_id"], b["dataset"], b["rows"], b["sha256"]] for b in batches],
    ) if batches else [], "no production batch logged for this version")  # fmt: skip
    lines += _section("Notes", [v.notes.strip()] if v.notes and v.notes.strip() else [], "none")
    return "\n".join(lines) + "\n"


def _gates_passed(events: list[RegistryEvent], version: int) -> list[list[Any]]:
    rows = []
    for event in events:
        if event.kind == "promote" and event.to_version == version:
            for gate in event.gates:
                status = gate.get("status")
                rows.append([event.alias, gate.get("expr"),
                             f"{status} (forced)" if event.forced and status != "pass" else status,
                             gate.get("detail")])  # fmt: skip
    return rows
