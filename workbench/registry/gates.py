"""Promotion gates: parsing a gate expression and judging a candidate version against it.

A gate is the runs filter language applied to the candidate's run (`metrics.auc >= 0.9`),
or `beats ALIAS on metrics.KEY [by DELTA]`, `has notes`, or `no drift`. Each gate gives
pass, fail or unavailable; promotion refuses on anything but pass unless forced.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from workbench.catalog import registry_store as store
from workbench.catalog.contract import CatalogLike
from workbench.catalog.filters import BoolOp, Not, compile_filter, parse_field_spec, parse_filter
from workbench.catalog.queries import metric_direction
from workbench.errors import FilterSyntaxError, RegistryError, WorkbenchError
from workbench.registry.state import Gate, ModelVersion, RegisteredModel

PASS, FAIL, UNAVAILABLE = "pass", "fail", "unavailable"
NO_DRIFT = "no drift"

_BEATS_RE = re.compile(
    r"^beats\s+(?P<alias>\S+)\s+on\s+(?P<field>\S+|metrics?\.\"[^\"]*\")"
    r"(?:\s+by\s+(?P<delta>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GateResult:
    """A gate's verdict on one candidate: status (pass / fail / unavailable) and why."""

    expr: str
    status: str
    detail: str

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Beats:
    """A parsed `beats ALIAS on metrics.KEY [by DELTA]` gate."""

    alias: str
    key: str
    delta: float | None


def normalise(expr: str) -> str:
    """The gate text as stored: keyword gates with single spaces, filters as typed (trimmed)."""
    text = expr.strip()
    collapsed = " ".join(text.split())
    lowered = collapsed.lower()
    if lowered in ("has notes", "no drift") or lowered.startswith("beats "):
        return collapsed
    return text


def parse_beats(expr: str) -> Beats | None:
    """The parts of a `beats` gate; None when the text is not one. Bad parts raise."""
    if not expr.lower().startswith("beats "):
        return None
    match = _BEATS_RE.match(expr)
    if not match:
        raise RegistryError(f"gate {expr!r} does not read as: beats ALIAS on metrics.KEY [by DELTA]")
    fld = parse_field_spec(match["field"])
    if fld.section != "metrics":
        raise RegistryError(f"gate {expr!r} compares {fld.label}; a beats gate compares a metric")
    delta = float(match["delta"]) if match["delta"] else None
    return Beats(match["alias"], fld.name, delta)


def check_expression(expr: str) -> str:
    """Validate a gate expression; returns it normalised, or raises naming what is wrong."""
    text = normalise(expr)
    if not text:
        raise RegistryError("a gate needs an expression")
    if text.lower() in ("has notes", "no drift"):
        return text.lower()
    if parse_beats(text) is not None:
        return text
    try:
        compile_filter(text)
    except FilterSyntaxError as exc:
        raise RegistryError(f"gate {text!r} is not a valid filter: {exc}") from None
    return text


def gate_metrics(expr: str) -> list[str]:
    """The metric keys a gate reads, in the order it names them (none for `has notes`,
    `no drift`, or text that is not a valid gate)."""
    text = normalise(expr)
    if text.lower() in ("has notes", NO_DRIFT):
        return []
    try:
        beats = parse_beats(text)
        if beats is not None:
            return [beats.key]
        nodes = [parse_filter(text)]
    except WorkbenchError:
        return []
    keys: list[str] = []
    while nodes:
        node = nodes.pop(0)
        if isinstance(node, BoolOp):
            nodes[:0] = node.items
        elif isinstance(node, Not):
            nodes.insert(0, node.item)
        elif node is not None and node.field.section == "metrics" and node.field.name not in keys:
            keys.append(node.field.name)
    return keys


def evaluate(
    cat: CatalogLike, model: RegisteredModel, candidate: ModelVersion, alias: str
) -> list[GateResult]:
    """Every gate of `model` for `alias`, judged on `candidate` (one catalog read, and a
    drift check for `no drift` unless a stored report answers it)."""
    gates = model.gates_for(alias)
    if not gates:
        return []
    results: list[GateResult | None] = []
    with cat.connect(read_only=True) as con:
        for gate in gates:
            drift = gate.expr.lower() == NO_DRIFT
            results.append(None if drift else _judge(con, model, candidate, gate))
    # `no drift` may run a check, which opens the catalog itself: after the read above
    return [r if r is not None else drift_gate_result(cat, candidate, model.name, g.expr)
            for r, g in zip(results, gates, strict=True)]  # fmt: skip


def _judge(con: object, model: RegisteredModel, candidate: ModelVersion, gate: Gate) -> GateResult:


    expr = gate.expr
    lowered = expr.lower()
    if lowered == "has notes":
        notes = store.run_notes(con, candidate.run_id) or candidate.notes
        if notes and notes.strip():
            return GateResult(expr, PASS, f"run {candidate.run_id[:8]} has notes")
        return GateResult(expr, FAIL, f"run {candidate.run_id[:8]} has no notes")
    beats = parse_beats(expr)
    if beats is not None:
        return _judge_beats(model, candidate, gate, beats)
    matched = store.run_matches_filter(con, candidate.run_id, expr)
    if matched is None:
        return GateResult(expr, UNAVAILABLE, f"run {candidate.run_id[:8]} is not in the catalog")
    return GateResult(expr, PASS if matched else FAIL,
                      f"run {candidate.run_id[:8]} {'matches' if matched else 'does not match'}")  # fmt: skip


def _judge_beats(model: RegisteredModel, candidate: ModelVersion, gate: Gate, beats: Beats) -> GateResult:
    expr = gate.expr
    holder = model.aliases.get(beats.alias)
    if holder is None:
        return GateResult(expr, PASS, f"no version holds {beats.alias} yet")
    mine = _metric(candidate, beats.key)
    if mine is None:
        return GateResult(expr, FAIL, f"v{candidate.version} has no value for {beats.key}")
    theirs = _metric(model.versions[holder], beats.key)
    if theirs is None:
        return GateResult(expr, PASS, f"v{holder} ({beats.alias}) has no value for {beats.key}")
    direction = gate.direction or metric_direction(beats.key)
    delta = beats.delta or 0.0
    if direction == "min":
        ok = mine <= theirs - delta if beats.delta is not None else mine < theirs
        word = "lower"
    else:
        ok = mine >= theirs + delta if beats.delta is not None else mine > theirs
        word = "higher"
    by = f" by {beats.delta:g}" if beats.delta is not None else ""
    verdict = "is" if ok else "is not"
    return GateResult(
        expr, PASS if ok else FAIL,
        f"{beats.key} {mine:.6g} {verdict} {word}{by} than v{holder}'s {theirs:.6g} ({beats.alias})",
    )  # fmt: skip


def _metric(version: ModelVersion, key: str) -> float | None:
    value = version.metrics.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


def drift_gate_result(
    cat: CatalogLike, version: ModelVersion, model: str | None = None, expr: str = NO_DRIFT
) -> GateResult:
    """The `no drift` gate's verdict on `version`: its training data against the latest
    production batch of `model` (default: the version's own model), by a stored report on
    exactly these two contents if there is one covering every column, else by a check run
    now (and stored). Pass on a no-drift verdict, fail on drift; "unavailable", with the
    reason, when there is no batch, no training data or no file left to read (never a pass).
    """
    from workbench.drift import refs

    name = model or version.name
    try:
        train = refs.training_data(cat, version)
        batch = refs.production_batch(cat, name)
    except WorkbenchError as exc:
        return GateResult(expr, UNAVAILABLE, str(exc))
    report, reused = _drift_report(cat, train, batch)
    if report is None:
        return GateResult(expr, UNAVAILABLE, reused)
    how = "stored report" if reused else "report"
    detail = (f"{how} {report.report_id} of {train.label} against {batch.label}: "
              f"{report.summary}")  # fmt: skip
    return GateResult(expr, FAIL if report.drift else PASS, detail)


def _drift_report(cat: CatalogLike, train: Any, batch: Any) -> tuple[Any, Any]:
    """(report, True) reused, (report, False) checked now, or (None, why) when unreadable."""
    from workbench.drift.service import check_drift, find_report

    if train.fingerprint and batch.fingerprint:
        found = find_report(cat, train.fingerprint, batch.fingerprint)
        if found is not None and _covers(found, train.data):
            return found, True
    try:
        return check_drift(cat, train.data, batch.data), False
    except WorkbenchError as exc:
        return None, f"the drift check could not run: {exc}"


def _covers(report: Any, path: Any) -> bool:
    """Whether a stored report tested every column of the training data (not a --columns subset)."""
    from workbench.drift.sources import open_source

    try:
        names = set(open_source(path).schema.names)
    except (WorkbenchError, OSError):
        return False
    return names <= {c.column for c in report.columns}
