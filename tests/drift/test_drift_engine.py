"""The drift engine on real data: known drifts caught, missing-rate jumps, unseen categories,
schema changes, skipped columns, every file format, cached reference summaries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from workbench.drift import DriftReport, ReferenceSummary, Thresholds, compare_datasets
from workbench.drift.cache import DirectorySummaryCache, MemorySummaryCache
from workbench.drift.sources import DataSourceError
from workbench.drift.synthetic import DRIFTED, drift_pair
from workbench.errors import NotFoundError


@pytest.fixture(scope="module")
def drifted_100k() -> DriftReport:
    ref, cur = drift_pair(100_000, seed=11, drift=True)
    return compare_datasets(ref, cur)


def test_the_six_known_drifts_are_found_and_nothing_else(drifted_100k: DriftReport) -> None:
    assert {c.column for c in drifted_100k.drifted} == set(DRIFTED)
    assert drifted_100k.drift is True
    assert "at least one column" in drifted_100k.verdict_rule


def test_columns_are_sorted_by_severity(drifted_100k: DriftReport) -> None:
    states = [c.state for c in drifted_100k.columns]
    assert states[: len(DRIFTED)] == ["drift"] * len(DRIFTED)
    assert drifted_100k.columns[0].column != "num_shift_tiny"  # the smallest drift is not first


def test_report_round_trips_through_json(drifted_100k: DriftReport) -> None:
    data = json.loads(json.dumps(drifted_100k.to_dict()))
    again = DriftReport.from_dict(data)
    assert again.to_dict() == data
    assert again.column("num_scale").plot["type"] == "numeric"


def test_a_negligible_shift_on_a_huge_sample_is_significant_but_small() -> None:
    rng = np.random.default_rng(0)
    n = 400_000
    ref = pa.table({"x": rng.normal(0, 1, n)})
    cur = pa.table({"x": rng.normal(0.012, 1, n)})
    col = compare_datasets(ref, cur).column("x")
    assert col.state == "significant but small"
    assert col.tests[0].significant and col.tests[0].effect < Thresholds().wasserstein


def test_missing_rate_jump_is_detected_even_when_values_agree() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    values = rng.normal(size=n)
    ref = pa.table({"x": pa.array(values, mask=rng.random(n) < 0.01)})
    cur = pa.table({"x": pa.array(rng.normal(size=n), mask=rng.random(n) < 0.10)})
    col = compare_datasets(ref, cur).column("x")
    assert col.state == "drift"
    assert [t.name for t in col.tests if t.significant] == ["missing_rate"]
    assert col.current_missing == pytest.approx(0.10, abs=0.01)
    assert "missing share" in col.reason


def test_unseen_categories_are_evidence_and_listed() -> None:
    rng = np.random.default_rng(2)
    n = 5_000
    ref = pa.table({"c": rng.choice(["a", "b", "c"], n)})
    cur_values = rng.choice(["a", "b", "c"], n).astype(object)
    cur_values[:300] = "new-[red]x[/]"
    cur_values[300:350] = "other-new"
    col = compare_datasets(ref, pa.table({"c": pa.array(cur_values, pa.string())})).column("c")
    assert col.state == "drift"
    assert col.unseen == ["new-[red]x[/]", "other-new"]
    assert col.unseen_count == 350
    assert any(bar[3] for bar in col.plot["bars"])


def test_a_50k_level_categorical_works_and_is_stable_when_unchanged() -> None:
    rng = np.random.default_rng(3)
    levels = np.array([f"user-{i}" for i in range(50_000)])
    n = 400_000
    ref = pa.table({"c": pa.array(levels[rng.integers(0, 50_000, n)])})
    cur = pa.table({"c": pa.array(levels[rng.integers(0, 50_000, n)])})
    col = compare_datasets(ref, cur).column("c")
    assert col.state == "stable"
    assert col.effects["levels_reference"] > 49_900
    shifted = pa.table({"c": pa.array(levels[rng.integers(0, 25_000, n)])})
    assert compare_datasets(ref, shifted).column("c").state == "drift"


def test_schema_changes_are_drift_of_their_own() -> None:
    ref = pa.table({"a": [1.0, 2.0, 3.0] * 50, "b": ["x", "y", "z"] * 50, "gone": [1] * 150})
    cur = pa.table({"a": ["1", "2", "3"] * 50, "b": ["x", "y", "z"] * 50, "new": [1.5] * 150})
    report = compare_datasets(ref, cur)
    assert report.column("a").state == "drift" and "became string" in report.column("a").reason
    assert "missing from the current" in report.column("gone").reason
    assert "missing from the reference" in report.column("new").reason
    assert report.column("b").state == "stable"
    assert report.drift


def test_id_like_and_constant_columns_are_skipped_with_the_reason() -> None:
    n = 5_000
    rng = np.random.default_rng(4)
    ref = pa.table({"user_id": np.arange(n), "uuid": [f"u{i}" for i in range(n)],
                    "const": ["k"] * n, "x": rng.normal(size=n)})
    cur = pa.table({"user_id": np.arange(n, 2 * n), "uuid": [f"v{i}" for i in range(n)],
                    "const": ["k"] * n, "x": rng.normal(size=n)})
    report = compare_datasets(ref, cur)
    assert report.column("user_id").state == "skipped" and "ID-like" in report.column("user_id").reason
    assert report.column("uuid").state == "skipped" and "ID-like" in report.column("uuid").reason
    assert report.column("const").state == "skipped" and "constant" in report.column("const").reason
    assert not report.drift


def test_column_kinds_can_be_overridden_and_columns_chosen() -> None:
    rng = np.random.default_rng(5)
    ref = pa.table({"code": rng.integers(0, 4, 3000), "x": rng.normal(size=3000)})
    cur = pa.table({"code": rng.integers(0, 4, 3000), "x": rng.normal(size=3000)})
    report = compare_datasets(ref, cur, column_types={"code": "categorical"}, columns=["code"])
    assert [c.column for c in report.columns] == ["code"]
    assert report.column("code").kind == "categorical"
    with pytest.raises(NotFoundError):
        compare_datasets(ref, cur, columns=["nope"])


def _write(table: pa.Table, path: Path) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(table, path, row_group_size=3000)
    elif path.suffix == ".csv":
        pcsv.write_csv(table, path)
    elif path.suffix == ".feather":
        feather.write_feather(table, path)
    else:
        pl.from_arrow(table).write_ndjson(path)
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".feather", ".jsonl"])
def test_every_file_format_gives_the_frames_verdict(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(6)
    n = 8_000
    ref = pa.table({"x": rng.normal(size=n), "c": rng.choice(["a", "b"], n), "m": rng.normal(size=n)})
    cur = pa.table({"x": rng.normal(0.3, 1, n), "c": rng.choice(["a", "b"], n), "m": rng.normal(size=n)})
    from_frames = compare_datasets(ref, cur)
    from_files = compare_datasets(_write(ref, tmp_path / f"ref{suffix}"), _write(cur, tmp_path / f"cur{suffix}"))
    assert {c.column: c.state for c in from_files.columns} == {c.column: c.state for c in from_frames.columns}
    assert from_files.column("x").effects["ks"] == pytest.approx(from_frames.column("x").effects["ks"])
    assert len(from_files.reference_fingerprint) == 64


def test_polars_frames_are_accepted() -> None:
    ref = pl.DataFrame({"x": np.arange(200.0) % 17})
    cur = pl.DataFrame({"x": np.arange(200.0) % 17}).lazy()
    assert compare_datasets(ref, cur).column("x").state == "stable"


def test_a_second_check_reuses_the_cached_reference_summary(tmp_path: Path) -> None:
    ref, cur = drift_pair(30_000, seed=12)
    ref_path = _write(ref, tmp_path / "ref.parquet")
    cache = DirectorySummaryCache(tmp_path / "cache")
    first = compare_datasets(ref_path, cur, cache=cache)
    second = compare_datasets(ref_path, cur, cache=cache)
    assert not first.reference_cached and second.reference_cached
    assert [(c.column, c.state) for c in first.columns] == [(c.column, c.state) for c in second.columns]
    assert second.column("num_scale").effects["ks"] == pytest.approx(first.column("num_scale").effects["ks"])


def test_reference_summary_serialises_without_pickle() -> None:
    ref, cur = drift_pair(2_000, seed=13)
    cache = MemorySummaryCache()
    report = compare_datasets(ref, cur, cache=cache)
    (data,) = [v for k, v in cache.items.items() if k.startswith(report.reference_fingerprint)]
    summary = ReferenceSummary.from_bytes(data)
    assert summary.rows == 2_000
    assert summary.numeric["num_scale"].exact
    assert summary.categorical["cat_shares"].counts.sum() == 2_000
    assert np.load(__import__("io").BytesIO(data), allow_pickle=False)  # no object arrays


def test_unreadable_inputs_are_one_sentence_errors(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(DataSourceError, match="cannot tell the format"):
        compare_datasets(tmp_path / "x.txt", tmp_path / "x.txt")
    with pytest.raises(NotFoundError):
        compare_datasets(tmp_path / "missing.parquet", tmp_path / "x.txt")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataSourceError, match="cannot read"):
        compare_datasets(tmp_path / "bad.parquet", tmp_path / "bad.parquet")


def test_domain_classifier_names_the_telling_column() -> None:
    rng = np.random.default_rng(7)
    n = 4_000
    ref = pa.table({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(["x", "y"], n)})
    cur = pa.table({"a": rng.normal(size=n), "b": rng.normal(1.0, 1, n), "c": rng.choice(["x", "y"], n)})
    report = compare_datasets(ref, cur, classifier=True)
    assert report.classifier is not None
    assert report.classifier.auc > 0.65 and report.classifier.drift
    assert report.classifier.top_features[0][0] == "b"
    assert "AUROC" in report.verdict_rule


def test_a_check_can_be_cancelled_and_reports_progress() -> None:
    from workbench.drift import DriftCancelled

    ref, cur = drift_pair(1_000, seed=14)
    seen = []
    compare_datasets(ref, cur, progress=lambda phase, rows: seen.append((phase, rows)))
    assert ("reference", 1_000) in seen and ("current", 1_000) in seen and seen[-1][0] == "tests"
    with pytest.raises(DriftCancelled):
        compare_datasets(ref, cur, cancelled=lambda: True)


def test_results_stream_in_column_by_column_from_a_columnar_source(tmp_path: Path) -> None:
    """A Parquet pair is read a few columns per pass: the first columns' results arrive before
    the reference's later columns are read, and the final report equals a one-pass check."""
    import pyarrow.parquet as pq

    ref, cur = drift_pair(3_000, seed=21)
    pq.write_table(ref, tmp_path / "ref.parquet")
    pq.write_table(cur, tmp_path / "cur.parquet")
    events: list[tuple[str, object]] = []
    streamed = compare_datasets(
        tmp_path / "ref.parquet", tmp_path / "cur.parquet",
        progress=lambda phase, rows: events.append(("progress", phase)),
        on_column=lambda col, done, total: events.append(("column", (col.column, done, total))))
    columns = [e[1] for e in events if e[0] == "column"]
    assert [c[1] for c in columns] == list(range(1, len(ref.column_names) + 1))
    assert {c[0] for c in columns} == set(ref.column_names)
    first_result = next(i for i, e in enumerate(events) if e[0] == "column")
    later_reads = [e for e in events[first_result:] if e[0] == "progress" and "reference" in str(e[1])]
    assert later_reads, "every column was read before the first result arrived"
    whole = compare_datasets(ref, cur)  # frames in one pass? no: frames are columnar too
    assert [(c.column, c.state) for c in streamed.columns] == [(c.column, c.state) for c in whole.columns]


def test_a_csv_is_read_in_one_pass_and_still_reports_every_column(tmp_path: Path) -> None:
    import pyarrow.csv as pcsv

    ref, cur = drift_pair(2_000, seed=22)
    pcsv.write_csv(ref, tmp_path / "ref.csv")
    pcsv.write_csv(cur, tmp_path / "cur.csv")
    phases: list[str] = []
    seen: list[str] = []
    compare_datasets(tmp_path / "ref.csv", tmp_path / "cur.csv",
                     progress=lambda phase, rows: phases.append(phase),
                     on_column=lambda col, done, total: seen.append(col.column))
    assert sorted(seen) == sorted(ref.column_names)
    assert all("columns" not in p for p in phases)


def test_the_same_pair_checked_again_reads_neither_file(tmp_path: Path) -> None:
    """Both summaries are cached by content: re-checking an unchanged pair reads no rows."""
    import pyarrow.parquet as pq

    from workbench.drift.cache import DirectorySummaryCache

    ref, cur = drift_pair(3_000, seed=23)
    pq.write_table(ref, tmp_path / "ref.parquet")
    pq.write_table(cur, tmp_path / "cur.parquet")
    cache = DirectorySummaryCache(tmp_path / "cache")
    first = compare_datasets(tmp_path / "ref.parquet", tmp_path / "cur.parquet", cache=cache)
    reads: list[str] = []
    second = compare_datasets(tmp_path / "ref.parquet", tmp_path / "cur.parquet", cache=cache,
                              progress=lambda phase, rows: reads.append(phase))
    assert second.reference_cached
    assert [p for p in reads if p != "tests"] == []
    assert [(c.column, c.state) for c in first.columns] == [(c.column, c.state) for c in second.columns]
