"""Every error a user can cause reads the same way: the CLI prints `error: <sentence>`, so the
sentence starts in lower case (unless its first word is a name such as MLflow or SQL, or a
value put in front) and ends without a full stop. Checked over every `WorkbenchError`
subclass raised with a literal message anywhere in the package, and over the CLI's own
`error:` lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import workbench
from workbench.cli.main import cli

PACKAGE = Path(workbench.__file__).resolve().parent

#: First words that keep their capital: names of things, not the start of a sentence.
PROPER = {"MLflow", "DuckDB", "SQL", "SQLite", "JSON", "CSV", "Parquet", "Arrow", "NaN",
          "UTF-8", "ISO", "SHA-256", "Python", "Textual", "HTTP", "URL", "ID"}  # fmt: skip


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """Names of WorkbenchError and of every class deriving from it, in any module."""
    names = {"WorkbenchError"}
    while True:
        found = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(
                (b.id if isinstance(b, ast.Name) else getattr(b, "attr", None)) in names
                for b in node.bases
            )
        }
        if found <= names:
            return names
        names |= found


def _literal(node: ast.expr) -> str | None:
    """The text of a message written in place: a string, an f-string (values as '{}'),
    or the left end of a concatenation; None for a message held in a variable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None else left + (right if right is not None else "{}")
    if isinstance(node, ast.IfExp):
        return _literal(node.body)
    return None


def _messages() -> list[tuple[str, str]]:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}
    classes = _error_classes(trees)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in classes:
                continue
            texts = [_literal(node.args[0])]
            if isinstance(node.args[0], ast.IfExp):
                texts.append(_literal(node.args[0].orelse))
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            found += [(where, text) for text in texts if text is not None]
    return found


def _breaks_the_rule(text: str) -> str | None:
    first = text.split(" ", 1)[0].rstrip(":,;")
    if text[:1].isupper() and first not in PROPER and not (first.isupper() and len(first) > 1):
        return "starts with a capital"
    if text.rstrip().endswith(".") and not text.rstrip().endswith(".."):
        return "ends with a full stop"
    return None


def test_the_survey_sees_the_package_errors() -> None:
    messages = _messages()
    assert len(messages) > 150  # every module's raises, the tracking API's too
    assert any(w.startswith("workbench/drift/") for w, _ in messages)
    assert any(w.startswith("workbench/tracking/") for w, _ in messages)


def test_every_error_message_is_one_lower_case_sentence_without_a_full_stop() -> None:
    wrong = [f"{where}: {why}: {text!r}" for where, text in _messages()
             if (why := _breaks_the_rule(text))]  # fmt: skip
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("text", "ok"),
    [("no run matches 'x'", True), ("No run matches 'x'", False), ("cannot read it.", False),
     ("MLflow store {} is locked", True), ("{} is not valid JSON", True),
     ("SQL error: {}", True), ("see `workbench runs`...", True)],
)  # fmt: skip
def test_the_rule(text: str, ok: bool) -> None:
    assert (_breaks_the_rule(text) is None) is ok


def test_cli_error_lines_in_the_source_follow_the_rule() -> None:
    """The CLI's own `error: ...`, `warning: ...` and `note: ...` lines written in place."""
    pattern = re.compile(r"""["'](error|warning|note|problem): ([^"'{]*)""")
    found = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            if match.group(2) and (why := _breaks_the_rule(match.group(2))):
                found.append(f"{path.name}: {why}: {match.group(0)!r}")
    assert not found, "\n".join(found)


def test_errors_a_person_meets_read_the_same_way(tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    runner = CliRunner()
    for args in (["drift", "show", "nope"], ["drift", "check", str(tmp_path / "a.csv"),
                                              str(tmp_path / "b.csv")],
                 ["show", "nope"], ["dataset", "show", "nope@1"]):  # fmt: skip
        result = runner.invoke(cli, ["--db", db, *args])
        assert result.exit_code == 1, (args, result.output)
        line = result.stderr.strip()
        assert line.startswith("error: ") and "\n" not in line, (args, line)
        sentence = line.removeprefix("error: ").split(" (", 1)[0]
        assert _breaks_the_rule(sentence) is None, (args, line)
