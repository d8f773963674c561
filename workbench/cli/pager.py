"""Long output to a terminal goes through a pager, the way `git log` does.

`$PAGER` (default `less -FRSX`: quit if it fits one screen, keep colours, chop long lines,
leave the text on the screen). Output to a pipe or file, `--no-pager`, or text that fits the
screen is written directly.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

DEFAULT_PAGER = "less -FRSX"


def pager_command() -> list[str] | None:
    """The pager to run, or None when $PAGER asks for none ('' or 'cat')."""
    text = os.environ.get("PAGER")
    if text is None:
        text = DEFAULT_PAGER
    try:
        argv = shlex.split(text)
    except ValueError:
        return None
    if not argv or argv[0] == "cat":
        return None
    return argv


def show(text: str, *, paging: bool = True) -> None:
    """Write `text` to stdout, through the pager when stdout is a terminal and it is longer
    than the screen."""
    out = sys.stdout
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        tty = False
    argv = pager_command() if paging and tty else None
    if argv is None or text.count("\n") < shutil.get_terminal_size((80, 24)).lines - 1:
        out.write(text)
        out.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRSX")  # like git: a bare `less` in $PAGER still behaves
    out.flush()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:  # the pager is not installed: print directly
        out.write(text)
        out.flush()
        return
    try:
        assert proc.stdin is not None
        proc.stdin.write(text.encode(out.encoding or "utf-8", "replace"))
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # the reader quit early (q in less)
    while True:
        try:
            proc.wait()
            return
        except KeyboardInterrupt:
            continue  # less handles ^C itself; wait for it to exit
