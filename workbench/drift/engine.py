"""The drift engine: compare a reference and a current dataset and return a `DriftReport`.

`compare_datasets(reference, current)` streams each input once (the reference twice, or not
at all when its summary is cached), tests every column, adjusts all p-values together with
Benjamini–Hochberg, applies the effect-size floors and writes the dataset verdict.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from workbench.drift import compare as cmp
from workbench.drift import stats
from workbench.drift.columns import CATEGORICAL, NUMERIC, SKIP, UNSUPPORTED, column_kinds
from workbench.drift.report import (
    DRIFT,
    SEVERITY,
    SMALL,
    STABLE,
    ColumnDrift,
    DriftReport,
    DriftTest,
    Thresholds,
)
from workbench.drift.sources import Source, open_source
from workbench.drift.summary import SAMPLE_ROWS, ReferenceSummary, summarize
from workbench.errors import WorkbenchError


class DriftCancelled(WorkbenchError):
    """The drift check was cancelled before it finished."""


class SummaryCache(Protocol):
    """Where reference summaries are kept between checks, keyed by fingerprint and column kinds."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, fingerprint: str, label: str, data: bytes) -> None: ...


#: progress(phase, rows_read): phase is "reference", "current" or "tests".
Progress = Callable[[str, int], None]


def compare_datasets(
    reference: Any, current: Any, *, columns: list[str] | None = None,
    column_types: dict[str, str] | None = None, thresholds: Thresholds | None = None,
    classifier: bool = False, cache: SummaryCache | None = None,
    progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
    reference_label: str | None = None, current_label: str | None = None,
) -> DriftReport:
    """Compare `current` with `reference` (file paths or frames), column by column."""
    started = time.perf_counter()
    t = thresholds or Thresholds()
    ref_src = open_source(reference, reference_label)
    cur_src = open_source(current, current_label)
    ref_kinds = column_kinds(ref_src.schema, column_types)
    cur_kinds = column_kinds(cur_src.schema, column_types)
    names = _selected(ref_kinds, cur_kinds, columns)
    for src in (ref_src, cur_src):
        _recall_fingerprint(src, cache)
        src.start_fingerprint()

    def step(phase: str) -> Callable[[int], None]:
        def report(rows: int) -> None:
            if cancelled is not None and cancelled():
                raise DriftCancelled("The drift check was cancelled.")
            if progress is not None:
                progress(phase, rows)
        return report

    testable = {c: ref_kinds[c] for c in names if c in ref_kinds and ref_kinds[c] in (NUMERIC, CATEGORICAL)}
    sample = SAMPLE_ROWS if classifier else 0  # the row sample only feeds the classifier
    ref_sum, cached = _reference_summary(ref_src, testable, cache, step("reference"), sample)
    shared = {c: k for c, k in testable.items() if cur_kinds.get(c) == k}
    cur_sum = summarize(cur_src, shared, progress=step("current"), sample_rows=sample)
    step("tests")(cur_sum.rows)

    results = [_column(c, ref_src, cur_src, ref_kinds, cur_kinds, ref_sum, cur_sum, t) for c in names]
    _adjust(results, t)
    results.sort(key=lambda c: c.severity)
    domain = None
    if classifier:
        from workbench.drift.classifier import domain_classifier

        domain = domain_classifier(ref_sum.sample, cur_sum.sample,
                                   [c.column for c in results if c.kind in (NUMERIC, CATEGORICAL)
                                    and c.state != "skipped"], t)
    for src in (ref_src, cur_src):
        _remember_fingerprint(src, cache)
    return _report(ref_src, cur_src, ref_sum, cur_sum, results, domain, t, cached,
                   time.perf_counter() - started)


def _recall_fingerprint(src: Source, cache) -> None:
    """Reuse a file's SHA-256 the cache remembers for its current size and modification time."""
    if src.path is not None and hasattr(cache, "known_fingerprint"):
        known = cache.known_fingerprint(src.path)
        if known:
            src._fingerprint = known
            src.fingerprint_recalled = True


def _remember_fingerprint(src: Source, cache) -> None:
    if src.path is not None and not src.fingerprint_recalled and hasattr(cache, "remember_fingerprint"):
        cache.remember_fingerprint(src.path, src.fingerprint())


def summary_key(fingerprint: str, kinds: dict[str, str]) -> str:
    """Cache key of a reference summary: the data's fingerprint and the columns' kinds."""
    import hashlib
    import json

    spec = json.dumps(sorted(kinds.items()), separators=(",", ":"))
    return f"{fingerprint}:{hashlib.sha256(spec.encode()).hexdigest()[:16]}"


def _reference_summary(src: Source, kinds: dict[str, str], cache: SummaryCache | None,
                       progress, sample_rows: int) -> tuple[ReferenceSummary, bool]:
    if cache is not None:
        key = summary_key(src.fingerprint(), kinds) + (":sample" if sample_rows else "")
        data = cache.get(key)
        if data is not None:
            summary = ReferenceSummary.from_bytes(data)
            summary.label = src.label
            return summary, True
    summary = summarize(src, kinds, progress=progress, sample_rows=sample_rows)
    summary.fingerprint = src.fingerprint() if (cache is not None or src.path) else ""
    if cache is not None:
        cache.put(key, summary.fingerprint, src.label, summary.to_bytes())
    return summary, False


def _selected(ref_kinds: dict[str, str], cur_kinds: dict[str, str], columns: list[str] | None) -> list[str]:
    if columns:
        unknown = [c for c in columns if c not in ref_kinds and c not in cur_kinds]
        if unknown:
            from workbench.errors import NotFoundError

            raise NotFoundError(f"No column named {unknown[0]!r} in either dataset.")
        return list(dict.fromkeys(columns))
    return list(ref_kinds) + [c for c in cur_kinds if c not in ref_kinds]


def _column(name: str, ref_src: Source, cur_src: Source, ref_kinds, cur_kinds,
            ref_sum: ReferenceSummary, cur_sum: ReferenceSummary, t: Thresholds) -> ColumnDrift:
    """The tests of one column (raw p-values), or the reason it is skipped or a schema change."""
    rk, ck = ref_kinds.get(name), cur_kinds.get(name)
    rtype = str(ref_src.schema.field(name).type) if rk else ""
    ctype = str(cur_src.schema.field(name).type) if ck else ""
    if rk == SKIP or ck == SKIP:
        col = cmp.skipped(name, rk or ck, "skipped on request")
    elif rk is None or ck is None:
        where = "the current data" if ck is None else "the reference"
        col = ColumnDrift(name, rk or ck, DRIFT, f"schema change: the column is missing from {where}")
        col.tests.append(DriftTest("schema", 1.0, None, 1.0, "schema change", 0.0, method="schema",
                                   significant=True))
    elif rk == UNSUPPORTED:
        col = cmp.skipped(name, rk, f"unsupported type {rtype} (neither numeric nor categorical)")
    elif rk != ck:
        col = ColumnDrift(name, rk, DRIFT, f"schema change: type {rtype} became {ctype}")
        col.tests.append(DriftTest("schema", 1.0, None, 1.0, "schema change", 0.0, method="schema",
                                   significant=True))
    else:
        col = _tested(name, rk, rtype, ref_sum, cur_sum, t)
    col.reference_type, col.current_type = rtype, ctype
    return col


def _tested(name: str, kind: str, rtype: str, ref_sum: ReferenceSummary, cur_sum: ReferenceSummary,
            t: Thresholds) -> ColumnDrift:
    col = ColumnDrift(name, kind, STABLE, "")
    if kind == NUMERIC:
        ref_n, cur_n = ref_sum.numeric[name], cur_sum.numeric[name]
        reason = cmp.skip_reason_numeric(name, ref_n, cur_n, rtype.startswith(("int", "uint")))
        if not reason:
            cmp.compare_numeric(col, ref_n, cur_n, t)
        rows = ref_n.rows, cur_n.rows
    else:
        ref_c, cur_c = ref_sum.categorical[name], cur_sum.categorical[name]
        reason = cmp.skip_reason_categorical(ref_c, cur_c)
        if not reason:
            cmp.compare_categorical(col, ref_c, cur_c, t)
        rows = ref_c.rows, cur_c.rows
    if reason:
        col = cmp.skipped(name, kind, reason)
    col.reference_rows, col.current_rows = rows
    return col


def _adjust(results: list[ColumnDrift], t: Thresholds) -> None:
    """Benjamini–Hochberg over every test with a p-value, then each column's state and reason."""
    tests = [(x, x.pvalue) for c in results for x in c.tests if x.pvalue is not None]
    adjusted = stats.benjamini_hochberg([p for _, p in tests])
    for (x, _), q in zip(tests, adjusted, strict=True):
        x.adjusted_pvalue = q
        x.significant = q < t.alpha
    for c in results:
        if c.state not in (STABLE,):
            continue
        big = [x for x in c.tests if x.significant and _reaches(x, c, t)]
        small = [x for x in c.tests if x.significant]
        c.state = DRIFT if big else SMALL if small else STABLE
        c.reason = _reason(c, big or small, t)


def _reaches(x: DriftTest, c: ColumnDrift, t: Thresholds) -> bool:
    """A significant test drifts when its effect reaches its floor (PSI counts for numeric)."""
    if x.effect >= x.floor:
        return True
    return x.name == "ks" and c.effects.get("psi", 0.0) >= t.psi


def _reason(c: ColumnDrift, tests: list[DriftTest], t: Thresholds) -> str:
    if not tests:
        q = c.min_adjusted_pvalue
        return "no significant difference" + (f" (smallest adjusted p = {q:.3g})" if q is not None else "")
    parts = []
    for x in tests:
        if x.name == "missing_rate":
            parts.append(f"missing share {c.reference_missing:.1%} -> {c.current_missing:.1%}")
        elif x.name == "ks":
            parts.append(f"KS {x.statistic:.3f} (q = {x.adjusted_pvalue:.2g}), Wasserstein "
                         f"{x.effect:.3f} sd, PSI {c.effects.get('psi', 0):.3f}")
        else:
            levels = int(c.effects.get("unseen_levels", len(c.unseen)))
            unseen = f", {levels:,} unseen categor{'y' if levels == 1 else 'ies'}" if c.unseen_count else ""
            parts.append(f"chi-square q = {x.adjusted_pvalue:.2g}, Jensen-Shannon {x.effect:.3f}{unseen}")
    prefix = "" if c.state == DRIFT else "below the effect floor: "
    return prefix + "; ".join(parts)


def verdict_rule(t: Thresholds, n_tests: int, classifier: bool) -> str:
    rule = (f"The dataset drifts when at least one column is in state 'drift': a schema change, or "
            f"a test significant at false-discovery rate {t.alpha:g} (Benjamini-Hochberg over all "
            f"{n_tests} tests) whose effect reaches its floor (Wasserstein >= {t.wasserstein:g} "
            f"reference sd or PSI >= {t.psi:g}; Jensen-Shannon >= {t.jensen_shannon:g}; missing "
            f"share change >= {t.missing_rate:g}).")
    if classifier:
        rule += f" It also drifts when the domain classifier's AUROC is >= {t.classifier_auc:g}."
    return rule


def _report(ref_src: Source, cur_src: Source, ref_sum: ReferenceSummary, cur_sum: ReferenceSummary,
            results: list[ColumnDrift], domain, t: Thresholds, cached: bool, seconds: float) -> DriftReport:
    drifted = [c.column for c in results if c.state == DRIFT]
    tested = [c for c in results if c.state != "skipped"]
    n_tests = sum(1 for c in results for x in c.tests if x.pvalue is not None)
    drift = bool(drifted) or bool(domain and domain.drift)
    shown = ", ".join(drifted[:8]) + (", ..." if len(drifted) > 8 else "")
    summary = (f"{len(drifted)} of {len(tested)} tested columns drifted" + (f": {shown}" if drifted else "")
               + (f"; domain classifier AUROC {domain.auc:.3f}" if domain else ""))
    assert all(c.state in SEVERITY for c in results)
    return DriftReport(
        report_id=uuid.uuid4().hex[:12],
        created_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),  # orders reports made within one second
        reference=ref_src.label, current=cur_src.label,
        reference_fingerprint=ref_sum.fingerprint, current_fingerprint=cur_sum.fingerprint,
        reference_rows=ref_sum.rows, current_rows=cur_sum.rows, drift=drift,
        verdict_rule=verdict_rule(t, n_tests, domain is not None), summary=summary,
        thresholds=t, columns=results, classifier=domain, seconds=seconds, reference_cached=cached,
    )
