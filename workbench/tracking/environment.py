"""Capture where and how a run started: host, user, Python, command, git state, installed packages.

Every probe is best-effort: a missing git, an odd user database or a slow repository gives
null fields, never an exception or a long wait.
"""

from __future__ import annotations

import getpass
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from typing import Any

GIT_TIMEOUT_S = 2.0
#: Git state is cached per working directory for this long (start_run in a loop stays fast).
GIT_CACHE_S = 10.0

_git_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}
_requirements_cache: list[str] = []
_cache_lock = threading.Lock()
_platform_text: str | None = None


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:
        return None


def _host() -> str | None:
    try:
        return socket.gethostname()
    except OSError:
        return None


def _platform() -> str | None:
    global _platform_text
    if _platform_text is None:
        try:
            _platform_text = platform.platform()
        except Exception:
            return None
    return _platform_text


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None


def git_state(cwd: str | None) -> dict[str, Any] | None:
    """Return {"commit", "branch", "dirty"} for the repository holding `cwd`, or None."""
    if cwd is None:
        return None
    now = time.monotonic()
    with _cache_lock:
        cached = _git_cache.get(cwd)
    if cached is not None and now - cached[0] < GIT_CACHE_S:
        return cached[1]
    state = _probe_git(cwd)
    with _cache_lock:
        _git_cache[cwd] = (now, state)
    return state


def _probe_git(cwd: str) -> dict[str, Any] | None:
    """Ask `git status --porcelain=v2 --branch` once; any failure or timeout gives None."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if proc.returncode != 0:
        return None
    commit = branch = None
    dirty = False
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("# branch.oid "):
            value = line[len("# branch.oid ") :].strip()
            commit = None if value == "(initial)" else value
        elif line.startswith("# branch.head "):
            value = line[len("# branch.head ") :].strip()
            branch = None if value == "(detached)" else value
        elif line and not line.startswith("#"):
            dirty = True
    if commit is None:
        return None
    return {"commit": commit, "branch": branch, "dirty": dirty}


def requirements_lines() -> list[str]:
    """Return the installed distributions as sorted `name==version` lines (cached per process)."""
    with _cache_lock:
        if _requirements_cache:
            return list(_requirements_cache)
    from importlib import metadata

    seen: dict[str, str] = {}
    try:
        for dist in metadata.distributions():
            try:
                name = dist.metadata["Name"]
                version = dist.version
            except Exception:
                continue
            if name and version and name.lower() not in seen:
                seen[name.lower()] = f"{name}=={version}"
    except Exception:
        return []
    lines = [seen[key] for key in sorted(seen)]
    with _cache_lock:
        _requirements_cache[:] = lines
    return lines


def run_environment() -> dict[str, Any]:
    """Return the run.json fields describing this process (docs/run-format.md, run.json)."""
    cwd = _cwd()
    return {
        "host": _host(),
        "user": _user(),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "platform": _platform(),
        "command": [str(arg) for arg in sys.argv],
        "cwd": cwd,
        "git": git_state(cwd),
    }
