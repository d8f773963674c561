"""The typed results of a drift check: `DriftReport`, `ColumnDrift`, `DriftTest`, thresholds.

Every class has `to_dict()` (JSON-ready) and `DriftReport.from_dict()` reads it back, which is
how reports are stored in the catalog and exported.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

DRIFT = "drift"
SMALL = "significant but small"
STABLE = "stable"
SKIPPED = "skipped"
#: Column states from most to least severe (the order of tables and reports).
SEVERITY = {DRIFT: 0, SMALL: 1, STABLE: 2, SKIPPED: 3}


@dataclass(frozen=True)
class Thresholds:
    """When a difference counts: a false-discovery rate and the effect each test must reach.

    A test is significant when its Benjamini–Hochberg adjusted p-value is below `alpha`;
    a significant column drifts only if its effect reaches the floor of that test (so a
    huge sample does not flag a negligible shift).
    """

    alpha: float = 0.01
    wasserstein: float = 0.03  # Wasserstein distance / reference standard deviation
    ks: float = 0.02  # KS statistic (largest ECDF gap)
    psi: float = 0.02
    jensen_shannon: float = 0.03
    missing_rate: float = 0.01  # absolute change of the missing share
    classifier_auc: float = 0.60

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class DriftTest:
    """One test on one column: its statistic, raw and adjusted p-value, and its effect size."""

    name: str  # ks, chi2, missing_rate, schema
    statistic: float
    pvalue: float | None
    effect: float
    effect_name: str
    floor: float
    adjusted_pvalue: float | None = None
    method: str = ""
    significant: bool = False  # adjusted p-value below alpha (always, for a schema change)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "statistic": _num(self.statistic), "pvalue": _num(self.pvalue),
            "adjusted_pvalue": _num(self.adjusted_pvalue), "effect": _num(self.effect),
            "effect_name": self.effect_name, "floor": self.floor, "method": self.method,
            "significant": self.significant,
        }


@dataclass
class ColumnDrift:
    """The verdict on one column, the tests behind it, effect sizes and data for plots."""

    column: str
    kind: str  # numeric, categorical, or the reference's Arrow kind when skipped
    state: str  # drift, significant but small, stable, skipped
    reason: str  # one sentence: why this state
    reference_type: str = ""
    current_type: str = ""
    reference_rows: int = 0
    current_rows: int = 0
    reference_missing: float = 0.0  # share of rows missing
    current_missing: float = 0.0
    tests: list[DriftTest] = field(default_factory=list)
    effects: dict[str, float] = field(default_factory=dict)  # wasserstein, psi, ks, js, ...
    unseen: list[str] = field(default_factory=list)  # categories absent from the reference
    unseen_count: int = 0  # rows of the current holding an unseen category
    plot: dict[str, Any] = field(default_factory=dict)  # histogram / ECDF / bars, small

    @property
    def severity(self) -> tuple[int, float]:
        """Sort key: state first, then the largest effect relative to its floor (descending)."""
        ratio = max((t.effect / t.floor for t in self.tests if t.floor > 0 and _finite(t.effect)),
                    default=0.0)
        return SEVERITY.get(self.state, 9), -ratio

    @property
    def min_adjusted_pvalue(self) -> float | None:
        values = [t.adjusted_pvalue for t in self.tests if t.adjusted_pvalue is not None]
        return min(values) if values else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column, "kind": self.kind, "state": self.state, "reason": self.reason,
            "reference_type": self.reference_type, "current_type": self.current_type,
            "reference_rows": self.reference_rows, "current_rows": self.current_rows,
            "reference_missing": _num(self.reference_missing),
            "current_missing": _num(self.current_missing),
            "tests": [t.to_dict() for t in self.tests],
            "effects": {k: _num(v) for k, v in self.effects.items()},
            "unseen": list(self.unseen), "unseen_count": self.unseen_count,
            "plot": self.plot,
        }


@dataclass
class DomainClassifier:
    """The multivariate check: how well a model tells reference rows from current rows."""

    auc: float
    auc_std: float
    rows: int  # rows per side used
    top_features: list[tuple[str, float]]  # column, drop in AUROC when shuffled
    drift: bool

    def to_dict(self) -> dict[str, Any]:
        return {"auc": _num(self.auc), "auc_std": _num(self.auc_std), "rows": self.rows,
                "top_features": [[c, _num(v)] for c, v in self.top_features], "drift": self.drift}


@dataclass
class DriftReport:
    """A whole drift check: both datasets, each column's verdict and the dataset verdict."""

    report_id: str
    created_at: str  # ISO 8601 UTC
    reference: str  # label (path or NAME@VERSION)
    current: str
    reference_fingerprint: str
    current_fingerprint: str
    reference_rows: int
    current_rows: int
    drift: bool
    verdict_rule: str
    summary: str  # one line: "3 of 20 columns drifted: a, b, c"
    thresholds: Thresholds
    columns: list[ColumnDrift]
    classifier: DomainClassifier | None = None
    seconds: float = 0.0
    reference_cached: bool = False

    @property
    def drifted(self) -> list[ColumnDrift]:
        return [c for c in self.columns if c.state == DRIFT]

    def column(self, name: str) -> ColumnDrift:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id, "created_at": self.created_at,
            "reference": self.reference, "current": self.current,
            "reference_fingerprint": self.reference_fingerprint,
            "current_fingerprint": self.current_fingerprint,
            "reference_rows": self.reference_rows, "current_rows": self.current_rows,
            "drift": self.drift, "verdict_rule": self.verdict_rule, "summary": self.summary,
            "thresholds": self.thresholds.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "classifier": self.classifier.to_dict() if self.classifier else None,
            "seconds": round(self.seconds, 3), "reference_cached": self.reference_cached,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DriftReport:
        columns = []
        for c in d["columns"]:
            tests = []
            for t in c["tests"]:
                test = DriftTest(t["name"], _nan(t["statistic"]), t["pvalue"], _nan(t["effect"]),
                                 t["effect_name"], t["floor"], t["adjusted_pvalue"], t["method"],
                                 bool(t["significant"]))
                tests.append(test)
            columns.append(ColumnDrift(
                c["column"], c["kind"], c["state"], c["reason"], c["reference_type"],
                c["current_type"], c["reference_rows"], c["current_rows"],
                _nan(c["reference_missing"]), _nan(c["current_missing"]), tests,
                {k: _nan(v) for k, v in c["effects"].items()}, c["unseen"], c["unseen_count"],
                c["plot"]))
        clf = d.get("classifier")
        classifier = DomainClassifier(_nan(clf["auc"]), _nan(clf["auc_std"]), clf["rows"],
                                      [(a, _nan(b)) for a, b in clf["top_features"]],
                                      clf["drift"]) if clf else None
        return cls(d["report_id"], d["created_at"], d["reference"], d["current"],
                   d["reference_fingerprint"], d["current_fingerprint"], d["reference_rows"],
                   d["current_rows"], d["drift"], d["verdict_rule"], d["summary"],
                   Thresholds(**d["thresholds"]), columns, classifier, d.get("seconds", 0.0),
                   d.get("reference_cached", False))


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)
