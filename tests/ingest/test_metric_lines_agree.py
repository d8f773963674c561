"""The fast (columnar) and the per-line metrics parsers accept and refuse the same lines, read
the same values, whatever the whitespace, duplicate keys (the last one counts, as in JSON
parsers), quoted numbers and odd key types."""

from __future__ import annotations

import json
import math

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.formats.metric_lines import _parse_lines_slowly, parse_metric_chunks

VALUES = ["0.5", '"0.5"', '"NaN"', '"Infinity"', '"-Infinity"', '"nan"', "1", "1e400", "true",
          "null", '"high"', "-2.25", '{"x":1}']  # fmt: skip
KEYS = ['"loss"', '"a:b"', "1", "true", '"1"', '"\\u006coss"', '""', "null", '"x y"']
STEPS = ["0", "3", "-1", "1.0", '"3"']
SEPARATORS = [":", " : ", ": ", " :", "\t:\t"]


def _mostly(draw, good: str, pool: list[str]) -> str:
    """Usually a good value (so most groups parse columnar), sometimes any of `pool`."""
    return good if draw(st.integers(0, 3)) else draw(st.sampled_from(pool))


@st.composite
def metric_line(draw) -> str:
    fields = [
        ("key", _mostly(draw, '"loss"', KEYS)),
        ("value", _mostly(draw, "0.25", VALUES)),
        ("step", _mostly(draw, "2", STEPS)),
        ("timestamp", _mostly(draw, "1.5", ["2", '"x"'])),
    ]
    if draw(st.integers(0, 3)) == 0:  # a duplicate of some field, before or after the first
        dup = draw(st.sampled_from(["key", "value", "step"]))
        pool = {"key": KEYS, "value": VALUES, "step": STEPS}[dup]
        fields.insert(draw(st.integers(0, len(fields))), (dup, draw(st.sampled_from(pool))))
    if draw(st.integers(0, 5)) == 0:
        fields.append(("extra", draw(st.sampled_from(['"z"', "1", '{"value":"0.5"}']))))
    if draw(st.integers(0, 5)) == 0:
        fields.pop(draw(st.integers(0, len(fields) - 1)))
    fields = draw(st.permutations(fields))
    sep = _mostly(draw, ":", SEPARATORS)
    comma = draw(st.sampled_from([",", ", "]))
    return "{" + comma.join(f'"{k}"{sep}{v}' for k, v in fields) + "}"


def _points(frame: pl.DataFrame) -> list[tuple]:
    return [
        (line, key, step, ts, "nan" if math.isnan(value) else value)
        for line, key, step, ts, value in frame.select("line", "key", "step", "ts", "value")
        .sort("line").iter_rows()
    ]  # fmt: skip


def both_paths(lines: list[str]) -> tuple[tuple, tuple]:
    chunk = "".join(line + "\n" for line in lines).encode()
    fast, fast_errors = parse_metric_chunks([(0, chunk)])
    slow_errors: list = []
    slow = _parse_lines_slowly(0, chunk, slow_errors)
    return (
        (_points(fast), sorted(e.index for e in fast_errors)),
        (_points(slow), sorted(e.index for e in slow_errors)),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(metric_line(), min_size=1, max_size=12))
def test_fast_and_slow_paths_agree(lines):
    fast, slow = both_paths(lines)
    assert fast == slow


def _good(i: int) -> str:
    return json.dumps({"key": "loss", "value": i / 10, "step": i, "timestamp": 1.0},
                      separators=(",", ":"))  # fmt: skip


def test_quoted_number_is_refused_whatever_the_whitespace():
    for line in ['{"key":"k","value":"0.5","step":1,"timestamp":1}',
                 '{"key":"k","value" : "0.5","step":1,"timestamp":1}',
                 '{"key":"k","value":  "0.5","step":1,"timestamp":1}']:  # fmt: skip
        lines = [_good(0), '{"key":"k","value":"NaN","step":1,"timestamp":1}', line]
        points, errors = parse_metric_chunks([(0, ("\n".join(lines) + "\n").encode())])
        assert [e.index for e in errors] == [2], line
        assert points.height == 2


def test_duplicate_key_means_the_last_one():
    lines = [_good(0), '{"key":"k","value":1,"step":1,"timestamp":1,"value":2}',
             '{"key":"a","key":"b","value":1,"step":1,"timestamp":1}']  # fmt: skip
    points, errors = parse_metric_chunks([(0, ("\n".join(lines) + "\n").encode())])
    assert errors == []
    assert points.select("key", "value").rows() == [("loss", 0.0), ("k", 2.0), ("b", 1.0)]


def test_a_number_as_key_is_refused():
    lines = [_good(0), '{"key":1,"value":1,"step":1,"timestamp":1}']
    points, errors = parse_metric_chunks([(0, ("\n".join(lines) + "\n").encode())])
    assert [e.message for e in errors] == ["key must be a non-empty string"]


def test_keys_with_colons_and_clean_input_stay_on_the_fast_path(monkeypatch):
    import workbench.formats.metric_lines as ml

    def no_slow_path(*a, **k):
        raise AssertionError("clean input took the per-line path")

    monkeypatch.setattr(ml, "_parse_lines_slowly", no_slow_path)
    lines = [json.dumps({"key": k, "value": 0.5, "step": 1, "timestamp": 1.0})
             for k in ("eval:acc", "loss", "a:b:c")] + [_good(3)]  # fmt: skip
    lines.append('{"key":"loss","value":"NaN","step":2,"timestamp":1}')
    points, errors = parse_metric_chunks([(0, ("\n".join(lines) + "\n").encode())])
    assert errors == [] and points.height == 5
