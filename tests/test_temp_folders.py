"""Tests write in their own temporary folders (tmp_path), never at a fixed path under /tmp:
two checkouts running the suite at once would race there, and it leaves files behind."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
_OPENERS = {"Path", "open", "mkdir", "makedirs", "rmtree", "connect", "Catalog", "mkfifo"}


def _fixed_tmp_paths(source: str) -> list[int]:
    """Lines where a literal path under /tmp is handed to something that opens or makes it."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in _OPENERS:
            continue
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("/tmp"):
                lines.append(node.lineno)
    return lines


def test_the_check_sees_a_fixed_path() -> None:
    source = 'from pathlib import Path\nROOT = Path("/tmp/wb-snapshots")\nopen("/tmp/x", "w")\n'
    assert _fixed_tmp_paths(source) == [2, 3]
    assert _fixed_tmp_paths('SHOWN = "/tmp/wb-snapshots"\nPath(tmp_path) / "x"\n') == []


def test_no_test_writes_at_a_fixed_path_under_tmp() -> None:
    offenders = [
        f"{path.relative_to(TESTS)}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        for line in _fixed_tmp_paths(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
