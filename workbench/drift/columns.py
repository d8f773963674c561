"""What kind each column is (numeric, categorical or unsupported), from its Arrow type."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NUMERIC = "numeric"
CATEGORICAL = "categorical"
UNSUPPORTED = "unsupported"
SKIP = "skip"
KINDS = (NUMERIC, CATEGORICAL, SKIP)

#: Column names that read as identifiers (with mostly distinct values they are skipped).
ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key|index|idx)$|^id[_\W]|Id$|ID$", re.I)


def kind_of(dtype: pa.DataType) -> str:
    """numeric for numbers and times, categorical for text, booleans and dictionaries."""
    if pa.types.is_dictionary(dtype):
        return CATEGORICAL
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return NUMERIC
    if pa.types.is_temporal(dtype):
        return NUMERIC
    if (
        pa.types.is_string(dtype)
        or pa.types.is_large_string(dtype)
        or pa.types.is_boolean(dtype)
        or getattr(pa.types, "is_string_view", lambda _t: False)(dtype)
    ):
        return CATEGORICAL
    return UNSUPPORTED


def column_kinds(schema: pa.Schema, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Each column's kind, with `overrides` ({"col": "numeric" | "categorical" | "skip"}) applied."""
    kinds = {f.name: kind_of(f.type) for f in schema}
    for name, kind in (overrides or {}).items():
        if kind not in KINDS:
            raise ValueError(f"column kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if name in kinds:
            kinds[name] = kind
    return kinds


def as_float(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric (or temporal) Arrow array as float64 with NaN where a value is missing."""
    dtype = array.type
    if pa.types.is_temporal(dtype):
        array = pc.cast(array, pa.int64()) if not pa.types.is_date32(dtype) else pc.cast(
            pc.cast(array, pa.int32()), pa.int64()
        )
    if pa.types.is_dictionary(dtype):
        array = array.dictionary_decode()
    if array.type != pa.float64():
        array = pc.cast(array, pa.float64(), safe=False)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.to_numpy(zero_copy_only=False)


def as_text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A column as an Arrow string array (categories are compared as text)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_large_string(array.type) or not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    return array
