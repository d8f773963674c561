"""The command palette provider: every action of the current screen and the app, by name.

The list is read from the bindings (`tui.keys`), so each action the palette offers is the one
its key runs, with that key shown beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.tui.keys import KeyHelp, bindings_help, palette_actions


def screen_commands(screen) -> list[KeyHelp]:
    """The palette's entries for `screen` (its bindings and key-less actions)."""
    rows = getattr(screen, "palette_rows", None)
    return rows() if rows is not None else palette_actions(type(screen).BINDINGS)


class WorkbenchCommands(Provider):
    """Commands from the active screen's bindings plus the app's own."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        for row in screen_commands(screen):
            yield row.title, _help(row), partial(screen.run_action, row.action)
        for row in bindings_help(type(self.app).BINDINGS):
            yield row.title, _help(row), partial(self.app.run_action, row.action)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


def _help(row: KeyHelp) -> str:
    return f"key: {row.keys}" if row.keys else ""
