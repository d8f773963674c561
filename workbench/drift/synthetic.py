"""Synthetic reference/current pairs with known drifts, for tests, benchmarks and demos.

20 columns: 15 numeric and 5 categorical. With `drift=True` exactly six columns drift
(see DRIFTED): two shifted means, one shifted by only 0.05 sd, one with 5 % outliers, one
scale change and one categorical share change; every other column is drawn identically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

#: The columns that drift in `drift_pair(..., drift=True)`, and how.
DRIFTED = {
    "num_shift_a": "mean +0.25 sd",
    "num_shift_b": "mean -0.3 sd",
    "num_shift_tiny": "mean +0.05 sd",
    "num_outliers": "5 % outliers near +8 sd",
    "num_scale": "sd x 1.3",
    "cat_shares": "shares 40/30/20/10 % -> 34/30/20/16 %",
}
_LEVELS4 = ["red", "green", "blue", "black"]


def _numeric(rng: np.random.Generator, n: int, name: str, drifted: bool) -> np.ndarray:
    if name == "num_shift_a":
        return rng.normal(0.25 if drifted else 0.0, 1.0, n)
    if name == "num_shift_b":
        return rng.normal(10.0 - (0.3 * 2.0 if drifted else 0.0), 2.0, n)
    if name == "num_shift_tiny":
        return rng.normal(0.05 if drifted else 0.0, 1.0, n)
    if name == "num_outliers":
        x = rng.normal(0.0, 1.0, n)
        if drifted:
            hit = rng.random(n) < 0.05
            x[hit] = rng.normal(8.0, 1.0, int(hit.sum()))
        return x
    if name == "num_scale":
        return rng.normal(0.0, 1.3 if drifted else 1.0, n)
    kind = int(name.rsplit("_", 1)[1]) % 5
    if kind == 0:
        return rng.lognormal(0.0, 1.0, n)
    if kind == 1:
        return rng.exponential(3.0, n)
    if kind == 2:
        return rng.uniform(-1.0, 1.0, n)
    if kind == 3:
        return rng.poisson(4.0, n).astype(np.float64)
    return rng.standard_t(5, n)


def _categorical(rng: np.random.Generator, n: int, name: str, drifted: bool) -> pa.Array:
    if name == "cat_shares":
        p = [0.34, 0.30, 0.20, 0.16] if drifted else [0.40, 0.30, 0.20, 0.10]
        return pa.DictionaryArray.from_arrays(pa.array(rng.choice(4, n, p=p).astype(np.int32)), _LEVELS4)
    if name == "cat_flag":
        return pa.array(rng.random(n) < 0.3)
    if name == "cat_zipf":  # 1,000 levels, long tail
        codes = np.minimum(rng.zipf(1.5, n), 1000) - 1
        levels = [f"item-{i:04d}" for i in range(1000)]
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), levels)
    if name == "cat_uniform":
        levels = [f"region-{i}" for i in range(20)]
        return pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 20, n).astype(np.int32)), levels)
    levels = ["a", "b", "c"]
    return pa.DictionaryArray.from_arrays(pa.array(rng.choice(3, n, p=[0.5, 0.3, 0.2]).astype(np.int32)), levels)


NUMERIC_COLUMNS = ["num_shift_a", "num_shift_b", "num_shift_tiny", "num_outliers", "num_scale"] + [
    f"num_plain_{i}" for i in range(10)
]
CATEGORICAL_COLUMNS = ["cat_shares", "cat_flag", "cat_zipf", "cat_uniform", "cat_abc"]
#: Columns with 2 % missing values on both sides (not a drift).
WITH_MISSING = ("num_plain_3", "cat_abc")


def make_table(rows: int, seed: int, drift: bool) -> pa.Table:
    """One side of a pair: `drift=False` draws the reference distribution."""
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    for name in NUMERIC_COLUMNS:
        x = _numeric(rng, rows, name, drift and name in DRIFTED)
        mask = (rng.random(rows) < 0.02) if name in WITH_MISSING else None
        columns[name] = pa.array(x, mask=mask)
    for name in CATEGORICAL_COLUMNS:
        arr = _categorical(rng, rows, name, drift and name in DRIFTED)
        if name in WITH_MISSING:
            arr = _with_nulls(arr, rng.random(rows) < 0.02)
        columns[name] = arr
    return pa.table(columns)


def _with_nulls(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), pa.nulls(len(arr), arr.type), arr)


def drift_pair(rows: int, seed: int = 0, drift: bool = True) -> tuple[pa.Table, pa.Table]:
    """A (reference, current) pair of `rows` rows each; six columns drift when `drift`."""
    return make_table(rows, seed * 2 + 1, False), make_table(rows, seed * 2 + 2, drift)


def write_parquet(path: Path, rows: int, seed: int, drift: bool, chunk: int = 1_000_000) -> Path:
    """Write one side to Parquet in chunks of `chunk` rows (a 10M-row file never sits in memory)."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for i, start in enumerate(range(0, rows, chunk)):
            table = make_table(min(chunk, rows - start), seed * 1000 + i, drift)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path
