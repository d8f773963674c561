"""The layering rules of docs/architecture.md, checked on the source: who may import what."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"
SQL_WORDS = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|CREATE\s+(TABLE|VIEW))\b", re.I | re.S)
# Transaction control: in capitals anywhere in a string, or in any case as a whole statement
# handed to execute()/sql(); and DuckDB's begin()/commit()/rollback() methods.
TRANSACTION_WORDS = re.compile(r"\b(BEGIN|COMMIT|ROLLBACK|ABORT)\b|\b(START|END)\s+TRANSACTION\b")
TRANSACTION_STATEMENT = re.compile(
    r"\s*(begin|start|end|commit|rollback|abort)(\s+(transaction|work))?\s*;?\s*", re.I
)
TRANSACTION_METHODS = {"begin", "commit", "rollback"}
EXECUTE_METHODS = {"execute", "executemany", "sql", "query"}


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


def _transaction_control(source: str) -> list[int]:
    """Lines of `source` that begin, commit or roll back a transaction themselves."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if (is_text and TRANSACTION_WORDS.search(node.value)) or (
            isinstance(node, ast.Call) and _controls_a_transaction(node)
        ):
            lines.add(node.lineno)
    return sorted(lines)


def _controls_a_transaction(call: ast.Call) -> bool:
    """`con.commit()` and friends, or `con.execute("commit")` in any case."""
    if not isinstance(call.func, ast.Attribute):
        return False
    method = call.func.attr
    if method in TRANSACTION_METHODS:
        return not call.args
    first = call.args[0] if call.args else None
    return (
        method in EXECUTE_METHODS
        and isinstance(first, ast.Constant)
        and isinstance(first.value, str)
        and TRANSACTION_STATEMENT.fullmatch(first.value) is not None
    )


def test_transaction_control_is_recognised() -> None:
    source = (
        'con.execute("BEGIN TRANSACTION")\n'
        'con.execute("COMMIT")\n'
        "con.execute('rollback')\n"
        "con.begin()\n"
        "con.commit()\n"
        "text = 'START TRANSACTION; INSERT INTO t VALUES (1)'\n"
        'commit = git.get("commit")\n'
        'con.execute("SELECT 1")\n'
        "\"\"\"commits rows with their offsets in one transaction\"\"\"\n"
    )
    assert _transaction_control(source) == [1, 2, 3, 4, 5, 6]


def test_transactions_only_in_the_catalog() -> None:
    """Transactions come from the catalog layer (`ingest_store.transaction(con)`), never as
    BEGIN/COMMIT/ROLLBACK text or connection methods in the layers above it."""
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in _modules()
        if _layer(path) != "catalog"
        for line in _transaction_control(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


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


def _imported_modules(path: Path) -> set[str]:
    """Full dotted names of every absolute import in `path` (TYPE_CHECKING ones too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_app_reaches_the_catalog_only_through_its_service_module() -> None:
    """Screens and widgets call workbench/tui/service.py; only it imports catalog or ingest."""
    below = ("workbench.catalog", "workbench.ingest")
    offenders = [
        f"{p.relative_to(PACKAGE)}: {name}"
        for p in _modules()
        if _layer(p) == "tui" and p != PACKAGE / "tui" / "service.py"
        for name in sorted(_imported_modules(p))
        if name.startswith(below)
    ]
    assert offenders == []


def test_formatting_is_standard_library_only() -> None:
    """workbench/formatting.py is importable from every layer, the tracking layer included."""
    import sys

    imported = _imported(PACKAGE / "formatting.py")
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_duckdb_version_differences_live_in_compat_only() -> None:
    """`con.complete()` exists in DuckDB 2.x only: code calls compat.finish_pending instead."""
    offenders = [
        f"{p.relative_to(PACKAGE)}:{node.lineno}"
        for p in _modules()
        if p != PACKAGE / "catalog" / "compat.py"
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "complete"
        and not node.args
    ]
    assert offenders == []
