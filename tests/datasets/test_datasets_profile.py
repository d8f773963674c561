"""Profiles equal what polars computes on the same file; cached by fingerprint; cancellable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _dataset_files import age

from workbench.catalog.connection import Catalog
from workbench.datasets import profile as profile_module
from workbench.datasets.profile import ProfileCancelled, compute_profile
from workbench.datasets.profiles import profile_version
from workbench.datasets.scan import scan_paths
from workbench.errors import DataChangedError, DataFileError


@pytest.fixture
def numbers(tmp_path: Path) -> Path:
    import polars as pl

    rng = np.random.default_rng(3)
    n = 5000
    values = rng.normal(10, 3, n)
    values[::17] = np.nan
    frame = pl.DataFrame(
        {
            "f": pl.Series(values).fill_nan(None),
            "i": rng.integers(-50, 50, n),
            "s": [f"v{k}" for k in rng.integers(0, 30, n)],
            "b": rng.integers(0, 2, n).astype(bool),
            "[red]x[/]": ["[bold]y[/]" if k % 3 else None for k in range(n)],
        }
    )
    path = tmp_path / "numbers.parquet"
    frame.write_parquet(path)
    return path


def test_values_equal_polars(numbers: Path) -> None:
    import polars as pl

    df = pl.read_parquet(numbers)
    result = compute_profile(numbers, "parquet")
    assert result.rows == df.height and result.distinct_exact
    for column in result.columns:
        series = df[column.name]
        assert column.null_count == series.null_count()
        assert column.null_rate == series.null_count() / df.height
        assert column.distinct_count == series.n_unique()
        assert column.dtype == str(series.dtype)
    f, i = result.column("f"), result.column("i")
    for column in (f, i):
        series = df[column.name]
        assert column.kind == "number"
        assert (column.min, column.max) == (series.min(), series.max())
        assert column.mean == series.mean() and column.std == series.std()
        for q in (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99):
            assert column.quantiles[f"p{round(q * 100)}"] == series.quantile(q)
        edges = column.histogram["edges"]
        assert len(edges) == 21 and edges[0] == series.min() and edges[-1] == series.max()
        expected = series.cast(pl.Float64).hist(bins=edges)["count"].to_list()
        assert column.histogram["counts"] == expected
        assert sum(column.histogram["counts"]) == series.drop_nulls().len()
    s = result.column("s")
    counts = df["s"].value_counts().sort(["count", "s"], descending=[True, False]).head(10)
    assert s.top == [[row["s"], row["count"]] for row in counts.to_dicts()]
    assert s.kind == "text" and s.mean is None and s.histogram is None
    markup = result.column("[red]x[/]")
    assert markup.top == [["[bold]y[/]", df["[red]x[/]"].drop_nulls().len()]]
    assert result.column("b").kind == "bool"


def test_distinct_is_approximate_above_the_limit(numbers: Path, monkeypatch) -> None:
    import polars as pl

    monkeypatch.setattr(profile_module, "EXACT_DISTINCT_ROWS", 100)
    result = compute_profile(numbers, "parquet")
    assert not result.distinct_exact
    column = result.column("i")
    assert not column.distinct_exact
    assert column.distinct_count == pl.read_parquet(numbers)["i"].approx_n_unique()


def test_csv_and_jsonl_profiles_match_polars_readers(tmp_path: Path, frame) -> None:
    import polars as pl

    frame.drop("[red]x[/]").write_csv(tmp_path / "d.csv")
    frame.write_ndjson(tmp_path / "d.jsonl")
    for path, reader in ((tmp_path / "d.csv", pl.read_csv), (tmp_path / "d.jsonl", pl.read_ndjson)):
        df = reader(path)
        result = compute_profile(path, None)
        assert [c.name for c in result.columns] == df.columns
        assert result.column("y").mean == df["y"].mean()
        assert result.column("label").null_count == df["label"].null_count()


def test_tsv_arrow_and_parquet_folder_profiles_match_polars(tmp_path: Path, frame) -> None:
    import polars as pl

    frame.drop("[red]x[/]").write_csv(tmp_path / "d.tsv", separator="\t")
    frame.write_ipc(tmp_path / "d.feather")
    parts = tmp_path / "parts"
    parts.mkdir()
    frame.head(2).write_parquet(parts / "part-0.parquet")
    frame.tail(3).write_parquet(parts / "part-1.parquet")
    cases = [
        (tmp_path / "d.tsv", pl.read_csv(tmp_path / "d.tsv", separator="\t")),
        (tmp_path / "d.feather", pl.read_ipc(tmp_path / "d.feather")),
        (parts, pl.concat([pl.read_parquet(p) for p in sorted(parts.iterdir())])),
    ]
    for path, df in cases:
        result = compute_profile(path, None)
        assert result.rows == df.height == 5, path
        assert [c.name for c in result.columns] == df.columns
        for column in result.columns:
            assert column.null_count == df[column.name].null_count(), (path, column.name)
            assert column.distinct_count == df[column.name].n_unique(), (path, column.name)
        assert result.column("y").mean == df["y"].mean()
        assert result.column("y").quantiles["p50"] == df["y"].quantile(0.5)
        assert (result.column("x").min, result.column("x").max) == (df["x"].min(), df["x"].max())


def test_second_profile_is_served_from_the_catalog(numbers: Path, tmp_path: Path, monkeypatch) -> None:
    age(numbers)
    cat = Catalog(tmp_path / "catalog.duckdb")
    scan_paths(cat, [numbers])
    version, first = profile_version(cat, "numbers")
    assert not first.cached
    monkeypatch.setattr(
        "workbench.datasets.profiles.compute_profile",
        lambda *a, **k: pytest.fail("computed again"),
    )
    _, second = profile_version(cat, "numbers@1")
    assert second.cached
    assert second.columns == first.columns
    assert second.rows == first.rows


def test_a_file_changed_since_it_was_catalogued_is_not_profiled(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n2\n")
    cat = Catalog(tmp_path / "catalog.duckdb")
    scan_paths(cat, [data])
    data.write_text("a\n1\n3\n")
    with pytest.raises(DataChangedError, match="no longer holds d@1"):
        profile_version(cat, "d")


def test_cancel_and_progress(numbers: Path, monkeypatch) -> None:
    monkeypatch.setattr(profile_module, "_GROUP_VALUES", 5000)  # one column per group
    seen: list[tuple[int, int]] = []
    compute_profile(numbers, "parquet", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(k, 5) for k in range(1, 6)]
    with pytest.raises(ProfileCancelled):
        compute_profile(numbers, "parquet", cancel=lambda: True)
    calls = []
    with pytest.raises(ProfileCancelled):
        compute_profile(numbers, "parquet", cancel=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3


def test_corrupt_file_is_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(DataFileError, match="bad.parquet cannot be profiled"):
        compute_profile(bad, "parquet")
