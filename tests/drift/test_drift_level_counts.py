"""A categorical column's level counts: exact, in one order (most common first, then by level),
whatever the batches, dictionary encodings and repeated dictionary entries they arrive in."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from workbench.drift.summary import _CategoricalAcc


def test_level_counts_are_exact_and_ordered_across_batches_and_encodings() -> None:
    rng = np.random.default_rng(5)
    names = [f"level-{i}" for i in range(3_000)] + ["[red]x[/]", "it's", ""]
    seen: Counter[str] = Counter()
    acc = _CategoricalAcc()
    for batch in range(6):
        picks = rng.integers(0, len(names), 20_000)
        values = [names[i] for i in picks]
        seen.update(values)
        if batch % 3 == 0:  # plain strings, with a null that is not a level
            acc.add(pa.array([*values, None]))
        elif batch % 3 == 1:  # dictionary-encoded
            acc.add(pa.array(values).dictionary_encode())
        else:  # a dictionary repeating its entries: one level counted once, in one row
            dictionary = pa.array(names + names)
            codes = pa.array(picks + len(names) * (np.arange(len(picks)) % 2))
            acc.add(pa.DictionaryArray.from_arrays(codes, dictionary))
    levels, counts = acc.finish()
    expected = sorted(seen.items(), key=lambda item: (-item[1], item[0]))
    assert list(zip(levels.to_pylist(), counts.tolist(), strict=True)) == expected
    assert acc.missing == 2
