"""What a drift check keeps of a dataset: per-column sketches, built in one or two streaming passes.

A `ReferenceSummary` holds, per numeric column, counts over about a thousand quantile bins
(plus the sorted values when the column is small), per categorical column the count of each
level, missing counts and a uniform row sample. It serialises to bytes so a second check
against the same reference (same fingerprint) does not read the data again.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.drift.columns import CATEGORICAL, NUMERIC, as_float, as_text
from workbench.drift.sources import Source

#: Rows kept in the uniform row sample (for the domain classifier).
SAMPLE_ROWS = 20_000
#: A numeric column with at most this many values is kept whole (exact tests).
EXACT_VALUES = 65_536
#: Sketch points kept per sorted batch (ECDF error at most 1 / this per batch).
POINTS_PER_BATCH = 16_384
#: Past this many points a column's sketch is compacted to COMPACT_POINTS.
MAX_POINTS = 16 * POINTS_PER_BATCH
COMPACT_POINTS = 8 * POINTS_PER_BATCH
SUMMARY_FORMAT = 1


@dataclass
class NumericSummary:
    """One numeric column: moments and a weighted sorted sketch of its finite values.

    `points` are sorted values and `weights` how many values each stands for: all ones
    (the exact data) while the column has at most EXACT_VALUES values, else each point is
    the middle value of an equal-rank block of a sorted batch, so the ECDF read from the
    sketch is within 1 / POINTS_PER_BATCH of the true one.
    """

    rows: int
    missing: int
    minimum: float
    maximum: float
    mean: float
    std: float
    points: np.ndarray
    weights: np.ndarray
    distinct: int  # distinct values (summed over batches: an upper bound when large)

    @property
    def count(self) -> int:
        return self.rows - self.missing

    @property
    def exact(self) -> bool:
        return bool(len(self.points) == self.count)


@dataclass
class CategoricalSummary:
    """One categorical column: each level's count (levels as text) and the missing count."""

    rows: int
    missing: int
    levels: pa.Array
    counts: np.ndarray

    @property
    def count(self) -> int:
        return self.rows - self.missing


@dataclass
class ReferenceSummary:
    """Everything a drift check needs of one dataset; `to_bytes`/`from_bytes` for the cache."""

    fingerprint: str
    label: str
    rows: int
    schema: pa.Schema
    kinds: dict[str, str]
    numeric: dict[str, NumericSummary] = field(default_factory=dict)
    categorical: dict[str, CategoricalSummary] = field(default_factory=dict)
    sample: pa.Table | None = None

    def to_bytes(self) -> bytes:
        """A self-describing .npz (no pickled objects): arrays plus one JSON header."""
        arrays: dict[str, np.ndarray] = {}
        numeric: dict[str, dict[str, float | int]] = {}
        categorical: dict[str, dict[str, int]] = {}
        head = {"format": SUMMARY_FORMAT, "fingerprint": self.fingerprint, "label": self.label,
                "rows": self.rows, "kinds": self.kinds, "numeric": numeric, "categorical": categorical}
        for i, (name, n) in enumerate(self.numeric.items()):
            numeric[name] = {"i": i, "rows": n.rows, "missing": n.missing, "min": n.minimum,
                             "max": n.maximum, "mean": n.mean, "std": n.std,
                             "distinct": n.distinct}
            arrays[f"n{i}_points"], arrays[f"n{i}_weights"] = n.points, n.weights
        for i, (name, c) in enumerate(self.categorical.items()):
            categorical[name] = {"i": i, "rows": c.rows, "missing": c.missing}
            arrays[f"c{i}_counts"] = c.counts
            arrays[f"c{i}_levels"] = _ipc_bytes(pa.table({"level": c.levels}))
        arrays["schema"] = np.frombuffer(self.schema.serialize().to_pybytes(), dtype=np.uint8)
        if self.sample is not None:
            arrays["sample"] = _ipc_bytes(self.sample)
        arrays["head"] = np.frombuffer(json.dumps(head).encode(), dtype=np.uint8)
        out = io.BytesIO()
        # numpy's stub puts `allow_pickle: bool` beside `**kwds`, so mypy matches a str-keyed
        # dict of arrays against it too; every key here is an array name.
        np.savez(out, **arrays)  # type: ignore[arg-type]
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ReferenceSummary:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        head = json.loads(z["head"].tobytes())
        schema = pa.ipc.read_schema(pa.py_buffer(z["schema"].tobytes()))
        out = cls(head["fingerprint"], head["label"], head["rows"], schema, head["kinds"])
        for name, h in head["numeric"].items():
            i = h["i"]
            out.numeric[name] = NumericSummary(
                h["rows"], h["missing"], h["min"], h["max"], h["mean"], h["std"],
                z[f"n{i}_points"], z[f"n{i}_weights"], h["distinct"])
        for name, h in head["categorical"].items():
            i = h["i"]
            levels = _from_ipc(z[f"c{i}_levels"]).column("level").combine_chunks()
            out.categorical[name] = CategoricalSummary(h["rows"], h["missing"], levels, z[f"c{i}_counts"])
        if "sample" in z.files:
            out.sample = _from_ipc(z["sample"])
        return out


def _ipc_bytes(table: pa.Table) -> np.ndarray:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return np.frombuffer(sink.getvalue().to_pybytes(), dtype=np.uint8)


def _from_ipc(array: np.ndarray) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(array.tobytes())).read_all()


# ----------------------------------------------------------------------------------------
# Building summaries


class _NumericAcc:
    """Streaming moments, missing count and the sorted sketch of one numeric column."""

    def __init__(self) -> None:
        self.rows = self.missing = self.distinct = 0
        self.total = self.total_sq = 0.0
        self.minimum, self.maximum = np.inf, -np.inf
        self.shift: float | None = None  # subtracted before summing squares (stability)
        self.points: list[np.ndarray] = []
        self.weights: list[np.ndarray | None] = []  # None: every point weighs 1
        self.kept = 0

    def add(self, x: np.ndarray) -> None:
        self.rows += len(x)
        finite = np.isfinite(x)
        if not finite.all():
            x = x[finite]
        self.missing += len(finite) - len(x)
        if len(x) == 0:
            return
        x = np.sort(x)
        if self.shift is None:
            self.shift = float(x[len(x) // 2])
        d = x - self.shift
        self.total += float(d.sum())
        self.total_sq += float(np.dot(d, d))
        self.minimum, self.maximum = min(self.minimum, float(x[0])), max(self.maximum, float(x[-1]))
        self.distinct += int(np.count_nonzero(x[1:] != x[:-1])) + 1
        self._keep(x, None)

    def _keep(self, x: np.ndarray, w: np.ndarray | None) -> None:
        """Keep a sorted batch; once the column is past EXACT_VALUES, as a compact sketch."""
        self.points.append(x)
        self.weights.append(w)
        self.kept += len(x)
        if self.rows - self.missing <= EXACT_VALUES:
            return
        for i, part in enumerate(self.points):
            if len(part) > POINTS_PER_BATCH:
                self.kept -= len(part)
                self.points[i], self.weights[i] = compact(part, self.weights[i], POINTS_PER_BATCH)
                self.kept += POINTS_PER_BATCH
        if self.kept > MAX_POINTS:
            points, weights = compact(*self.sketch(), COMPACT_POINTS)
            self.points, self.weights, self.kept = [points], [weights], len(points)

    def sketch(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.points:
            return np.zeros(0), np.zeros(0)
        parts = [np.ones(len(p)) if w is None else w
                 for p, w in zip(self.points, self.weights, strict=True)]
        points, weights = np.concatenate(self.points), np.concatenate(parts)
        if len(self.points) > 1:
            order = np.argsort(points, kind="stable")
            points, weights = points[order], weights[order]
        return points, weights

    def moments(self) -> tuple[float, float]:
        n = self.rows - self.missing
        if n == 0:
            return float("nan"), float("nan")
        mean_d = self.total / n
        var = max(self.total_sq / n - mean_d * mean_d, 0.0) * (n / (n - 1) if n > 1 else 0.0)
        return mean_d + (self.shift or 0.0), float(np.sqrt(var))


def compact(points: np.ndarray, weights: np.ndarray | None, size: int) -> tuple[np.ndarray, np.ndarray]:
    """`size` points standing for equal-weight blocks of a sorted sample (weights None: all 1)."""
    if len(points) <= size:
        return points, np.ones(len(points)) if weights is None else weights
    if weights is None:
        bounds = np.round(np.linspace(0, len(points), size + 1)).astype(np.int64)
        return points[(bounds[:-1] + bounds[1:]) // 2], np.diff(bounds).astype(np.float64)
    cum = np.cumsum(weights)
    bounds = np.linspace(0.0, cum[-1], size + 1)
    mids = (bounds[:-1] + bounds[1:]) / 2
    picked = points[np.minimum(np.searchsorted(cum, mids, side="left"), len(points) - 1)]
    return picked, np.diff(bounds)


class _CategoricalAcc:
    """Per-batch level counts of one categorical column, merged once at the end."""

    def __init__(self) -> None:
        self.rows = self.missing = 0
        self.parts: list[pa.StructArray] = []

    def add(self, array: pa.Array | pa.ChunkedArray) -> None:
        self.rows += len(array)
        self.missing += array.null_count
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_dictionary(array.type):  # count the codes: O(rows) ints, not strings
            codes = array.indices.drop_null().to_numpy(zero_copy_only=False)
            counts = np.bincount(codes, minlength=len(array.dictionary))
            used = np.flatnonzero(counts)
            self.parts.append(pa.StructArray.from_arrays(
                [as_text(array.dictionary).take(pa.array(used)), pa.array(counts[used])],
                names=["values", "counts"]))
            return
        self.parts.append(pc.value_counts(as_text(array)))

    def finish(self) -> tuple[pa.Array, np.ndarray]:
        if not self.parts:
            return pa.array([], pa.string()), np.zeros(0, dtype=np.int64)
        values = pa.concat_arrays([p.field("values") for p in self.parts])
        counts = pa.concat_arrays([p.field("counts") for p in self.parts])
        table = pa.table({"level": values, "n": counts}).filter(pc.is_valid(values))
        # One thread: tens of thousands of levels are summed faster than the thread pool is
        # handed them, and on a busy machine its threads wait for a core (the order is the
        # sort's, whatever the grouping's).
        table = table.group_by("level", use_threads=False).aggregate([("n", "sum")])
        table = table.rename_columns(["level", "n"])
        table = table.sort_by([("n", "descending"), ("level", "ascending")])
        return table.column("level").combine_chunks(), table.column("n").to_numpy().astype(np.int64)


class _RowSample:
    """A uniform sample of at most `size` rows of a stream (the rows with the smallest random keys)."""

    def __init__(self, size: int, seed: int = 0):
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.keys = np.zeros(0)
        self.tables: list[pa.Table] = []
        self.seen = 0

    def add(self, batch: pa.RecordBatch) -> None:
        if self.size <= 0:
            return
        keys = self.rng.random(batch.num_rows)
        self.seen += batch.num_rows
        if len(self.keys) >= self.size:
            threshold = self.keys.max()
            keep = np.flatnonzero(keys < threshold)
            if len(keep) == 0:
                return
            batch, keys = batch.take(pa.array(keep)), keys[keep]
        table = pa.concat_tables([*self.tables, pa.Table.from_batches([batch])])
        keys = np.concatenate([self.keys, keys])
        if len(keys) > self.size:
            keep = np.sort(np.argpartition(keys, self.size - 1)[: self.size])
            table, keys = table.take(pa.array(keep)), keys[keep]
        self.tables, self.keys = [table.combine_chunks()], keys

    def table(self, schema: pa.Schema) -> pa.Table:
        return self.tables[0] if self.tables else schema.empty_table()


def scan(source: Source, kinds: dict[str, str], sample_rows: int = SAMPLE_ROWS,
         progress=None) -> ReferenceSummary:
    """One pass over `source`: moments, sorted sketches, level counts and a row sample."""
    columns = [c for c, k in kinds.items() if k in (NUMERIC, CATEGORICAL)]
    num = {c: _NumericAcc() for c in columns if kinds[c] == NUMERIC}
    cat = {c: _CategoricalAcc() for c in columns if kinds[c] == CATEGORICAL}
    sample = _RowSample(sample_rows)
    rows = 0
    for batch in source.batches(columns):
        rows += batch.num_rows
        sample.add(batch)
        for name, n in num.items():
            n.add(as_float(batch.column(name)))
        for name, c in cat.items():
            c.add(batch.column(name))
        if progress is not None:
            progress(rows)
    schema = pa.schema([source.schema.field(c) for c in columns])
    out = ReferenceSummary("", source.label, rows, source.schema, dict(kinds),
                           sample=sample.table(schema))
    for name, acc in num.items():
        mean, std = acc.moments()
        points, weights = acc.sketch()
        out.numeric[name] = NumericSummary(acc.rows, acc.missing, acc.minimum, acc.maximum,
                                           mean, std, points, weights, acc.distinct)
    for name, c in cat.items():
        levels, counts = c.finish()
        out.categorical[name] = CategoricalSummary(c.rows, c.missing, levels, counts)
    return out


def merge_summaries(source: Source, kinds: dict[str, str],
                    parts: list[ReferenceSummary]) -> ReferenceSummary:
    """One summary of `source` from the summaries of its column groups (read pass by pass)."""
    if not parts:
        return scan(source, kinds, sample_rows=0)
    if len(parts) == 1:
        parts[0].kinds = dict(kinds)
        return parts[0]
    first = parts[0]
    out = ReferenceSummary("", source.label, first.rows, source.schema, dict(kinds),
                           sample=first.sample)
    for part in parts:
        out.numeric.update(part.numeric)
        out.categorical.update(part.categorical)
    return out


def summarize(source: Source, kinds: dict[str, str], progress=None,
              sample_rows: int = SAMPLE_ROWS) -> ReferenceSummary:
    """The summary of one dataset (reference or current) in one streaming pass."""
    summary = scan(source, kinds, sample_rows=sample_rows, progress=progress)
    summary.fingerprint = source.fingerprint() if source.path is not None else ""
    return summary
