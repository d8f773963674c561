"""Never unpickle: every registry command (and screen, see test_registry_tui.py) leaves a pickle
whose loading would create a file unloaded."""

from __future__ import annotations

import pickle
from pathlib import Path

from _registry_env import make_env
from click.testing import CliRunner

from workbench import registry
from workbench.cli.main import cli


class Trap:
    """Unpickling this calls open(marker, 'w'): the marker file appears."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def trapped_env(tmp_path: Path):
    """A registry whose two versions are pickles that create `marker` when loaded."""
    marker = tmp_path / "UNPICKLED"
    env = make_env(tmp_path, ())
    for auc in (0.8, 0.9):
        model = tmp_path / f"model-{auc}.pkl"
        model.write_bytes(pickle.dumps(Trap(marker)))
        env.add_run(auc, model=model, notes="pickled")
    assert not marker.exists()
    return env, marker


def test_no_command_loads_the_model(tmp_path) -> None:
    env, marker = trapped_env(tmp_path)
    commands = [
        ["register", env.run_ids[0], "churn"],
        ["register", env.run_ids[1], "churn"],
        ["gate", "churn", "--add", "metrics.auc >= 0.5"],
        ["gate", "churn", "--add", "beats champion on metrics.auc"],
        ["gate", "churn", "--list"],
        ["promote", "churn", "1", "--to", "champion", "--reason", "r"],
        ["promote", "churn", "2", "--to", "champion", "--reason", "r"],
        ["rollback", "churn", "--reason", "r"],
        ["promote", "churn", "2", "--to", "challenger", "--reason", "r"],
        ["alias", "churn", "--remove", "challenger", "--reason", "r"],
        [], ["--json"], ["show", "churn"], ["show", "churn@1"], ["show", "churn@champion", "--json"],
        ["history", "churn"], ["verify"],
        ["export", "churn@champion", str(tmp_path / "out")],
        ["card", "churn@2", "-o", str(tmp_path / "card.md")],
    ]  # fmt: skip
    for args in commands:
        result = env.cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert not marker.exists(), args
    assert (tmp_path / "out" / "model-0.8.pkl").read_bytes() == (tmp_path / "model-0.8.pkl").read_bytes()
    # the service functions the app uses
    registry.check_promotion(env.cat, "churn", 2, "champion")
    registry.list_versions(env.cat, "churn")
    # lineage through the registry, and the no drift gate
    graph = CliRunner().invoke(cli, ["--db", str(env.cat.path), "lineage", "churn@champion"])
    assert graph.exit_code == 0 and "version churn@1 [champion]" in graph.output, graph.output
    registry.change_gate(env.cat, "churn", "no drift", alias="challenger")
    assert registry.check_promotion(env.cat, "churn", 1, "challenger").gates[-1].status == "unavailable"
    assert not marker.exists()
    # the trap works: loading it would have created the file
    pickle.loads((tmp_path / "model-0.8.pkl").read_bytes()).close()
    assert marker.exists()
