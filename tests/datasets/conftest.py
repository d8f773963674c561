"""Fixtures for the dataset tests: tests/ on sys.path for the shared helpers, a small frame."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@pytest.fixture
def frame():
    """A small polars frame with numbers, text, nulls and a markup-named column."""
    import polars as pl

    return pl.DataFrame(
        {
            "x": [1, 2, 3, None, 5],
            "y": [0.5, 1.5, None, 2.5, 10.0],
            "label": ["a", "b", "a", None, "[red]x[/]"],
            "[red]x[/]": [True, False, True, True, None],
        }
    )
