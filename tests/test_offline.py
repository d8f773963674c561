"""The suite is offline: a connection to any host but this machine fails, in the pytest
process and in processes it starts; loopback still works (the serve tests need it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import wb_offline

TEST_NET = ("192.0.2.1", 80)  # TEST-NET-1: never routed


def _forget_attempts_since(size: int) -> None:
    """This module's tests make attempts on purpose; drop them from the suite's log."""
    path = Path(os.environ[wb_offline.LOG_ENV])
    with open(path, "r+b") as fh:
        fh.truncate(size)


def _log_size() -> int:
    return Path(os.environ[wb_offline.LOG_ENV]).stat().st_size


def test_a_non_loopback_connect_fails_in_the_test_process():
    size = _log_size()
    try:
        for attempt in (
            lambda: socket.create_connection(TEST_NET, timeout=1),
            lambda: socket.socket().connect(TEST_NET),
            lambda: socket.socket().connect_ex(TEST_NET),
            lambda: socket.getaddrinfo("example.com", 443),
            lambda: socket.socket(socket.AF_INET6).connect(("2001:db8::1", 80, 0, 0)),
        ):
            with pytest.raises(wb_offline.NetworkBlockedError):
                attempt()
        assert _log_size() > size
    finally:
        _forget_attempts_since(size)


def test_a_non_loopback_connect_fails_in_a_started_process():
    size = _log_size()
    try:
        code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode != 0
        assert "network access is blocked in the test suite" in result.stderr
        logged = Path(os.environ[wb_offline.LOG_ENV]).read_bytes()[size:].decode()
        assert "192.0.2.1" in logged
    finally:
        _forget_attempts_since(size)


def test_loopback_still_connects():
    server = socket.create_server(("127.0.0.1", 0))
    try:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        with socket.create_connection(("localhost", port), timeout=5):
            pass
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5)"
        assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    finally:
        server.close()
