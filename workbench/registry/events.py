"""Registry events as typed records, and the one-line text the CLI and the app show for each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: Every kind of event the registry writes.
KINDS = ("register", "promote", "alias_remove", "rollback", "gate_add", "gate_remove", "tag")


@dataclass(frozen=True)
class RegistryEvent:
    """One line of the log: when, who, what, from which version to which, and why."""

    seq: int
    at: str
    who: str
    kind: str
    model: str
    alias: str | None = None
    from_version: int | None = None
    to_version: int | None = None
    reason: str | None = None
    forced: bool = False
    expr: str | None = None
    gates: list[dict[str, Any]] = field(default_factory=list)
    hash: str = ""
    raw_tags: dict[str, str] = field(default_factory=dict)  # a `tag` event's tags

    @classmethod
    def from_dict(cls, event: Mapping[str, Any]) -> RegistryEvent:
        def opt_int(key: str) -> int | None:
            value = event.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def opt_str(key: str) -> str | None:
            value = event.get(key)
            return value if isinstance(value, str) else None

        gates = event.get("gates")
        return cls(
            seq=opt_int("seq") or 0,
            at=opt_str("at") or "",
            who=opt_str("who") or "",
            kind=opt_str("kind") or "",
            model=opt_str("model") or "",
            alias=opt_str("alias"),
            from_version=opt_int("from_version"),
            to_version=opt_int("to_version"),
            reason=opt_str("reason"),
            forced=bool(event.get("forced", False)),
            expr=opt_str("expr"),
            gates=[dict(g) for g in gates if isinstance(g, dict)] if isinstance(gates, list) else [],
            hash=opt_str("hash") or "",
            raw_tags=(
                {str(k): str(v) for k, v in event["tags"].items()}
                if isinstance(event.get("tags"), dict)
                else {}
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def summary(self) -> str:
        """What happened, in a few words: 'champion: v1 -> v2 (forced)'."""
        return describe(self)


def _v(version: int | None) -> str:
    return "nobody" if version is None else f"v{version}"


def describe(event: RegistryEvent) -> str:
    """A one-line description of an event (plain text; callers show it literally)."""
    kind = event.kind
    if kind == "register":
        return f"registered v{event.to_version}"
    if kind == "promote":
        text = f"{event.alias}: {_v(event.from_version)} -> {_v(event.to_version)}"
        return text + (" (forced)" if event.forced else "")
    if kind == "rollback":
        return f"{event.alias} rolled back: {_v(event.from_version)} -> {_v(event.to_version)}"
    if kind == "alias_remove":
        return f"{event.alias} removed from {_v(event.from_version)}"
    if kind == "tag":
        tags = event.raw_tags
        return "tags: " + (", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "none")
    scope = "any alias" if event.alias in (None, "*") else str(event.alias)
    if kind == "gate_add":
        return f"gate added for {scope}: {event.expr}"
    if kind == "gate_remove":
        return f"gate removed for {scope}: {event.expr}"
    return kind
