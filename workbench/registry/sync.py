"""Where a catalog's registry log lives, and keeping the catalog's registry tables equal to it.

The tables are rebuilt from the log whenever the log's head (last event's hash) differs from
the one they were built from; a damaged log, or one that lost events the catalog had seen,
is reported and never applied.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from workbench.catalog import registry_store as store
from workbench.catalog.contract import CatalogLike
from workbench.errors import CatalogError
from workbench.formats import registry_log as fmt
from workbench.registry.log import EventLog, Problem, Verification
from workbench.registry.state import RegistryState, replay

RegistryDir = str | os.PathLike[str] | None


def event_log(cat: CatalogLike, registry: RegistryDir = None) -> EventLog:
    """The log for this catalog: `registry` if given, else $WORKBENCH_REGISTRY, else
    `registry/` in the catalog's folder."""
    if registry:
        return EventLog(registry)
    return EventLog(fmt.default_registry_dir(Path(cat.path)))


def verify(cat: CatalogLike, registry: RegistryDir = None) -> Verification:
    """Check the log's chain, and that it still holds every event the catalog has seen."""
    return _verified(cat, event_log(cat, registry))[0]


def _verified(cat: CatalogLike, log: EventLog) -> tuple[Verification, bool, dict[int, str]]:
    """(verification, whether the catalog was built from this log, its seq -> hash)."""
    result = log.verify()
    with cat.connect(read_only=True) as con:
        same = store.registry_source(con) == str(log.path)
        known = store.event_hashes(con)
    if result.ok and same:
        result.problems.extend(_lost_events(result, known))
    return result, same, known


def _lost_events(result: Verification, known: dict[int, str]) -> list[Problem]:
    """Events the catalog recorded from this log that the log no longer holds."""
    seq, _ = result.head
    for event in result.events:
        recorded = known.get(int(event.get("seq", 0)))
        if recorded is not None and recorded != event.get("hash"):
            n = event.get("seq")
            return [Problem(n, n or 0, f"event {n} was replaced: it differs from the one recorded")]
    beyond = sorted(s for s in known if s > seq)
    if not beyond:
        return []
    span = str(beyond[0]) if len(beyond) == 1 else f"{beyond[0]} to {beyond[-1]}"
    return [Problem(beyond[0], seq + 1, f"event {span} was removed from the end of the log")]


def sync(cat: CatalogLike, registry: RegistryDir = None) -> Verification:
    """Bring the catalog's registry tables up to the log; returns the verification (a damaged
    log leaves the tables as they were). Only the models new events touched are rewritten."""
    log = event_log(cat, registry)
    result, same, known = _verified(cat, log)
    if not result.ok:
        return result
    if same and len(known) == len(result.events):
        return result  # the hashes of every event matched in _lost_events
    if not known and not result.events:
        return result
    state = replay(result.events)
    if same:
        with cat.connect() as con:
            # What the catalog holds is read again under the write lock: another process
            # may have synced some of these events since the read above.
            seen = max(store.event_hashes(con), default=0)
            fresh = [e for e in result.events if int(e.get("seq", 0)) > seen]
            if fresh:
                touched = sorted({str(e.get("model", "")) for e in fresh})
                store.replace_registry(con, str(log.path), *state_rows(state), fresh, only=touched)
    else:
        with cat.connect() as con:
            store.replace_registry(con, str(log.path), *state_rows(state), result.events)
    return result


def sync_after_write(cat: CatalogLike, registry: RegistryDir = None) -> None:
    """Sync after an event was written: the event is durable in the log already, so a busy
    or unwritable catalog is left to catch up on its next read instead of failing the write."""
    with contextlib.suppress(CatalogError):
        sync(cat, registry)


Rows = list[dict[str, Any]]


def state_rows(state: RegistryState) -> tuple[Rows, Rows, Rows, Rows]:
    """(models, versions, aliases, gates) of a replayed state as rows for the catalog."""
    models: Rows = []
    versions: Rows = []
    aliases: Rows = []
    gates: Rows = []
    for model in state.models.values():
        models.append(
            {"name": model.name, "created_at": model.created_at,
             "created_by": model.created_by, "latest": model.latest}
        )  # fmt: skip
        # a shallow copy of each version's fields: asdict's deep copy cost most of a sync
        versions += [dict(vars(v)) for v in model.versions.values()]
        aliases += [
            {"name": model.name, "alias": a, "version": v, "since": model.alias_since.get(a)}
            for a, v in model.aliases.items()
        ]
        gates += [g.to_dict() for g in model.gates]
    return models, versions, aliases, gates
