"""`workbench serve --open`: a Chromium-based default browser gets an app window, others a tab."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xdg-settings is Linux")


def _fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def _open(tmp_path: Path, default_desktop: str, **env: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "opened"
    _fake(bin_dir, "xdg-settings", f'echo "{default_desktop}"\n')
    _fake(bin_dir, "chromium", f'echo "chromium $*" > "{record}"\n')
    _fake(bin_dir, "firefox-like", f'echo "tab $*" > "{record}"\n')
    script = textwrap.dedent(
        """
        import sys
        from workbench.tui.web.browser import open_browser
        sys.exit(0 if open_browser("http://127.0.0.1:9/?token=abc") else 1)
        """
    )
    environ = {k: v for k, v in os.environ.items() if k != "BROWSER"}
    environ.update(PATH=f"{bin_dir}:{os.environ['PATH']}", **env)
    subprocess.run([sys.executable, "-c", script], env=environ, check=True, timeout=60)


def _recorded(tmp_path: Path) -> str:
    record = tmp_path / "opened"
    deadline = time.monotonic() + 30
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return record.read_text().strip()


def test_a_chromium_default_opens_an_app_window(tmp_path):
    _open(tmp_path, "chromium.desktop", DISPLAY=":0")
    assert _recorded(tmp_path) == "chromium --app=http://127.0.0.1:9/?token=abc"


def test_another_default_browser_opens_a_tab_through_webbrowser(tmp_path):
    _open(tmp_path, "firefox.desktop", DISPLAY=":0", BROWSER=f"{tmp_path / 'bin' / 'firefox-like'} %s")
    assert _recorded(tmp_path) == "tab http://127.0.0.1:9/?token=abc"


def test_without_a_desktop_no_window_is_attempted(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    script = "from workbench.tui.web.browser import _default_app_browser as f; print(f())"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake(bin_dir, "xdg-settings", 'echo "chromium.desktop"\n')
    _fake(bin_dir, "chromium", "exit 0\n")
    environ["PATH"] = f"{bin_dir}:{environ['PATH']}"
    out = subprocess.run([sys.executable, "-c", script], env=environ, capture_output=True,
                         text=True, check=True, timeout=60).stdout  # fmt: skip
    assert out.strip() == "None"
