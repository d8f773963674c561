"""Few false alarms: on 20 pairs drawn from one distribution the dataset verdict is 'drift'
at most once, at 100,000 rows and at 500 rows (where goodness-of-fit tests cry wolf)."""

from __future__ import annotations

import pytest

from workbench.drift import compare_datasets
from workbench.drift.synthetic import drift_pair


@pytest.mark.slow
@pytest.mark.parametrize("rows", [500, 100_000])
def test_dataset_false_alarm_rate_is_at_most_one_in_twenty(rows: int) -> None:
    alarms = []
    for seed in range(20):
        ref, cur = drift_pair(rows, seed=100 + seed, drift=False)
        report = compare_datasets(ref, cur)
        if report.drift:
            alarms.append((seed, report.summary))
    assert len(alarms) <= 1, alarms


@pytest.mark.parametrize("rows", [500, 100_000])
def test_the_same_pairs_with_drift_are_flagged(rows: int) -> None:
    """The guard against a test that cannot fail: drifted pairs of the same size do alarm."""
    ref, cur = drift_pair(rows, seed=100, drift=True)
    report = compare_datasets(ref, cur)
    assert report.drift
    if rows >= 100_000:
        assert len(report.drifted) == 6
