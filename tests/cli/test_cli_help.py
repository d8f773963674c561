"""`--help` of every command at 80 columns, read as a person reads it: a one-line summary,
help on every flag, flag names whole (not broken across lines), one wording for --json."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from workbench.cli.main import _register, cli


def _commands() -> list[tuple[list[str], click.Command]]:
    _register()
    found: list[tuple[list[str], click.Command]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])

    walk(cli, [])
    return found


COMMANDS = _commands()
IDS = [" ".join(path) or "workbench" for path, _ in COMMANDS]


def test_every_command_is_seen() -> None:
    assert len(COMMANDS) > 40 and "models gate" in IDS and "dataset profile" in IDS


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_at_80_columns_reads_well(path: list[str], command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    text = result.output
    assert all(len(line) <= 80 for line in text.splitlines()), text
    summary = command.get_short_help_str(limit=200)
    assert summary and summary[0].isupper(), f"{IDS[COMMANDS.index((path, command))]}: {summary!r}"
    for param in command.params:
        if not isinstance(param, click.Option) or "--help" in param.opts:
            continue
        assert param.help, f"{param.opts} has no help"
        assert param.help.rstrip().endswith((".", ")")), f"{param.opts}: {param.help!r}"
        for name in [*param.opts, *param.secondary_opts]:
            assert name in text, f"{name} is broken across lines at 80 columns:\n{text}"
        if "--json" in param.opts:
            assert param.help != "Print JSON.", "say what --json prints (one object or a list)"


@pytest.mark.parametrize(("args", "ok"), [(["--higher-is-better"], "max"),
                                          (["--lower-is-better"], "min"), ([], None)])
def test_gate_direction_flags_still_mean_what_they_did(tmp_path, monkeypatch, args, ok) -> None:
    """--higher-is-better and --lower-is-better are two lines of help now, one setting still."""
    import workbench.registry as registry

    seen = {}

    class Event:
        summary = "changed"

    def change_gate(*_a, **kw):
        seen["direction"] = kw.get("direction")
        return Event()

    monkeypatch.setattr(registry, "change_gate", change_gate)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "c.duckdb"), "models", "gate", "m",
                                      "--add", "beats champion on metrics.auc", *args,
                                      "--reason", "r", "--registry", str(tmp_path / "reg")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert seen == {"direction": ok}
