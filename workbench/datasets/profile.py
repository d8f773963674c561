"""Column profiles of a data file, computed out of core with polars and cached by fingerprint.

Columns are read a few at a time (projection pushdown: never the whole file in memory), so
a wide 10M-row file profiles in bounded memory. Every statistic is polars' own expression,
so the values equal what polars computes on the same file. Distinct counts are exact up to
EXACT_DISTINCT_ROWS rows and HyperLogLog estimates above (each column says which).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import DataFileError, WorkbenchError
from workbench.formats import datafiles

if TYPE_CHECKING:
    import polars as pl

EXACT_DISTINCT_ROWS = 1_000_000
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
HISTOGRAM_BINS = 20
TOP_VALUES = 10
#: Values (rows x columns) held in memory at once while profiling.
_GROUP_VALUES = 40_000_000

#: progress(columns done, columns in all); cancel() -> True stops the profile.
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class ProfileCancelled(WorkbenchError):
    """Profiling was stopped before it finished."""


@dataclass
class ColumnProfile:
    """The statistics of one column (number-only fields are None for other kinds)."""

    position: int
    name: str
    dtype: str
    kind: str  # number, text, bool, temporal, other
    rows: int
    null_count: int
    null_rate: float
    distinct_count: int | None
    distinct_exact: bool
    min: Any = None
    max: Any = None
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float | None] | None = None
    top: list[list[Any]] | None = None  # [[value, count], ...] most frequent first
    histogram: dict[str, list[Any]] | None = None  # {"edges": [...], "counts": [...]}


@dataclass
class DatasetProfile:
    """The profile of one content (fingerprint): rows and one ColumnProfile per column."""

    fingerprint: str
    rows: int
    columns: list[ColumnProfile]
    distinct_exact: bool
    seconds: float
    cached: bool = False

    def column(self, name: str) -> ColumnProfile | None:
        """The profile of the column `name`, if the data has one."""
        return next((c for c in self.columns if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def scan_frame(path: Path, fmt: str | None) -> pl.LazyFrame:
    """A lazy polars frame over a data file or Parquet folder."""
    import polars as pl

    fmt = fmt or datafiles.format_of(path)
    if fmt == "parquet":
        return pl.scan_parquet([str(p) for p in datafiles.parquet_parts(path)], glob=False)
    if fmt == "arrow":
        try:
            return pl.scan_ipc(str(path), glob=False)
        except TypeError:  # polars before 1.35 has no `glob` here
            return pl.scan_ipc(str(path))
    if fmt in ("csv", "tsv"):
        separator = "," if fmt == "csv" else "\t"
        return pl.scan_csv(str(path), separator=separator, infer_schema_length=10_000, glob=False)
    if fmt == "jsonl":
        return pl.scan_ndjson(str(path), infer_schema_length=10_000)
    raise DataFileError(f"{path} is not in a format the workbench profiles ({fmt or 'unknown'})")


def kind_of(dtype: pl.DataType) -> str:
    """number, text, bool, temporal or other."""
    import polars as pl

    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_numeric():
        return "number"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Enum, pl.Categorical)):
        return "text"
    if dtype.is_temporal():
        return "temporal"
    return "other"


def _first_pass(name: str, kind: str, exact: bool) -> list[pl.Expr]:
    import polars as pl

    col = pl.col(name)
    exprs = [col.null_count().alias(f"{name}\x00nulls")]
    if kind != "other":
        # text: distinct 64-bit hashes, ~10x faster than grouping the strings themselves
        exact_distinct = col.hash().n_unique() if kind == "text" else col.n_unique()
        distinct = exact_distinct if exact else col.approx_n_unique()
        exprs.append(distinct.alias(f"{name}\x00distinct"))
        exprs += [col.min().alias(f"{name}\x00min"), col.max().alias(f"{name}\x00max")]
    if kind == "number":
        exprs += [col.mean().alias(f"{name}\x00mean"), col.std().alias(f"{name}\x00std")]
        exprs += [col.quantile(q).alias(f"{name}\x00q{q}") for q in QUANTILES]
    return exprs


def _second_pass(name: str, kind: str, lo: Any, hi: Any) -> list[pl.Expr]:
    import polars as pl

    col = pl.col(name)
    if kind in ("text", "bool"):
        values = col.drop_nulls().cast(pl.String).value_counts(name="count")
        ordered = values.sort_by(
            [values.struct.field("count"), values.struct.field(name)], descending=[True, False]
        )
        return [ordered.head(TOP_VALUES).implode().alias(f"{name}\x00top")]
    if kind == "number" and _finite(lo) and _finite(hi):
        values = col.cast(pl.Float64)
        finite = values.filter(values.is_finite())
        return [finite.hist(bins=histogram_edges(lo, hi)).implode().alias(f"{name}\x00hist")]
    return []


def histogram_edges(lo: float, hi: float) -> list[float]:
    """HISTOGRAM_BINS equal bins from the minimum to the maximum (one unit wide if equal).
    Counted as polars' `hist` counts: the first bin closed, the others (a, b]."""
    width = (hi - lo) / HISTOGRAM_BINS if hi > lo else 1.0 / HISTOGRAM_BINS
    return [lo + i * width for i in range(HISTOGRAM_BINS)] + [hi if hi > lo else lo + 1.0]


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _plain(value: Any) -> Any:
    """A statistic as JSON-able Python: times as ISO text, durations in seconds."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value


def _column(
    position: int, name: str, dtype: pl.DataType, rows: int, stats: dict[str, Any], exact: bool
) -> ColumnProfile:
    kind = kind_of(dtype)
    nulls = int(stats[f"{name}\x00nulls"])
    profile = ColumnProfile(
        position, name, str(dtype), kind, rows, nulls, nulls / rows if rows else 0.0,
        stats.get(f"{name}\x00distinct"), exact or kind == "other",
        _plain(stats.get(f"{name}\x00min")), _plain(stats.get(f"{name}\x00max")),
    )  # fmt: skip
    if kind == "number":
        profile.mean = stats[f"{name}\x00mean"]
        profile.std = stats[f"{name}\x00std"]
        profile.quantiles = {f"p{round(q * 100)}": stats[f"{name}\x00q{q}"] for q in QUANTILES}
    return profile


def _finish(profile: ColumnProfile, second: dict[str, Any]) -> None:
    name = profile.name
    top = second.get(f"{name}\x00top")
    if top is not None:
        profile.top = [[item[name], int(item["count"])] for item in top]
    hist = second.get(f"{name}\x00hist")
    if hist is not None:
        edges = histogram_edges(float(profile.min), float(profile.max))
        profile.histogram = {"edges": edges, "counts": [int(n) for n in hist]}


def _groups(schema: pl.Schema, rows: int) -> list[list[str]]:
    per_group = max(1, _GROUP_VALUES // max(rows, 1))
    names = list(schema.names())
    return [names[i : i + per_group] for i in range(0, len(names), per_group)]


def compute_profile(
    path: Path,
    fmt: str | None,
    fingerprint: str = "",
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> DatasetProfile:
    """Profile the data file at `path`: every column's statistics, a few columns at a time."""
    import polars as pl

    started = time.perf_counter()
    frame = scan_frame(path, fmt)
    try:
        schema = frame.collect_schema()
        rows = int(frame.select(pl.len()).collect().item())
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataFileError(f"{path} cannot be profiled: {_first_line(exc)}") from None
    exact = rows <= EXACT_DISTINCT_ROWS
    columns: list[ColumnProfile] = []
    total = len(schema)
    for group in _groups(schema, rows):
        if cancel is not None and cancel():
            raise ProfileCancelled(f"profiling {path.name} was cancelled")
        try:
            data = frame.select(group).collect()
            first = data.select(
                [e for n in group for e in _first_pass(n, kind_of(schema[n]), exact)]
            ).row(0, named=True)
            part = [
                _column(len(columns) + i, n, schema[n], rows, first, exact)
                for i, n in enumerate(group)
            ]
            exprs = [e for p in part for e in _second_pass(p.name, p.kind, p.min, p.max)]
            second = data.select(exprs).row(0, named=True) if exprs else {}
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise DataFileError(f"{path} cannot be profiled: {_first_line(exc)}") from None
        del data
        for column in part:
            _finish(column, second)
        columns += part
        if progress is not None:
            progress(len(columns), total)
    seconds = time.perf_counter() - started
    return DatasetProfile(fingerprint, rows, columns, exact, seconds)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
