"""The audit trail: every path leaves its event (and only its event), and the catalog's registry
tables rebuild exactly from run folders plus the log."""

from __future__ import annotations

import json
import re

from _registry_env import make_env, registry_dump

from workbench import registry
from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _check_event(event: dict, kind: str, reason: str | None) -> None:
    assert event["kind"] == kind
    assert event["reason"] == reason
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$", event["at"])
    assert "@" in event["who"]
    assert HEX64.match(event["prev"]) and HEX64.match(event["hash"])


def test_every_cli_path_is_one_event_with_when_who_what_why(tmp_path) -> None:
    env = make_env(tmp_path)
    steps = [
        (["register", env.run_ids[0], "churn", "--reason", "baseline"], "register", "baseline", 0),
        (["register", env.run_ids[1], "churn"], "register", None, 0),
        (["gate", "churn", "--to", "champion", "--add", "metrics.auc >= 0.85",
          "--reason", "policy"], "gate_add", "policy", 0),
        (["promote", "churn", "2", "--to", "champion", "--reason", "better"], "promote", "better", 0),
        (["promote", "churn", "1", "--to", "champion", "--reason", "nope"], None, None, 1),
        (["promote", "churn", "1", "--to", "champion", "--reason", "drill", "--force"],
         "promote", "drill", 0),
        (["rollback", "churn", "--reason", "undo drill"], "rollback", "undo drill", 0),
        (["promote", "churn", "1", "--to", "challenger", "--reason", "shadow", "--force"],
         "promote", "shadow", 0),
        (["alias", "churn", "--remove", "challenger", "--reason", "done"], "alias_remove", "done", 0),
        (["gate", "churn", "--to", "champion", "--remove", "metrics.auc >= 0.85"],
         "gate_remove", None, 0),
        (["rollback", "churn", "--alias", "challenger", "--reason", "back"], "rollback", "back", 0),
        (["rollback", "churn", "--alias", "challenger", "--reason", "x"], None, None, 1),
    ]  # fmt: skip
    count = 0
    for args, kind, reason, code in steps:
        result = env.cli(*args)
        assert result.exit_code == code, (args, result.output)
        events = env.events()
        if kind is None:
            assert len(events) == count, args  # a refusal writes nothing
            assert result.stderr.startswith("error: ")
            continue
        count += 1
        assert len(events) == count, args
        _check_event(events[-1], kind, reason)
        assert registry.verify(env.cat).ok
    history = json.loads(env.cli("history", "churn", "--json").output)
    assert [e["seq"] for e in history] == list(range(count, 0, -1))
    promote_forced = next(e for e in history if e["reason"] == "drill")
    assert promote_forced["forced"] and promote_forced["from_version"] == 2
    rolled = next(e for e in history if e["reason"] == "undo drill")
    assert (rolled["from_version"], rolled["to_version"]) == (1, 2)
    assert registry.get_version(env.cat, "churn@champion").version == 2


def test_rebuilding_the_catalog_from_folders_and_log_restores_the_registry(tmp_path) -> None:
    env = make_env(tmp_path)
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    registry.change_gate(env.cat, "churn", "beats champion on metrics.auc", alias="champion",
                         direction="max")  # fmt: skip
    registry.promote(env.cat, "churn", 1, "champion", "first")
    registry.promote(env.cat, "churn", 2, "champion", "second")
    registry.promote(env.cat, "churn", 3, "challenger", "shadow")
    registry.rollback(env.cat, "churn", "regression")
    before = registry_dump(env.cat)
    assert all(before[t] for t in ("model_version", "model_alias", "gate", "registry_event"))

    rebuilt = Catalog(tmp_path / "rebuilt" / "catalog.duckdb")
    ingest_paths(rebuilt, [env.root])
    registry.sync(rebuilt, env.registry)
    assert registry_dump(rebuilt) == before
    assert [m.aliases for m in registry.list_models(rebuilt, env.registry)] == [
        {"champion": 1, "challenger": 3}
    ]
