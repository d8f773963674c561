"""The drift statistics equal scipy.stats on random data (exact and asymptotic KS, chi-square, ...)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon

from workbench.drift import stats
from workbench.drift.summary import compact


@pytest.mark.parametrize(
    ("n", "m", "shift"),
    [(5, 7, 0.0), (30, 30, 0.5), (100, 80, 0.2), (200, 1000, 0.1), (3000, 4000, 0.05),
     (12000, 15000, 0.03), (20000, 300, 0.1), (50000, 60000, 0.0)],
)
def test_ks_equals_scipy(n: int, m: int, shift: float) -> None:
    rng = np.random.default_rng(n + m)
    x, y = np.sort(rng.normal(size=n)), np.sort(rng.normal(shift, 1.0, size=m))
    ours, ref = stats.ks_sorted(x, y), sps.ks_2samp(x, y)
    assert ours.statistic == pytest.approx(ref.statistic, abs=1e-12)
    exact = max(n, m) <= stats.KS_EXACT_MAX_N
    assert ours.method == ("exact" if exact else "asymptotic")
    # The exact lattice count matches scipy to rounding; the asymptotic tail is scipy's
    # formula, the bulk an expansion within 4e-4 of it.
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12 if exact else 4e-4)


def test_ks_with_ties_equals_scipy() -> None:
    rng = np.random.default_rng(1)
    x, y = np.sort(rng.integers(0, 5, 300).astype(float)), np.sort(rng.integers(0, 6, 200).astype(float))
    ours, ref = stats.ks_sorted(x, y), sps.ks_2samp(x, y)
    assert ours.statistic == pytest.approx(ref.statistic)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-6)


def test_wasserstein_equals_scipy() -> None:
    rng = np.random.default_rng(2)
    for n, m in [(10, 13), (1000, 700), (5000, 5000)]:
        x, y = np.sort(rng.lognormal(size=n)), np.sort(rng.normal(1, 2, size=m))
        assert stats.wasserstein_sorted(x, y) == pytest.approx(sps.wasserstein_distance(x, y), rel=1e-10)


def test_weighted_sketch_is_close_to_exact() -> None:
    """KS and Wasserstein from compacted sketches stay within the sketch's error."""
    rng = np.random.default_rng(3)
    x, y = np.sort(rng.normal(size=400_000)), np.sort(rng.normal(0.02, 1.1, size=300_000))
    (px, wx), (py, wy) = compact(x, None, 16_384), compact(y, None, 16_384)
    exact = sps.ks_2samp(x, y)
    approx = stats.ks_sorted(px, py, wx, wy, len(x), len(y))
    assert abs(approx.statistic - exact.statistic) <= 2 / 16_384
    assert stats.wasserstein_sorted(px, py, wx, wy) == pytest.approx(
        sps.wasserstein_distance(x, y), rel=0.01)


def test_chi2_homogeneity_equals_chi2_contingency() -> None:
    rng = np.random.default_rng(4)
    for k in (2, 3, 10, 40):
        a = rng.integers(20, 500, k)
        b = rng.integers(20, 500, k)
        ours = stats.chi2_homogeneity(a, b)
        ref = sps.chi2_contingency(np.vstack([a, b]), correction=False)
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)
        assert ours.dof == ref.dof


def test_chi2_pools_rare_levels_before_testing() -> None:
    a = np.array([500, 400, 3, 2, 1, 0])
    b = np.array([480, 420, 0, 2, 3, 4])
    ours = stats.chi2_homogeneity(a, b)
    pooled = np.array([[500, 400, 6], [480, 420, 9]])
    ref = sps.chi2_contingency(pooled, correction=False)
    assert ours.merged_levels == 4
    assert ours.statistic == pytest.approx(ref.statistic)


def test_jensen_shannon_equals_scipy() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 50, 30), rng.integers(0, 50, 30)
    assert stats.jensen_shannon(a, b) == pytest.approx(jensenshannon(a, b, base=2), rel=1e-10)


def test_two_proportions_equals_chi2_contingency() -> None:
    ref = sps.chi2_contingency([[20, 980], [45, 955]], correction=False)
    assert stats.two_proportions(20, 1000, 45, 1000) == pytest.approx(ref.pvalue, rel=1e-10)


def test_benjamini_hochberg_equals_scipy() -> None:
    p = np.random.default_rng(6).random(40) ** 3
    assert stats.benjamini_hochberg(list(p)) == pytest.approx(
        list(sps.false_discovery_control(p)), rel=1e-12)


def test_psi_of_identical_samples_is_zero_and_grows_with_shift() -> None:
    rng = np.random.default_rng(7)
    x = np.sort(rng.normal(size=20_000))
    ones = np.ones(len(x))
    assert stats.psi_deciles(x, ones, x, ones) == pytest.approx(0.0, abs=1e-12)
    y = np.sort(rng.normal(0.5, 1, size=20_000))
    assert stats.psi_deciles(x, ones, y, np.ones(len(y))) > 0.2
