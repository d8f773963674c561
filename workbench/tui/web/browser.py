"""`workbench serve --open`: the default browser, as an app window when it is Chromium-based."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import webbrowser

# Linux desktop files of Chromium-family browsers, and their usual executables.
_APP_CAPABLE = {
    "chromium": ("chromium", "chromium-browser"),
    "google-chrome": ("google-chrome", "google-chrome-stable"),
    "microsoft-edge": ("microsoft-edge", "microsoft-edge-stable"),
    "brave-browser": ("brave-browser",),
}


def _default_app_browser() -> str | None:
    """The executable of the default browser if it can open an app window (Linux only)."""
    if not sys.platform.startswith("linux") or os.environ.get("BROWSER"):
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None  # no desktop here (an SSH session): no window to open
    xdg = shutil.which("xdg-settings")
    if xdg is None:
        return None
    try:
        desktop = subprocess.run(
            [xdg, "get", "default-web-browser"], capture_output=True, text=True, timeout=3
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    for stem, names in _APP_CAPABLE.items():
        if desktop.startswith(stem):
            for name in names:
                if found := shutil.which(name):
                    return found
    return None


def open_browser(url: str) -> bool:
    """Open `url` in the default browser (an app-like window where it can); False if none."""
    executable = _default_app_browser()
    if executable is not None:
        try:
            browser = subprocess.Popen(
                [executable, f"--app={url}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            pass
        else:
            # It usually hands the window to a running browser and exits: reap it.
            threading.Thread(target=browser.wait, daemon=True).start()
            return True
    try:
        return webbrowser.open(url, new=1)
    except webbrowser.Error:
        return False
