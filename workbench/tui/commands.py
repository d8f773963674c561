"""The command palette provider: every action of the current screen and the app, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

APP_COMMANDS = [
    ("Help", "Show the keys of this screen (?)", "help"),
    ("Quit", "Leave the workbench (ctrl+q)", "quit"),
    ("Back", "Return to the previous screen", "back"),
]


class WorkbenchCommands(Provider):
    """Commands from the active screen's COMMANDS_TABLE plus the app's own."""

    def _commands(self):
        screen = self.screen
        target_screen = screen
        for title, help_text, action in getattr(target_screen, "COMMANDS_TABLE", []):
            yield title, help_text, partial(self._run_screen_action, target_screen, action)
        for title, help_text, action in APP_COMMANDS:
            yield title, help_text, partial(self.app.run_action, action)

    @staticmethod
    async def _run_screen_action(screen, action: str) -> None:
        await screen.run_action(action)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
