"""The test suite's network guard: any connection to a host other than this machine fails.

Installed in the pytest process by tests/conftest.py and in every Python process a test
starts through `sitecustomize.py` beside this file (tests/conftest.py puts this folder on
PYTHONPATH). Loopback addresses and Unix sockets are allowed (the serve tests talk to
127.0.0.1); anything else raises NetworkBlockedError and is written to the file named by
$WB_TEST_NETWORK_LOG, which the suite checks after each test, so a call that swallows the
error still fails its test.
"""

from __future__ import annotations

import ipaddress
import os
import socket

LOG_ENV = "WB_TEST_NETWORK_LOG"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlockedError(OSError):
    """A test tried to reach the network."""


def _is_local_host(host: object) -> bool:
    if host is None or host == "" or host == b"":
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host).lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_numeric(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return True


def _blocked(what: str) -> NetworkBlockedError:
    path = os.environ.get(LOG_ENV)
    if path:
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"pid {os.getpid()}: {what}\n")
        except OSError:
            pass
    return NetworkBlockedError(f"network access is blocked in the test suite: {what}")


def _check_address(family: int, address: object, call: str) -> None:
    if family == getattr(socket, "AF_UNIX", None):
        return
    if isinstance(address, tuple) and address and _is_local_host(address[0]):
        return
    raise _blocked(f"{call}({address!r})")


def install() -> None:
    """Patch socket's connect, connect_ex, create_connection and getaddrinfo (once)."""
    if getattr(socket, "_wb_offline", False):
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo
    own_name = socket.gethostname().lower()

    def connect(self, address):
        _check_address(self.family, address, "connect")
        return real_connect(self, address)

    def connect_ex(self, address):
        _check_address(self.family, address, "connect_ex")
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        if not (isinstance(address, tuple) and _is_local_host(address[0])):
            raise _blocked(f"create_connection({address!r})")
        return real_create_connection(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        local = _is_local_host(name) or _is_numeric(name) or str(name).lower() == own_name
        if not local:
            raise _blocked(f"getaddrinfo({host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.create_connection = create_connection  # type: ignore[assignment]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket._wb_offline = True  # type: ignore[attr-defined]
