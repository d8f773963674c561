"""The layering rules of docs/architecture.md, checked on the source: who may import what."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"
SQL_WORDS = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|CREATE\s+(TABLE|VIEW))\b", re.I | re.S)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


def test_textual_only_in_the_tui() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if _layer(p) != "tui" and {"textual", "textual_fastdatatable", "textual_plotext"} & _imported(p)
    ]
    assert offenders == []


def test_duckdb_only_in_the_catalog() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if _layer(p) != "catalog" and "duckdb" in _imported(p)
    ]
    assert offenders == []


def test_sql_only_in_the_catalog() -> None:
    """String literals that read as SQL statements live in workbench/catalog/ only.

    The SQL console's example query (shown to the user as a placeholder) is the one exception.
    """
    offenders = []
    for path in _modules():
        if _layer(path) == "catalog":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SQL_WORDS.search(node.value)
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    allowed = {"tui/screens/sql.py"}
    assert [o for o in offenders if o.split(":")[0] not in allowed] == []


def _imported_at_load(path: Path) -> set[str]:
    """Modules imported when the file is imported (module level, not inside a function)."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        stack.extend(ast.iter_child_nodes(node))
    return names


def test_tracking_imports_nothing_heavy() -> None:
    """At import time; a call that writes a user's frame may import that frame's library."""
    heavy = {"duckdb", "polars", "pyarrow", "textual", "numpy", "pandas", "rich", "click"}
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if _layer(p) == "tracking" and heavy & _imported_at_load(p)
    ]
    assert offenders == []
    # Only the frame writers of log_predictions import a frame library, inside the call.
    inside = {
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if _layer(p) == "tracking" and heavy & _imported(p)
    }
    assert inside <= {"tracking/predictions.py"}
