"""The model registry's event log as a file format: one JSON event per line, hash-chained.

Standard library only: the registry (`workbench.registry`) writes and verifies the log, and
the tracking API reads it to resolve `NAME@ALIAS` without the catalog. See docs/registry.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

EVENTS_FILE = "events.jsonl"
LOCK_FILE = "events.lock"
#: Folder of the log beside the catalog, and the variable that puts it elsewhere.
REGISTRY_DIRNAME = "registry"
REGISTRY_ENV = "WORKBENCH_REGISTRY"
#: The `prev` of the first event.
GENESIS = "0" * 64
#: Event kinds that move an alias; each records the alias's new holder in `to_version`.
ALIAS_MOVES = ("promote", "alias_remove", "rollback")


def canonical(event: Mapping[str, Any]) -> str:
    """The event (without its `hash`) as canonical JSON text: sorted keys, no spaces."""
    body = {k: v for k, v in event.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 of the event's canonical text (its `prev` included, its `hash` left out)."""
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()


def encode_event(event: Mapping[str, Any]) -> str:
    """One log line (with its newline) for an event; `hash` is computed here."""
    sealed = dict(event)
    sealed["hash"] = event_hash(sealed)
    return json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def read_lines(path: Path) -> list[str]:
    """The complete lines of the log (a last line without its newline is a write in progress
    or a crashed writer's half event, and is not part of the log); [] when there is no log."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    return [line for line in lines[:-1] if line.strip()]


def parse_line(line: str) -> dict[str, Any] | None:
    """The event on one line, or None when the line is not a JSON object."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every parseable event of the log in file order (verification is the registry's job)."""
    return [e for e in (parse_line(line) for line in read_lines(path)) if e is not None]


def alias_holder(events: Iterable[Mapping[str, Any]], model: str, alias: str) -> int | None:
    """The version of `model` holding `alias` after `events` (None: nobody holds it)."""
    holder: int | None = None
    for event in events:
        if (
            event.get("kind") in ALIAS_MOVES
            and event.get("model") == model
            and event.get("alias") == alias
        ):
            value = event.get("to_version")
            holder = value if isinstance(value, int) else None
    return holder


def default_registry_dir(db_path: Path | None = None) -> Path:
    """Where the log lives: $WORKBENCH_REGISTRY, else `registry/` beside the catalog
    (`db_path`, else $WORKBENCH_DB, else the per-user data folder)."""
    env = os.environ.get(REGISTRY_ENV)
    if env:
        return Path(env).expanduser().absolute()
    if db_path is None:
        db_env = os.environ.get("WORKBENCH_DB")
        if db_env:
            db_path = Path(db_env).expanduser().absolute()
        else:
            from platformdirs import user_data_path

            db_path = user_data_path("workbench", appauthor=False) / "catalog.duckdb"
    return db_path.parent / REGISTRY_DIRNAME
