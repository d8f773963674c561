"""Keys are declared once, as `Binding`s; the help screen, the footer and the command palette
are all read from them, so they cannot disagree.

A binding's `description` is its footer label; its `tooltip` is the sentence the help screen
and the palette show (the description when there is none). Actions with no key at all are
listed as `PaletteAction`s in a screen's `PALETTE_ONLY`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import format_key

#: The one word for "read what this screen shows again" (footer, help and palette alike).
REFRESH = "Refresh"


def refresh_binding(tooltip: str, *, show: bool = False) -> Binding:
    """`r`: read what the screen shows again, titled REFRESH on every screen."""
    return Binding("r", "reload", REFRESH, show=show, tooltip=tooltip)


@dataclass(frozen=True)
class KeyHelp:
    """One action as the help screen and the palette show it."""

    keys: str  # "^s", "esc, q", "" for an action with no key
    title: str
    action: str


@dataclass(frozen=True)
class PaletteAction:
    """An action reachable from the command palette only (it has no key)."""

    title: str
    action: str


def key_label(binding: Binding) -> str:
    """How one key reads in help text and hints, exactly as the footer shows it: its
    key_display, else '?' for question_mark, '^s' for ctrl+s (Textual's `App.get_key_display`)."""
    if binding.key_display:
        return binding.key_display
    *modifiers, key = binding.key.split("+")
    key = format_key(key)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        key = f"^{key}"
    return "+".join([*modifiers, key])


def bindings_help(bindings: Iterable[BindingType]) -> list[KeyHelp]:
    """The described bindings in declaration order, one row per action (its keys joined by ", ")."""
    rows: dict[str, tuple[list[str], str]] = {}
    for binding in Binding.make_bindings(bindings):
        title = binding.tooltip or binding.description
        if not title:
            continue
        keys, _ = rows.setdefault(binding.action, ([], title))
        label = key_label(binding)
        if label not in keys:
            keys.append(label)
    return [KeyHelp(", ".join(keys), title, action) for action, (keys, title) in rows.items()]


def keys_for(bindings: Iterable[BindingType], action: str) -> str:
    """The keys of `action` as help text shows them ('' when it has none): for hint lines."""
    for row in bindings_help(bindings):
        if row.action == action:
            return row.keys
    return ""


def palette_actions(
    bindings: Iterable[BindingType], extra: Iterable[PaletteAction] = ()
) -> list[KeyHelp]:
    """What the command palette offers for these bindings, plus the key-less `extra` actions."""
    return bindings_help(bindings) + [KeyHelp("", a.title, a.action) for a in extra]
