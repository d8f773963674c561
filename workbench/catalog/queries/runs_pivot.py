"""list_runs' pivot: long (run_key, section, key, value) rows into "section.key" columns.

Small or very wide results are scattered in plain Python, other large ones pivoted by
polars; both give the same columns, with params typed per key (numbers, booleans or text).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl


def attach_sections(wide: pl.DataFrame, long: pl.DataFrame) -> pl.DataFrame:
    """Pivot the long rows to "section.key" columns (params typed per key) and join them."""
    import polars as pl

    if long.height == 0:
        return wide
    if long.height <= _SMALL_PIVOT or long.get_column("key").n_unique() > _MANY_KEYS:
        return _attach_small(wide, long)
    metrics = long.filter(pl.col("section") == 1)
    texts = long.filter(pl.col("section") != 1)
    frames: list[pl.DataFrame] = []
    if texts.height:
        pivoted = texts.pivot(on="key", index="run_key", values="text", aggregate_function="first")
        params = texts.filter(pl.col("section") == 0)
        if params.height:
            pivoted = pivoted.with_columns(_param_casts(params))
        frames.append(pivoted)
    if metrics.height:
        frames.append(
            metrics.pivot(on="key", index="run_key", values="num", aggregate_function="first")
        )
    keys = _ordered_keys(c for frame in frames for c in frame.columns if c != "run_key")
    joined = frames[0]
    if len(frames) > 1:
        joined = joined.join(frames[1], on="run_key", how="full", coalesce=True)
    joined = joined.select("run_key", *keys)
    return wide.join(joined, on="run_key", how="left", maintain_order="left")


#: Up to this many long rows, pivot in plain Python: a polars pivot costs ~2 ms even for a
#: handful of rows (a top-50 page has ~1,500), the Python loop ~0.2 µs a value.
_SMALL_PIVOT = 5_000
#: Past this many keys the scatter is used at any size: polars' pivot grows much faster than
#: linearly in the number of output columns (one run with 10,000 metrics: 20 s against 0.1 s).
_MANY_KEYS = 500
_SECTION_ORDER = {"params": 0, "metrics": 1, "tags": 2}


def _ordered_keys(names: Iterable[str]) -> list[str]:
    return sorted(set(names), key=lambda name: (_SECTION_ORDER[name.partition(".")[0]], name))


def _attach_small(wide: pl.DataFrame, long: pl.DataFrame) -> pl.DataFrame:
    """The same columns as the polars pivot + left join, built by scattering values into
    per-key lists in the order of `wide`'s rows."""
    import polars as pl

    position = {key: i for i, key in enumerate(wide.get_column("run_key").to_list())}
    n = wide.height
    columns: dict[str, list[Any]] = {}
    dtypes: dict[str, Any] = {}
    rows = zip(
        long.get_column("run_key").to_list(),
        long.get_column("section").to_list(),
        long.get_column("key").to_list(),
        long.get_column("text").to_list(),
        long.get_column("num").to_list(),
        strict=True,
    )
    for run_key, section, key, text, num in rows:
        column = columns.get(key)
        if column is None:
            column = columns[key] = [None] * n
            dtypes[key] = pl.Float64 if section == 1 else pl.String
        i = position.get(run_key)
        if i is not None and column[i] is None:  # "first", like the pivot
            column[i] = num if section == 1 else text
    keys = _ordered_keys(columns)
    frame = pl.DataFrame({k: columns[k] for k in keys}, schema={k: dtypes[k] for k in keys})
    params = long.filter(pl.col("section") == 0)
    if params.height:
        frame = frame.with_columns(_param_casts(params))
    return wide.hstack(frame)


def _param_casts(long: pl.DataFrame) -> list[pl.Expr]:
    """Per param key: Int64/Float64 when every value reads as a number, Boolean when all are
    booleans, else left as text."""
    import polars as pl

    value = pl.col("text")
    info = long.group_by("key").agg(
        pl.col("kind").unique().alias("kinds"),
        (value.str.contains(r"[.eEn]") & (pl.col("kind") == "number")).any().alias("fractional"),
        (value.cast(pl.Float64, strict=False).is_null() == value.is_null()).all().alias("reads"),
        (value.cast(pl.Int64, strict=False).is_null() == value.is_null()).all().alias("int64"),
        (value.cast(pl.UInt64, strict=False).is_null() == value.is_null()).all().alias("uint64"),
    )
    casts: list[pl.Expr] = []
    for key, kinds, fractional, reads, int64, uint64 in info.iter_rows():
        kset = set(kinds) - {"null"}
        if "number" in kset and kset <= {"number", "string"} and reads:
            # numbers, possibly logged as strings ("0.01"): numeric when every value reads as one
            if kset != {"number"} or fractional:
                casts.append(pl.col(key).cast(pl.Float64, strict=False))
            elif int64 or uint64:  # a uint64 seed stays exact
                casts.append(pl.col(key).cast(pl.Int64 if int64 else pl.UInt64, strict=False))
            # wider integers stay as their exact text (the filters still compare them as numbers)
        elif kset == {"bool"}:
            casts.append((pl.col(key) == "true").alias(key))
    return casts
