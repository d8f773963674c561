"""The one sanitising function: nothing from a run folder reaches a terminal as a control."""

from __future__ import annotations

import pytest

from workbench.formatting import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]52;c;aGVsbG8=\x07", "\\x1b]52;c;aGVsbG8=\\x07"),  # OSC 52: clipboard write
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # OSC 0: window title
        ("\x1b[2J", "\\x1b[2J"),  # clear screen
        ("\x9b2J", "\\x9b2J"),  # C1 CSI
        ("a\x00b\x7f", "a\\x00b\\x7f"),
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("line\nnext\tcol", "line\\x0anext\\x09col"),
        ("[red]x[/] café 🚀", "[red]x[/] café 🚀"),
    ],
)
def test_control_characters_become_visible_escapes(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_multiline_text_keeps_newlines_and_tabs_but_not_escapes() -> None:
    assert printable("a\nb\tc\x1b[31m", multiline=True) == "a\nb\tc\\x1b[31m"


def test_non_strings_and_none() -> None:
    assert printable(None) == ""
    assert printable(3) == "3"
