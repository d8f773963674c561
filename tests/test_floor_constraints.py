"""`.ci/floor_constraints.py` pins every direct dependency to its declared lower bound."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("tomllib")  # the script runs on the main Python (3.11+), as CI does

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("floor_constraints", ROOT / ".ci/floor_constraints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_floor_pin_takes_the_lower_bound():
    floor_pin = _script().floor_pin
    assert floor_pin("duckdb>=1.4.0") == "duckdb==1.4.0"
    assert floor_pin("textual[syntax] >= 8.2, <9") == "textual==8.2"
    assert floor_pin("mlflow==3.17.2") == "mlflow==3.17.2"
    assert floor_pin("numpy>=1.26; python_version < '3.13'") == "numpy==1.26"
    with pytest.raises(ValueError, match="no lower bound"):
        floor_pin("polars")
    with pytest.raises(ValueError, match="no lower bound"):
        floor_pin("polars<2")


def test_every_declared_dependency_has_a_floor():
    pins = _script().floor_constraints(ROOT / "pyproject.toml", ["test"])
    names = [pin.split("==")[0] for pin in pins]
    assert {"duckdb", "polars", "pyarrow", "textual", "pytest"} <= set(names)
    assert all("==" in pin and pin.split("==")[1] for pin in pins)
