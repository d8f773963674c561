"""Column-by-column comparison of a reference summary with a current summary: tests and effects.

Each function returns a `ColumnDrift` whose tests carry raw p-values; the engine adjusts
them together (Benjamini–Hochberg) and then decides each column's state.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.drift import stats
from workbench.drift.columns import ID_NAME
from workbench.drift.report import SKIPPED, ColumnDrift, DriftTest, Thresholds
from workbench.drift.summary import CategoricalSummary, NumericSummary

#: A text column whose distinct values are at least this share of its rows is an identifier.
ID_DISTINCT_SHARE = 0.95
UNSEEN_LISTED = 20
HIST_BINS = 30
ECDF_POINTS = 60
BARS = 15


def missing_test(col: ColumnDrift, ref_missing: int, ref_rows: int, cur_missing: int,
                 cur_rows: int, t: Thresholds) -> None:
    """Add a test of the missing share when either side has missing values."""
    col.reference_missing = ref_missing / ref_rows if ref_rows else 0.0
    col.current_missing = cur_missing / cur_rows if cur_rows else 0.0
    if ref_missing == 0 and cur_missing == 0:
        return
    p = stats.two_proportions(ref_missing, ref_rows, cur_missing, cur_rows)
    diff = abs(col.current_missing - col.reference_missing)
    col.effects["missing_rate_change"] = diff
    col.tests.append(DriftTest("missing_rate", diff, p, diff, "missing share change",
                               t.missing_rate, method="chi-square 2x2"))


def skip_reason_numeric(name: str, ref: NumericSummary, cur: NumericSummary, integer: bool) -> str:
    """Why a numeric column is not tested ('' when it is)."""
    if ref.count == 0:
        return "no values in the reference"
    if cur.count == 0:
        return ""
    if integer and ID_NAME.search(name) and ref.distinct >= 0.99 * ref.count and ref.count >= 100:
        return f"ID-like: an integer identifier with {ref.count:,} distinct values in {ref.count:,} rows"
    if ref.distinct <= 1 and cur.minimum == cur.maximum == ref.minimum and ref.missing == 0 and cur.missing == 0:
        return f"constant: every value is {ref.minimum:g} in both datasets"
    return ""


def compare_numeric(col: ColumnDrift, ref: NumericSummary, cur: NumericSummary, t: Thresholds) -> None:
    """KS test, Wasserstein / reference sd, PSI on reference deciles, missing share."""
    missing_test(col, ref.missing, ref.rows, cur.missing, cur.rows, t)
    if ref.count == 0 or cur.count == 0:
        return
    if ref.exact and cur.exact:
        ks = stats.ks_sorted(ref.points, cur.points)
        w = stats.wasserstein_sorted(ref.points, cur.points)
    else:
        ks = stats.ks_sorted(ref.points, cur.points, ref.weights, cur.weights, ref.count, cur.count)
        w = stats.wasserstein_sorted(ref.points, cur.points, ref.weights, cur.weights)
    spread = ref.std if ref.std > 0 else (cur.std if cur.std > 0 else max(abs(ref.mean), 1.0))
    psi = stats.psi_deciles(ref.points, ref.weights, cur.points, cur.weights)
    col.effects.update({"ks": ks.statistic, "wasserstein": w, "wasserstein_sd": w / spread,
                        "psi": psi, "mean_shift_sd": (cur.mean - ref.mean) / spread,
                        "std_ratio": cur.std / ref.std if ref.std > 0 else float("nan")})
    col.tests.append(DriftTest("ks", ks.statistic, ks.pvalue, w / spread, "wasserstein / sd",
                               t.wasserstein, method=f"KS {ks.method}"))
    col.plot = numeric_plot(ref, cur)


def numeric_plot(ref: NumericSummary, cur: NumericSummary) -> dict:
    """Small plot data: an equal-width histogram (shares) and ECDFs at reference quantiles."""
    lo, hi = stats.weighted_quantiles(ref.points, ref.weights, np.array([0.005, 0.995]))
    if not hi > lo:
        lo, hi = min(ref.minimum, cur.minimum), max(ref.maximum, cur.maximum)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    display = np.linspace(lo, hi, HIST_BINS + 1)
    h_ref = np.histogram(np.clip(ref.points, lo, hi), display, weights=ref.weights)[0] / ref.weights.sum()
    h_cur = np.histogram(np.clip(cur.points, lo, hi), display, weights=cur.weights)[0] / cur.weights.sum()
    x = np.unique(stats.weighted_quantiles(ref.points, ref.weights, np.linspace(0, 1, ECDF_POINTS)))
    x = np.unique(np.concatenate([[min(ref.minimum, cur.minimum)], x, [max(ref.maximum, cur.maximum)]]))
    return {
        "type": "numeric",
        "hist_edges": _floats(display), "hist_reference": _floats(h_ref), "hist_current": _floats(h_cur),
        "ecdf_x": _floats(x), "ecdf_reference": _floats(stats.weighted_cdf(ref.points, ref.weights, x)),
        "ecdf_current": _floats(stats.weighted_cdf(cur.points, cur.weights, x)),
    }


def skip_reason_categorical(ref: CategoricalSummary, cur: CategoricalSummary) -> str:
    """Why a categorical column is not tested ('' when it is)."""
    if ref.count == 0:
        return "no values in the reference"
    distinct = len(ref.levels)
    if distinct >= ID_DISTINCT_SHARE * ref.count and ref.count >= 100:
        return f"ID-like: {distinct:,} distinct values in {ref.count:,} rows"
    if (distinct == 1 and len(cur.levels) == 1 and cur.levels[0] == ref.levels[0]
            and ref.missing == 0 and cur.missing == 0):
        return f"constant: every value is {ref.levels[0].as_py()!r} in both datasets"
    return ""


def compare_categorical(col: ColumnDrift, ref: CategoricalSummary, cur: CategoricalSummary,
                        t: Thresholds) -> None:
    """Chi-square homogeneity and Jensen–Shannon over reference levels plus unseen ones."""
    missing_test(col, ref.missing, ref.rows, cur.missing, cur.rows, t)
    if ref.count == 0 or cur.count == 0:
        return
    index = pc.index_in(cur.levels, value_set=ref.levels)
    seen = pc.is_valid(index).to_numpy(zero_copy_only=False)
    positions = pc.fill_null(index, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    cur_aligned = np.bincount(positions[seen], cur.counts[seen], minlength=len(ref.levels))
    unseen_counts = cur.counts[~seen].astype(np.float64)
    ref_all = np.concatenate([ref.counts.astype(np.float64), np.zeros(len(unseen_counts))])
    cur_all = np.concatenate([cur_aligned, unseen_counts])
    chi = stats.chi2_homogeneity(ref_all, cur_all)
    js = stats.jensen_shannon(ref_all, cur_all)
    unseen_levels = cur.levels.filter(pa.array(~seen))
    col.unseen = [v for v in unseen_levels.slice(0, UNSEEN_LISTED).to_pylist()]
    col.unseen_count = int(unseen_counts.sum())
    col.effects.update({"jensen_shannon": js, "unseen_share": col.unseen_count / cur.count,
                        "unseen_levels": float(int((~seen).sum())),
                        "levels_reference": float(len(ref.levels)),
                        "levels_current": float(len(cur.levels))})
    method = "chi-square homogeneity" + (f", {chi.merged_levels:,} rare levels pooled" if chi.merged_levels > 1 else "")
    col.tests.append(DriftTest("chi2", chi.statistic, chi.pvalue, js, "jensen-shannon",
                               t.jensen_shannon, method=method))
    col.plot = categorical_plot(ref, cur_aligned, unseen_levels, unseen_counts, cur.count)


def categorical_plot(ref: CategoricalSummary, cur_aligned: np.ndarray, unseen_levels: pa.Array,
                     unseen_counts: np.ndarray, cur_total: int) -> dict:
    """The most common levels (pooled) with both shares; unseen levels marked."""
    ref_share = ref.counts / max(ref.count, 1)
    cur_share = cur_aligned / max(cur_total, 1)
    top = np.argsort(-(ref_share + cur_share), kind="stable")[:BARS]
    bars = [[ref.levels[int(i)].as_py(), float(ref_share[i]), float(cur_share[i]), False] for i in top]
    for level, n in zip(unseen_levels.slice(0, 5).to_pylist(), unseen_counts[:5], strict=True):
        bars.append([level, 0.0, float(n / max(cur_total, 1)), True])
    return {"type": "categorical", "bars": bars}


def skipped(name: str, kind: str, reason: str) -> ColumnDrift:
    return ColumnDrift(name, kind, SKIPPED, reason)


def _floats(a: np.ndarray) -> list[float]:
    return [float(x) for x in np.asarray(a, dtype=np.float64)]
