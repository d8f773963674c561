"""The app's line filter is added through Textual's public hook (App.get_line_filters), not
by reaching into the app's private list of filters."""

from __future__ import annotations

import inspect

from textual.app import App

from workbench.tui import safety


def test_install_uses_the_public_hook_once() -> None:
    app = App()
    private_before = list(app._filters)
    safety.install(app)
    safety.install(app)  # a second install adds nothing
    added = [f for f in app.get_line_filters() if isinstance(f, safety.PrintableFilter)]
    assert len(added) == 1
    assert app._filters == private_before  # Textual's own list is left alone
    assert "._filters" not in inspect.getsource(safety)
