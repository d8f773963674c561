"""Two real processes promoting at once: both events land, chained, and the alias is consistent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from _registry_env import make_env

from workbench import registry

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbench import registry
    from workbench.catalog.connection import Catalog
    from workbench.registry import gates

    judge = gates.evaluate

    def slow_evaluate(*args, **kwargs):  # widen the window between reading the log and writing
        time.sleep(0.5)
        return judge(*args, **kwargs)

    gates.evaluate = slow_evaluate

    db, version, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    cat = Catalog(db)
    registry.list_models(cat)  # warm up: imports and first open done before the start signal
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    done = registry.promote(cat, "churn", version, "champion", f"process for v{version}")
    print(done.event.seq, done.event.from_version, done.event.to_version, flush=True)
    """
)


def test_two_processes_promoting_at_once_both_land_in_order(tmp_path) -> None:
    env = make_env(tmp_path, (0.7, 0.8, 0.9))
    for run_id in env.run_ids:
        registry.register(env.cat, run_id, "churn")
    registry.promote(env.cat, "churn", 1, "champion", "start")
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(env.cat.path), str(v), str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for v in (2, 3)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(out.split())
    assert sorted(int(o[0]) for o in outputs) == [5, 6]
    events = env.events()
    assert [e["kind"] for e in events] == ["register"] * 3 + ["promote"] * 3
    first, second = events[4], events[5]
    assert first["from_version"] == 1
    assert second["from_version"] == first["to_version"]  # decided on the state after the first
    assert {first["to_version"], second["to_version"]} == {2, 3}
    assert registry.verify(env.cat).ok
    assert registry.get_version(env.cat, "churn@champion").version == second["to_version"]
    # the catalog holds the same final state as the log
    assert {m.name: m.aliases for m in registry.list_models(env.cat)} == {
        "churn": {"champion": second["to_version"]}
    }


HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.readline()
    con.close()
    """
)


def test_a_promotion_lands_while_another_process_holds_the_catalog(tmp_path) -> None:
    from workbench.catalog.connection import Catalog

    env = make_env(tmp_path, (0.7,))
    registry.register(env.cat, env.run_ids[0], "churn")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(env.cat.path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        impatient = Catalog(env.cat.path, busy_timeout=0.2)
        done = registry.promote(impatient, "churn", 1, "champion", "while busy")
        assert done.event.seq == 2 and env.events()[-1]["kind"] == "promote"
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    # the catalog catches up on its next read
    assert registry.get_version(env.cat, "churn@champion").version == 1
