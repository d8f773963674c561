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
from workbench.drift.summary import SAMPLE_ROWS, ReferenceSummary, merge_summaries, scan
from workbench.errors import WorkbenchError


class DriftCancelled(WorkbenchError):
    """The drift check was cancelled before it finished."""


class SummaryCache(Protocol):
    """Where reference summaries are kept between checks, keyed by fingerprint and column kinds."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, fingerprint: str, label: str, data: bytes) -> None: ...


#: progress(phase, rows_read): phase is "reference", "current" or "tests".
Progress = Callable[[str, int], None]


#: on_column(column, done, total): a column's result as soon as its tests ran, before the
#: multiple-testing adjustment settles its final state.
OnColumn = Callable[[ColumnDrift, int, int], None]

#: Columns read per pass of a columnar source (Parquet, Arrow IPC, a frame) so results stream in.
COLUMNS_PER_PASS = 4


def compare_datasets(
    reference: Any, current: Any, *, columns: list[str] | None = None,
    column_types: dict[str, str] | None = None, thresholds: Thresholds | None = None,
    classifier: bool = False, cache: SummaryCache | None = None,
    progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
    reference_label: str | None = None, current_label: str | None = None,
    on_column: OnColumn | None = None,
) -> DriftReport:
    """Compare `current` with `reference` (file paths or frames), column by column.

    A columnar source is read a few columns per pass, so `on_column` hears each column's
    result while later ones are still being read; a CSV or JSON Lines file is read once.
    """
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
                raise DriftCancelled("the drift check was cancelled")
            if progress is not None:
                progress(phase, rows)
        return report

    testable = {c: ref_kinds[c] for c in names if c in ref_kinds and ref_kinds[c] in (NUMERIC, CATEGORICAL)}
    shared = {c: k for c, k in testable.items() if cur_kinds.get(c) == k}
    sample = SAMPLE_ROWS if classifier else 0  # the row sample only feeds the classifier
    ref_known = _cached_summary(ref_src, testable, cache, sample)
    cur_known = _cached_summary(cur_src, shared, cache, sample)
    groups = _passes(names, ref_src, cur_src, sample, ref_known, cur_known)
    results: list[ColumnDrift] = []
    ref_parts: list[ReferenceSummary] = []
    cur_parts: list[ReferenceSummary] = []
    for group in groups:
        ref_sum = ref_known or _part(ref_src, testable, group, step("reference"), sample, ref_parts)
        cur_sum = cur_known or _part(cur_src, shared, group, step("current"), sample, cur_parts)
        for c in group:
            results.append(_column(c, ref_src, cur_src, ref_kinds, cur_kinds, ref_sum, cur_sum, t))
            if on_column is not None:
                on_column(results[-1], len(results), len(names))
    step("tests")(cur_known.rows if cur_known else cur_parts[0].rows if cur_parts else 0)
    ref_full = ref_known or _remember(ref_src, testable, merge_summaries(ref_src, testable, ref_parts), cache, sample)
    cur_full = cur_known or _remember(cur_src, shared, merge_summaries(cur_src, shared, cur_parts), cache, sample)
    _adjust(results, t)
    results.sort(key=lambda c: c.severity)
    domain = None
    if classifier:
        from workbench.drift.classifier import domain_classifier

        domain = domain_classifier(ref_full.sample, cur_full.sample,
                                   [c.column for c in results if c.kind in (NUMERIC, CATEGORICAL)
                                    and c.state != "skipped"], t)
    for src in (ref_src, cur_src):
        _remember_fingerprint(src, cache)
    return _report(ref_src, cur_src, ref_full, cur_full, results, domain, t, ref_known is not None,
                   time.perf_counter() - started)


def _passes(names: list[str], ref_src: Source, cur_src: Source, sample_rows: int,
            ref_known: ReferenceSummary | None, cur_known: ReferenceSummary | None) -> list[list[str]]:
    """The columns read together in each pass: a few at a time when every source still to be
    read is columnar (so results stream in), else all at once (one pass over a CSV)."""
    to_read = [s for s, known in ((ref_src, ref_known), (cur_src, cur_known)) if known is None]
    columnar = all(s.kind in ("parquet", "ipc", "frame") for s in to_read)
    if sample_rows or not to_read or not columnar or len(names) <= COLUMNS_PER_PASS:
        return [names] if names else []
    return [names[i:i + COLUMNS_PER_PASS] for i in range(0, len(names), COLUMNS_PER_PASS)]


def _part(src: Source, kinds: dict[str, str], group: list[str], progress, sample_rows: int,
          parts: list[ReferenceSummary]) -> ReferenceSummary:
    """The summary of the `group` columns of `src` (kept in `parts` to be merged at the end)."""
    part = scan(src, {c: kinds[c] for c in group if c in kinds}, sample_rows=sample_rows,
                progress=progress)
    parts.append(part)
    return part


def _cached_summary(src: Source, kinds: dict[str, str], cache: SummaryCache | None,
                    sample_rows: int) -> ReferenceSummary | None:
    """The summary a cache holds for `src`'s content, looked up only when the content's hash is
    already known (recalled for an unchanged file, or a frame): an unknown file is read while
    it is hashed instead of being hashed first."""
    if cache is None or (src.path is not None and not src.fingerprint_recalled):
        return None
    data = cache.get(_cache_key(src, kinds, sample_rows))
    if data is None:
        return None
    summary = ReferenceSummary.from_bytes(data)
    summary.label = src.label
    return summary


def _remember(src: Source, kinds: dict[str, str], summary: ReferenceSummary,
              cache: SummaryCache | None, sample_rows: int) -> ReferenceSummary:
    summary.fingerprint = src.fingerprint() if (cache is not None or src.path) else ""
    if cache is not None:
        cache.put(_cache_key(src, kinds, sample_rows), summary.fingerprint, src.label,
                  summary.to_bytes())
    return summary


def _cache_key(src: Source, kinds: dict[str, str], sample_rows: int) -> str:
    return summary_key(src.fingerprint(), kinds) + (":sample" if sample_rows else "")


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


def _selected(ref_kinds: dict[str, str], cur_kinds: dict[str, str], columns: list[str] | None) -> list[str]:
    if columns:
        unknown = [c for c in columns if c not in ref_kinds and c not in cur_kinds]
        if unknown:
            from workbench.errors import NotFoundError

            raise NotFoundError(f"no column named {unknown[0]!r} in either dataset")
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
