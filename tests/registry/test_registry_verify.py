"""`verify` names the event that was edited, removed or reordered; a damaged log takes no writes."""

from __future__ import annotations

import json

import pytest
from _registry_env import make_env

from workbench import registry
from workbench.errors import RegistryDamagedError


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path, (0.8, 0.9))
    registry.register(env.cat, env.run_ids[0], "churn")
    registry.register(env.cat, env.run_ids[1], "churn")
    registry.promote(env.cat, "churn", 1, "champion", "first")
    registry.promote(env.cat, "churn", 2, "champion", "second")
    registry.rollback(env.cat, "churn", "bad")
    assert registry.verify(env.cat).ok
    return env


def _lines(env) -> list[str]:
    return env.log_path.read_text().splitlines(keepends=True)


def _verify_cli(env) -> tuple[int, str]:
    result = env.cli("verify")
    return result.exit_code, result.stderr


def test_an_edited_event_is_named(env) -> None:
    lines = _lines(env)
    event = json.loads(lines[2])
    event["reason"] = "nothing to see"
    lines[2] = json.dumps(event, sort_keys=True, separators=(",", ":")) + "\n"
    env.log_path.write_text("".join(lines))
    code, text = _verify_cli(env)
    assert code == 1 and "event 3 was altered" in text


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(env) -> None:
    from workbench.formats.registry_log import encode_event

    lines = _lines(env)
    event = json.loads(lines[1])
    event["to_version"] = 7
    lines[1] = encode_event(event)
    env.log_path.write_text("".join(lines))
    result = registry.verify(env.cat)
    assert "event 2 was altered or replaced" in result.summary()


def test_a_removed_event_is_named(env) -> None:
    lines = _lines(env)
    del lines[1]
    env.log_path.write_text("".join(lines))
    code, text = _verify_cli(env)
    assert code == 1 and "event 2 was removed" in text


def test_events_removed_from_the_end_are_named_against_the_catalog(env) -> None:
    env.log_path.write_text("".join(_lines(env)[:3]))
    result = registry.verify(env.cat)
    assert not result.ok and "event 4 to 5 was removed from the end" in result.summary()
    # the tables keep the last verified state, and the CLI warns
    out = env.cli()
    assert "warning: event 4 to 5 was removed" in out.stderr
    assert "champion=v1" in out.stdout


def test_reordered_events_are_named(env) -> None:
    lines = _lines(env)
    lines[2], lines[3] = lines[3], lines[2]
    env.log_path.write_text("".join(lines))
    code, text = _verify_cli(env)
    assert code == 1 and "out of order" in text


def test_a_damaged_log_takes_no_write(env) -> None:
    lines = _lines(env)
    del lines[0]
    env.log_path.write_text("".join(lines))
    before = env.log_path.read_bytes()
    with pytest.raises(RegistryDamagedError, match="nothing was written"):
        registry.promote(env.cat, "churn", 1, "challenger", "x")
    assert env.log_path.read_bytes() == before


def test_a_half_written_last_line_is_not_an_event_and_is_cut_by_the_next_writer(env) -> None:
    with open(env.log_path, "a") as fh:
        fh.write('{"seq": 6, "kind": "prom')
    assert registry.verify(env.cat).ok
    registry.promote(env.cat, "churn", 2, "challenger", "after a crash")
    assert registry.verify(env.cat).ok
    assert [e["seq"] for e in env.events()] == [1, 2, 3, 4, 5, 6]
