"""list_runs' pivot in plain Python: long (run_key, section, key, value) rows into one tuple
per run, with params typed per key exactly as the polars pivot types them (runs_pivot).

This is the path of a one-shot command, which should not pay for importing polars and Arrow
(~0.45 s) to print a few thousand rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from workbench.catalog.queries.common import Rows

#: The base query's columns, run_key first (dropped from the result).
_BASE = ("run_key", "id", "project", "name", "status", "started_at", "ended_at", "duration_s")
_SECTION_ORDER = {"params": 0, "metrics": 1, "tags": 2}
#: A number logged with a fraction or exponent (or NaN/inf) makes its param key a float key.
_FRACTIONAL = re.compile(r"[.eEn]")


def pivot_rows(base: Sequence[tuple[Any, ...]], long: Sequence[tuple[Any, ...]]) -> Rows:
    """One row per `base` row (in its order): its run columns, then "section.key" columns
    (params, metrics, tags; keys sorted) from `long` (first value wins)."""
    position = {row[0]: i for i, row in enumerate(base)}
    n = len(base)
    columns: dict[str, list[Any]] = {}
    kinds: dict[str, set[str]] = {}
    for run_key, section, key, text, num, kind in long:
        column = columns.get(key)
        if column is None:
            column = columns[key] = [None] * n
            if section == 0:
                kinds[key] = set()
        i = position.get(run_key)
        if i is None or column[i] is not None:
            continue
        column[i] = num if section == 1 else text
        if section == 0:
            kinds[key].add("fractional" if kind == "number" and text and
                           _FRACTIONAL.search(text) else kind)
    for key, seen in kinds.items():
        columns[key] = _typed_param(columns[key], seen)
    keys = sorted(columns, key=lambda name: (_SECTION_ORDER[name.partition(".")[0]], name))
    names = [*_BASE[1:], *keys]
    values = [columns[k] for k in keys]
    out = []
    for i, row in enumerate(base):
        duration = row[7]
        out.append(
            (*row[1:7], float(duration) if duration is not None else None,
             *(column[i] for column in values))
        )
    return Rows(names, out)


def _as_float(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _as_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return int(float(text))


def _typed_param(column: list[Any], seen: set[str]) -> list[Any]:
    """Int/float when every value reads as a number (numbers, possibly logged as strings),
    bool when all are booleans, else the text as it is."""
    kset = {"number" if k == "fractional" else k for k in seen} - {"null", None}
    if "number" in kset and kset <= {"number", "string"}:
        floats = [None if text is None else _as_float(text) for text in column]
        if all(f is not None for f, text in zip(floats, column, strict=True) if text is not None):
            if kset == {"number"} and "fractional" not in seen:
                return [None if text is None else _as_int(text) for text in column]
            return floats
        return column
    if kset == {"bool"}:
        return [None if text is None else text == "true" for text in column]
    return column
