"""Plain-text tables (formatted once per shown cell, people's columns first) and the pager."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from _catalog_data import sample_catalog
from click.testing import CliRunner

from workbench.cli import pager
from workbench.cli.main import cli
from workbench.cli.table import TextOut, layout_table


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return str(sample_catalog(tmp_path_factory.mktemp("table")).path)


def test_runs_at_80_columns_shows_status_and_metrics_before_params(db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", db, "runs"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split()
    # runs of two projects: the name says which (project/name), the metrics still come first
    assert header[:5] == ["id", "project/name", "status", "metrics.acc", "metrics.loss"]
    assert not any(h.startswith("params.") for h in header[:5])
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_only_the_columns_shown_are_formatted() -> None:
    calls = []

    def fmt(value):
        calls.append(value)
        return str(value)

    columns = [f"c{i}" for i in range(40)]
    rows = [tuple("x" * 10 for _ in columns) for _ in range(500)]
    out = TextOut(width=80, color=False)
    hidden = layout_table(out, columns, rows, fmt, str)
    shown = 40 - len(hidden)
    assert shown == 6  # 6 columns of 10 cells and 2-space gaps fit in 80
    # a column that cannot fit is given up after a sample of 50 cells
    assert len(calls) == shown * 500 + len(hidden) * 50
    assert len(out.lines) == 502


def test_cells_are_shown_literally_and_clipped() -> None:
    out = TextOut(width=80, color=False)
    layout_table(out, ["name"], [("[red]x[/]\x1b[2J" + "y" * 60,)], str, str)
    from workbench.cli.output import format_cell

    out = TextOut(width=80, color=False)
    layout_table(out, ["name"], [("[red]x[/]\x1b[2J" + "y" * 60,)], format_cell, str)
    row = out.lines[2]
    assert row.startswith("[red]x[/]\\x1b[2J") and row.endswith("…") and len(row) == 40


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _page(monkeypatch, tmp_path: Path, text: str, *, tty: bool = True, paging: bool = True):
    seen = tmp_path / "paged.txt"
    script = tmp_path / "fake_pager.py"
    script.write_text(f"import sys; open({str(seen)!r}, 'w').write(sys.stdin.read())\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {script}")
    monkeypatch.setenv("LINES", "10")
    out = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    pager.show(text, paging=paging)
    return (seen.read_text() if seen.exists() else None), out.getvalue()


def test_long_output_to_a_terminal_goes_through_the_pager(monkeypatch, tmp_path) -> None:
    text = "".join(f"line {i}\n" for i in range(50))
    paged, printed = _page(monkeypatch, tmp_path, text)
    assert paged == text and printed == ""


@pytest.mark.parametrize(
    ("lines", "tty", "paging"),
    [(3, True, True), (50, False, True), (50, True, False)],
    ids=["fits the screen", "not a terminal", "--no-pager"],
)
def test_output_is_printed_directly(monkeypatch, tmp_path, lines, tty, paging) -> None:
    text = "".join(f"line {i}\n" for i in range(lines))
    paged, printed = _page(monkeypatch, tmp_path, text, tty=tty, paging=paging)
    assert paged is None and printed == text


def test_pager_choice(monkeypatch) -> None:
    monkeypatch.delenv("PAGER", raising=False)
    assert pager.pager_command() == ["less", "-FRSX"]
    monkeypatch.setenv("PAGER", "cat")
    assert pager.pager_command() is None
    monkeypatch.setenv("PAGER", "")
    assert pager.pager_command() is None
    monkeypatch.setenv("PAGER", "most -s")
    assert pager.pager_command() == ["most", "-s"]


def test_no_pager_flag_reaches_the_commands(db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", db, "--no-pager", "runs"], env={"COLUMNS": "80"})
    assert result.exit_code == 0 and "name" in result.stdout
