"""The statistics of a drift check, on sorted values or on counts over shared bins.

Two-sample Kolmogorov–Smirnov (exact lattice-path p-value for small samples, Smirnov's
asymptotic distribution otherwise, the same rule as `scipy.stats.ks_2samp`), Wasserstein
distance, PSI, chi-square homogeneity on a contingency table, Jensen–Shannon distance, a
two-proportion test for missing rates and Benjamini–Hochberg adjustment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Largest sample for which the KS p-value is computed exactly (scipy's `MAX_AUTO_N`).
KS_EXACT_MAX_N = 10_000
_SMIRNOV_MAX_N = 100_000
#: Cells whose pooled count is below this are merged before the chi-square test.
CHI2_MIN_POOLED = 10
PSI_BINS = 10
_PSI_EPS = 1e-4


@dataclass(frozen=True)
class KS:
    statistic: float
    pvalue: float
    method: str  # "exact" or "asymptotic"


# ----------------------------------------------------------------------------------------
# Kolmogorov–Smirnov


def ks_sorted(ref: np.ndarray, cur: np.ndarray, ref_w: np.ndarray | None = None,
              cur_w: np.ndarray | None = None, n: int | None = None, m: int | None = None) -> KS:
    """Two-sided two-sample KS on sorted values (scipy's `ks_2samp` when unweighted).

    With weights (a sketch), the ECDFs are weighted and `n`, `m` give the true sample sizes
    for the p-value; the statistic is then within the sketch's ECDF error of the exact one.
    """
    grid = np.concatenate([ref, cur])
    d = float(np.max(np.abs(weighted_cdf(ref, ref_w, grid) - weighted_cdf(cur, cur_w, grid))))
    return ks_pvalue(d, n or len(ref), m or len(cur))


def weighted_cdf(points: np.ndarray, weights: np.ndarray | None, at: np.ndarray) -> np.ndarray:
    """The (weighted) ECDF of sorted `points` evaluated at `at`: share of weight <= each value."""
    idx = np.searchsorted(points, at, side="right")
    if weights is None:
        return idx / len(points)
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    return cum[idx] / cum[-1]


def weighted_quantiles(points: np.ndarray, weights: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Values below which the given shares of the (weighted) sample lie."""
    cum = np.cumsum(weights) / np.sum(weights)
    return points[np.minimum(np.searchsorted(cum, levels, side="left"), len(points) - 1)]


def ks_pvalue(d: float, n: int, m: int) -> KS:
    """P(D >= d) for two samples of sizes n and m: exact for max(n, m) <= 10,000."""
    if max(n, m) <= KS_EXACT_MAX_N:
        p = _ks_exact_pvalue(d, n, m)
        if p is not None:
            return KS(d, p, "exact")
    big, small = sorted([float(n), float(m)], reverse=True)
    en = float(np.round(big * small / (big + small)))
    return KS(d, _kstwo_sf(d, en), "asymptotic")


def _kstwo_sf(d: float, n: float) -> float:
    """P(D_n >= d) of the one-sample two-sided KS distribution (scipy's `kstwo.sf`).

    The tail (n d^2 >= 2.2) is exact (twice Smirnov's one-sided probability) up to
    n = 100,000 (its cost grows with n); elsewhere Kolmogorov's limit with the first two
    finite-n corrections, within 3e-4 of `kstwo.sf` for n >= 50 and 4e-5 for n >= 500. Only scipy.special is imported: scipy.stats
    takes seconds to import.
    """
    from scipy.special import kolmogorov, smirnov

    if d <= 0:
        return 1.0
    if d >= 1 or n * d * d >= 370.0:
        return 0.0
    if n * d * d >= 2.2 and n <= _SMIRNOV_MAX_N:
        p = 2.0 * float(smirnov(int(n), d))
    else:
        s = math.sqrt(n)
        p = float(kolmogorov(s * d + 1 / (6 * s) + (s * d - 1) / (4 * s * s)))
    return min(max(p, 0.0), 1.0)


def _ks_exact_pvalue(d: float, n: int, m: int) -> float | None:
    """Exact two-sided p-value by counting monotone lattice paths that stay inside the band.

    A path from (0, 0) to (n, m) steps through (i, j); the ECDF gap there is
    |i*m - j*n| / (n*m). We count paths whose gap stays below d (rows are cumulative sums
    over an interval, rescaled to stay finite) and return 1 - inside / C(n + m, n).
    """
    if d <= 0:
        return 1.0
    g = math.gcd(n, m)
    # The gap is a multiple of g/(n*m) (scipy's rounding to the lattice).
    k = round(d * n * m / g) * g
    lo_limit = lambda i: math.floor((i * m - k) / n) + 1  # noqa: E731
    hi_limit = lambda i: math.ceil((i * m + k) / n) - 1  # noqa: E731
    row = np.zeros(m + 1)
    hi0 = min(m, hi_limit(0))
    row[: hi0 + 1] = 1.0
    log_scale = 0.0
    for i in range(1, n + 1):
        lo, hi = max(0, lo_limit(i)), min(m, hi_limit(i))
        new = np.zeros(m + 1)
        if lo <= hi:
            new[lo : hi + 1] = np.cumsum(row[lo : hi + 1])
        top = new.max()
        if top <= 0:
            return 1.0
        new /= top
        log_scale += math.log(top)
        row = new
    inside = row[m]
    if inside <= 0:
        return 1.0
    log_total = math.lgamma(n + m + 1) - math.lgamma(n + 1) - math.lgamma(m + 1)
    p = 1.0 - math.exp(math.log(inside) + log_scale - log_total)
    return min(max(p, 0.0), 1.0)


# ----------------------------------------------------------------------------------------
# Wasserstein and PSI


def wasserstein_sorted(ref: np.ndarray, cur: np.ndarray, ref_w: np.ndarray | None = None,
                       cur_w: np.ndarray | None = None) -> float:
    """1-Wasserstein distance of two sorted (weighted) samples (scipy's `wasserstein_distance`)."""
    allv = np.sort(np.concatenate([ref, cur]))
    deltas = np.diff(allv)
    at = allv[:-1]
    return float(np.sum(np.abs(weighted_cdf(ref, ref_w, at) - weighted_cdf(cur, cur_w, at)) * deltas))


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Population stability index over the same bins (shares floored at 1e-4)."""
    p = np.maximum(ref_counts / max(ref_counts.sum(), 1), _PSI_EPS)
    q = np.maximum(cur_counts / max(cur_counts.sum(), 1), _PSI_EPS)
    return float(np.sum((q - p) * np.log(q / p)))


def psi_deciles(ref: np.ndarray, ref_w: np.ndarray, cur: np.ndarray, cur_w: np.ndarray,
                bins: int = PSI_BINS) -> float:
    """PSI over the reference's quantile bins (deciles by default)."""
    edges = np.unique(weighted_quantiles(ref, ref_w, np.arange(1, bins) / bins))
    fr = np.concatenate([[0.0], weighted_cdf(ref, ref_w, edges), [1.0]])
    fc = np.concatenate([[0.0], weighted_cdf(cur, cur_w, edges), [1.0]])
    return psi(np.diff(fr), np.diff(fc))


# ----------------------------------------------------------------------------------------
# Categorical


@dataclass(frozen=True)
class Chi2:
    statistic: float
    pvalue: float
    dof: int
    merged_levels: int  # levels pooled into one cell because they were rare


def chi2_homogeneity(ref_counts: np.ndarray, cur_counts: np.ndarray) -> Chi2:
    """Chi-square test that two samples share one categorical distribution (2 x K table).

    Levels with a pooled count below CHI2_MIN_POOLED are merged into one cell first (so a
    50,000-level column of mostly rare values does not make the approximation lie); no
    continuity correction. Equals `scipy.stats.chi2_contingency(..., correction=False)` on
    the merged table.
    """
    ref_counts = np.asarray(ref_counts, dtype=np.float64)
    cur_counts = np.asarray(cur_counts, dtype=np.float64)
    pooled = ref_counts + cur_counts
    rare = pooled < CHI2_MIN_POOLED
    merged = int(rare.sum())
    if merged > 1:
        keep = ~rare
        ref_counts = np.append(ref_counts[keep], ref_counts[rare].sum())
        cur_counts = np.append(cur_counts[keep], cur_counts[rare].sum())
        pooled = ref_counts + cur_counts
    nonzero = pooled > 0
    ref_counts, cur_counts, pooled = ref_counts[nonzero], cur_counts[nonzero], pooled[nonzero]
    k = len(pooled)
    if k < 2:
        return Chi2(0.0, 1.0, 0, merged)
    n, m = ref_counts.sum(), cur_counts.sum()
    total = n + m
    exp_r, exp_c = pooled * n / total, pooled * m / total
    stat = float(np.sum((ref_counts - exp_r) ** 2 / exp_r) + np.sum((cur_counts - exp_c) ** 2 / exp_c))
    return Chi2(stat, chi2_sf(stat, k - 1), k - 1, merged)


def jensen_shannon(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Jensen–Shannon distance (base 2, in [0, 1]) of two count vectors over the same levels."""
    p = np.asarray(ref_counts, dtype=np.float64)
    q = np.asarray(cur_counts, dtype=np.float64)
    p, q = p / p.sum(), q / q.sum()
    mid = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log2(p / mid), 0.0).sum()
        kl_q = np.where(q > 0, q * np.log2(q / mid), 0.0).sum()
    return float(math.sqrt(max((kl_p + kl_q) / 2, 0.0)))


def two_proportions(k1: int, n1: int, k2: int, n2: int) -> float:
    """p-value of the chi-square test (no correction) that two rates k1/n1 and k2/n2 are equal."""
    total, k = n1 + n2, k1 + k2
    if n1 == 0 or n2 == 0 or k == 0 or k == total:
        return 1.0
    table = np.array([[k1, n1 - k1], [k2, n2 - k2]], dtype=np.float64)
    expected = np.outer([n1, n2], [k, total - k]) / total
    stat = float(np.sum((table - expected) ** 2 / expected))
    return chi2_sf(stat, 1)


def chi2_sf(stat: float, dof: int) -> float:
    """Upper tail of the chi-square distribution (scipy.special, not the slow scipy.stats)."""
    from scipy.special import chdtrc

    return float(chdtrc(dof, stat))


# ----------------------------------------------------------------------------------------
# Multiple testing


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order."""
    p = np.asarray(pvalues, dtype=np.float64)
    if p.size == 0:
        return []
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(adjusted)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()
