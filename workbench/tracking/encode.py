"""Validate and encode what a training script logs: metric lines, params and tags as JSON text.

The metric encoder is the hot path of the tracking API: it never calls json.dumps per point.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from collections.abc import Mapping

from workbench.errors import RunFormatError
from workbench.formats.spec import MAX_KEY_LENGTH

#: JSON text of the three non-finite values (docs/run-format.md, metrics.jsonl).
_NAN_TEXT = '"NaN"'
_POS_INF_TEXT = '"Infinity"'
_NEG_INF_TEXT = '"-Infinity"'

#: Integers beyond this magnitude are written as floats (readers store values as doubles).
_MAX_EXACT_INT = 2**53

#: Steps are stored as signed 64-bit integers: this one and beyond are refused.
STEP_LIMIT = 1 << 63

#: Control characters (C0, DEL, C1): the catalog refuses keys holding one, so the writer does.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

#: metric key -> the JSON text that starts its line: {"key":"<key>","value":
_key_prefixes: dict[str, str] = {}


def check_key(key: object, what: str) -> str:
    """Return `key` if it is a usable key: a non-empty str of ≤ MAX_KEY_LENGTH UTF-8 characters,
    none of them a control character."""
    if not isinstance(key, str):
        raise RunFormatError(f"{what} keys must be strings, got {type(key).__name__} {key!r}")
    if not key:
        raise RunFormatError(f"{what} keys must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise RunFormatError(
            f"{what} key {key[:40]!r}... is {len(key)} characters long; the limit is {MAX_KEY_LENGTH}"
        )
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise RunFormatError(f"{what} key {key!r} is not valid UTF-8 text") from None
    if _CONTROL.search(key):
        raise RunFormatError(
            f"{what} key {key!r} holds a control character (NUL, ESC, newline...); use printable"
            " text"
        )
    return key


def metric_key_prefix(key: object) -> str:
    """Return (and cache) the start of a metric line for `key`, validating the key once."""
    prefix: str | None = _key_prefixes.get(key)  # type: ignore[call-overload]
    if prefix is None:
        check_key(key, "Metric")
        prefix = '{"key":' + json.dumps(key, ensure_ascii=False) + ',"value":'
        if len(_key_prefixes) < 100_000:
            _key_prefixes[key] = prefix  # type: ignore[index]
    return prefix


def _is_numpy_bool(value: object) -> bool:
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool")


def _is_complex(value: object) -> bool:
    """complex, numpy.complex128 and any other number with an imaginary part (numpy registers
    its complex types as numbers.Complex, so numpy need not be imported to know them)."""
    return isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real)


def metric_value_text(key: str, value: object) -> str:
    """Return the JSON text of a metric value; the slow path for anything but a plain float/int."""
    if isinstance(value, (bool, str, bytes)) or _is_numpy_bool(value) or _is_complex(value):
        raise RunFormatError(
            f"metric {key!r} must be a real number, got {type(value).__name__} {value!r}"
        )
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise RunFormatError(
            f"metric {key!r} must be a real number, got {type(value).__name__} {value!r}"
        ) from None
    if number != number:
        return _NAN_TEXT
    if number == math.inf:
        return _POS_INF_TEXT
    if number == -math.inf:
        return _NEG_INF_TEXT
    return repr(number)


def check_step(step: object) -> int:
    """Return `step` as an int if it is an integer ≥ 0 (numpy integers accepted)."""
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise RunFormatError(
            f"the step must be an integer ≥ 0, got {type(step).__name__} {step!r}"
        )
    step = int(step)
    if step < 0:
        raise RunFormatError(f"the step must be an integer ≥ 0, got {step}")
    if step >= STEP_LIMIT:
        raise RunFormatError(f"the step must be below 2**63 (a signed 64-bit integer), got {step}")
    return step


def encode_metrics(metrics: Mapping[str, object], step: int, timestamp: float) -> str:
    """Return the metrics.jsonl lines for one call; raise RunFormatError before returning anything.

    Finite floats' repr is valid JSON, so a line is built by joining cached text, no json.dumps.
    """
    if type(metrics) is not dict and not isinstance(metrics, Mapping):
        raise RunFormatError(
            f"metrics must be a dict of name -> number, got {type(metrics).__name__}"
        )
    tail = f',"step":{step},"timestamp":{timestamp!r}}}\n'
    prefixes = _key_prefixes
    parts: list[str] = []
    append = parts.append
    for key, value in metrics.items():
        prefix = prefixes.get(key)
        if prefix is None:
            prefix = metric_key_prefix(key)
        kind = type(value)
        if kind is float:
            if value - value == 0.0:  # type: ignore[operator]  # finite: inf - inf, nan - nan are nan
                append(prefix + repr(value) + tail)
                continue
        elif kind is int and -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT:  # type: ignore[operator]
            append(prefix + repr(value) + tail)
            continue
        append(prefix + metric_value_text(key, value) + tail)
    return "".join(parts)


def _param_scalar(key: str, value: object) -> object:
    """Return a JSON scalar for one param value, or raise RunFormatError naming the key."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if _is_numpy_bool(value):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number):
            return number
        return "NaN" if number != number else ("Infinity" if number > 0 else "-Infinity")
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        items = [_param_scalar(key, item) for item in value]
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    raise RunFormatError(
        f"param {key!r} has a {type(value).__name__} value {value!r:.80}; use a string, number, "
        "boolean, None, a list of those, or a dict of those"
    )


def flatten_params(params: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Flatten nested dicts with "." and turn each value into a JSON scalar (see Run.log_params)."""
    if not isinstance(params, Mapping):
        raise RunFormatError(f"params must be a dict, got {type(params).__name__}")
    flat: dict[str, object] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            check_key(key, "Param")
        full = prefix + key
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, full + "."))
            continue
        check_key(full, "Param")
        flat[full] = _param_scalar(full, value)
    return flat


def check_tags(tags: Mapping[str, object]) -> dict[str, str]:
    """Return `tags` as a dict of str to str, or raise RunFormatError naming the bad entry."""
    if not isinstance(tags, Mapping):
        raise RunFormatError(f"tags must be a dict, got {type(tags).__name__}")
    checked: dict[str, str] = {}
    for key, value in tags.items():
        check_key(key, "Tag")
        if not isinstance(value, str):
            raise RunFormatError(
                f"tag {key!r} must have a string value, got {type(value).__name__} {value!r:.80}"
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RunFormatError(f"tag {key!r} has a value that is not valid UTF-8 text") from None
        checked[key] = value
    return checked


def json_line(record: Mapping[str, object]) -> str:
    """Return one compact JSON Lines record (no NaN: raise RunFormatError instead)."""
    try:
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise RunFormatError(f"cannot write this record as JSON: {exc}") from None
