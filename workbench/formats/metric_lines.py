"""The metrics.jsonl parser: chunks of complete lines into one polars frame of points.

Columnar (polars) on the good path; it falls back to a per-line check only for the piece of
input that failed, so one bad line costs little and is reported with its line number.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.formats import spec

if TYPE_CHECKING:
    import polars as pl


@dataclass
class LineError:
    """One bad line: which input chunk, its 0-based line index in that chunk, and why."""

    src: int
    index: int
    message: str


METRIC_COLUMNS = ("src", "line", "key", "step", "ts", "value")


def _check_point(obj: object) -> tuple[str, int, float, float] | str:
    """(key, step, ts, value) for a valid metric line object, else the reason it is bad."""
    if not isinstance(obj, dict):
        return "line is not a JSON object"
    key = obj.get("key")
    if not isinstance(key, str) or not key:
        return "key must be a non-empty string"
    if len(key) > spec.MAX_KEY_LENGTH:
        return f"key is longer than {spec.MAX_KEY_LENGTH} characters"
    step = obj.get("step")
    if not isinstance(step, int) or isinstance(step, bool):
        return "step must be an integer"
    if step < 0:
        return "step must be >= 0"
    if step >= 1 << 63:
        return "step is too large"
    ts = obj.get("timestamp")
    if not isinstance(ts, (int, float)) or isinstance(ts, bool) or not math.isfinite(ts):
        return "timestamp must be a number"
    value = obj.get("value")
    if isinstance(value, str):
        if value not in spec.NON_FINITE_STRINGS:
            return f"value must be a number or one of NaN, Infinity, -Infinity, got {value[:40]!r}"
        value = spec.NON_FINITE_STRINGS[value]
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        return "value must be a number"
    return key, step, float(ts), float(value)


def _parse_lines_slowly(src: int, chunk: bytes, errors: list[LineError]) -> pl.DataFrame:
    """Validate every line of one chunk in Python; the fallback for chunks that failed."""
    import polars as pl

    rows: dict[str, list[Any]] = {c: [] for c in METRIC_COLUMNS}
    for index, line in enumerate(chunk.split(b"\n")[:-1]):
        if not line.strip():
            continue
        if len(line) > spec.MAX_LINE_BYTES:
            errors.append(LineError(src, index, f"line is longer than {spec.MAX_LINE_BYTES} bytes"))
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            errors.append(LineError(src, index, "line is not valid UTF-8"))
            continue
        except ValueError as exc:
            errors.append(LineError(src, index, f"corrupt JSON: {exc}"))
            continue
        checked = _check_point(obj)
        if isinstance(checked, str):
            errors.append(LineError(src, index, checked))
            continue
        key, step, ts, value = checked
        rows["src"].append(src)
        rows["line"].append(index)
        rows["key"].append(key)
        rows["step"].append(step)
        rows["ts"].append(ts)
        rows["value"].append(value)
    return pl.DataFrame(rows, schema=_metric_schema())


def _metric_schema() -> pl.Schema:
    import polars as pl

    return pl.Schema(
        {
            "src": pl.Int32,
            "line": pl.Int64,
            "key": pl.String,
            "step": pl.Int64,
            "ts": pl.Float64,
            "value": pl.Float64,
        }
    )


def _fast_parse(
    chunks: list[tuple[int, bytes]], line_counts: dict[int, int] | None = None
) -> pl.DataFrame | None:
    """Parse chunks (all lines non-blank, short) in one polars call; None if anything is off."""
    import io

    import numpy as np
    import polars as pl

    data = b"".join(c for _, c in chunks)
    if line_counts is None:
        counts = [c.count(b"\n") for _, c in chunks]
    else:
        counts = [line_counts[s] for s, _ in chunks]
    total = sum(counts)
    schema_num = {"key": pl.String, "value": pl.Float64, "step": pl.Int64, "timestamp": pl.Float64}
    try:
        df = pl.read_ndjson(io.BytesIO(data), schema=schema_num)
        strings = False
    except Exception:
        try:
            df = pl.read_ndjson(io.BytesIO(data), schema={**schema_num, "value": pl.String})
            strings = True
        except Exception:
            return None
    if df.height != total or not _one_field_each(df, data, total):
        return None
    src = np.repeat(np.array([s for s, _ in chunks], dtype=np.int32), counts)
    line = (
        np.concatenate([np.arange(n, dtype=np.int64) for n in counts])
        if counts
        else np.array([], dtype=np.int64)
    )
    df = df.with_columns(pl.Series("src", src), pl.Series("line", line))
    if strings:
        text = pl.col("value")
        nonfinite = text.is_in(list(spec.NON_FINITE_STRINGS))
        n_nonfinite = df.select(nonfinite.sum()).item()
        if b"\\u" in data:  # an escaped field name would hide from the count below
            return None
        if len(_QUOTED_VALUE.findall(data)) != n_nonfinite:
            return None  # some value is a string other than NaN/Infinity/-Infinity
        df = df.with_columns(
            pl.when(text == "NaN")
            .then(float("nan"))
            .when(text == "Infinity")
            .then(float("inf"))
            .when(text == "-Infinity")
            .then(float("-inf"))
            .otherwise(text.cast(pl.Float64, strict=False))
            .alias("value"),
            (text.is_not_null() & ~nonfinite & text.cast(pl.Float64, strict=False).is_null()).alias(
                "_badvalue"
            ),
        )
    else:
        df = df.with_columns(pl.lit(False).alias("_badvalue"))
    return df.rename({"timestamp": "ts"})


#: A key polars read from a JSON number, boolean, object or array (it gives their text).
_NOT_A_STRING_KEY = r"^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|[{\[].*)$"
#: A quoted value, whatever the whitespace around the colon (each line has one "value").
_QUOTED_VALUE = re.compile(rb'"value"\s*:\s*"')


def _one_field_each(df: pl.DataFrame, data: bytes, total: int) -> bool:
    """Whether every line held the four fields exactly once, the key as a JSON string: what
    the per-line path checks through json.loads. polars keeps the first of duplicate keys
    (JSON parsers the last) and reads a number where a string belongs as its text.

    No field is null, so each line has all four (a field under an escaped name that polars
    did not see would be null); and the input has exactly four colons a line besides those
    inside keys, so no line has a fifth (a duplicate or an unknown field): one byte count.
    """
    import numpy as np
    import polars as pl

    if any(df.null_count().row(0)):
        return False
    keys = df.get_column("key").unique()
    if keys.str.contains(_NOT_A_STRING_KEY).any():
        return False  # (or a string key that looks like one: the per-line path decides)
    colons = 4 * total
    if keys.str.contains(":", literal=True).any():
        if b"\\u" in data:  # an escaped colon inside a key would upset the count
            return False
        colons += int(df.select(pl.col("key").str.count_matches(":", literal=True).sum()).item())
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 58)) == colons  # b":"


def _vector_checks(df: pl.DataFrame, errors: list[LineError]) -> pl.DataFrame:
    """Drop rows that parsed but break the rules, recording each as a LineError."""
    import polars as pl

    reason = (
        pl.when(pl.col("key").is_null() | (pl.col("key").str.len_chars() == 0))
        .then(pl.lit("key must be a non-empty string"))
        .when(pl.col("key").str.len_chars() > spec.MAX_KEY_LENGTH)
        .then(pl.lit(f"key is longer than {spec.MAX_KEY_LENGTH} characters"))
        .when(pl.col("step").is_null())
        .then(pl.lit("step must be an integer"))
        .when(pl.col("step") < 0)
        .then(pl.lit("step must be >= 0"))
        .when(pl.col("ts").is_null() | ~pl.col("ts").is_finite())
        .then(pl.lit("timestamp must be a number"))
        .when(pl.col("_badvalue"))
        .then(pl.lit("value must be a number or one of NaN, Infinity, -Infinity"))
        .when(pl.col("value").is_null())
        .then(pl.lit("value must be a number"))
        .otherwise(None)
        .alias("_reason")
    )
    df = df.with_columns(reason)
    bad = df.filter(pl.col("_reason").is_not_null())
    for src, line, why in bad.select("src", "line", "_reason").iter_rows():
        errors.append(LineError(src, line, why))
    good = df.filter(pl.col("_reason").is_null()) if bad.height else df
    return good.select(list(METRIC_COLUMNS)).cast(_metric_schema())


def _may_have_long_line(chunk: bytes) -> bool:
    """Cheap test: a line longer than MAX_LINE_BYTES covers some aligned half-size block whole."""
    if len(chunk) <= spec.MAX_LINE_BYTES:
        return False
    block = spec.MAX_LINE_BYTES // 2
    return any(chunk.find(b"\n", at, at + block) < 0 for at in range(0, len(chunk) - block, block))


_SPLIT_LINES = 2048


def parse_metric_chunks(
    chunks: list[tuple[int, bytes]], line_counts: dict[int, int] | None = None
) -> tuple[pl.DataFrame, list[LineError]]:
    """Parse metrics.jsonl chunks into one polars frame of points plus a list of LineErrors.

    `chunks` are (source id, bytes of complete lines); `line_counts` optionally maps each
    source id to its chunk's count of b"\\n" when the caller has it already. Columns: src,
    line (0-based index in its chunk), key, step, ts, value. Good lines land even when
    neighbours are bad.
    """
    import polars as pl

    errors: list[LineError] = []
    frames = []
    easy = []
    chunks = [(src, chunk) for src, chunk in chunks if chunk]
    # Most input is clean: check the whole batch once, and chunk by chunk only if needed.
    # Blank lines need no pre-check: polars skips them, the row count then differs from the
    # line count, and that chunk takes the careful path.
    for src, chunk in chunks:
        if _may_have_long_line(chunk):
            frames.append(_parse_lines_slowly(src, chunk, errors))
        else:
            easy.append((src, chunk))

    def parse_group(group: list[tuple[int, bytes]]) -> None:
        df = _fast_parse(group, line_counts)
        if df is not None:
            frames.append(_vector_checks(df, errors))
            return
        if len(group) > 1:
            mid = len(group) // 2
            parse_group(group[:mid])
            parse_group(group[mid:])
            return
        src, chunk = group[0]
        lines = chunk.count(b"\n")
        if lines <= _SPLIT_LINES:
            frames.append(_parse_lines_slowly(src, chunk, errors))
            return
        # Split one big chunk into pieces so only the piece holding the bad line is slow.
        pieces = chunk.split(b"\n")[:-1]
        for start in range(0, len(pieces), _SPLIT_LINES):
            piece = b"\n".join(pieces[start : start + _SPLIT_LINES]) + b"\n"
            sub_errors_before = len(errors)
            df = _fast_parse([(src, piece)])
            if df is None:
                df = _parse_lines_slowly(src, piece, errors)
                df = df.with_columns(pl.col("line") + start)
            else:
                df = _vector_checks(df, errors).with_columns(pl.col("line") + start)
            for err in errors[sub_errors_before:]:
                err.index += start
            frames.append(df)

    if easy:
        parse_group(easy)
    if not frames:
        return pl.DataFrame(schema=_metric_schema()), errors
    return pl.concat(frames, how="vertical"), errors
