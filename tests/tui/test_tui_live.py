"""Live updates: quitting waits for the check in flight, so the catalog is never left locked;
changes are reported once per version, errors once per message."""

from __future__ import annotations

import threading
import time

from workbench.tui import live


def test_stop_with_wait_returns_only_after_the_check_closed_the_catalog(monkeypatch) -> None:
    holding = threading.Event()
    released = threading.Event()

    def slow_version(catalog) -> int:
        holding.set()
        time.sleep(0.5)
        released.set()
        return 1

    monkeypatch.setattr(live.service, "data_version", slow_version)
    updates = live.LiveUpdates(catalog=None, on_change=lambda v: None, ingest=False)
    thread = threading.Thread(target=updates.check, daemon=True)
    thread.start()
    assert holding.wait(5)
    assert updates.stop(wait=5) is True
    assert released.is_set()  # stop() waited for the check to finish
    thread.join(5)
    assert not thread.is_alive()


def test_stop_reports_a_check_that_outlives_the_wait(monkeypatch) -> None:
    holding = threading.Event()
    monkeypatch.setattr(live.service, "data_version", lambda catalog: (holding.set(), time.sleep(1)))
    updates = live.LiveUpdates(catalog=None, on_change=lambda v: None, ingest=False)
    threading.Thread(target=updates.check, daemon=True).start()
    assert holding.wait(5)
    assert updates.stop(wait=0.1) is False


def test_no_check_after_stop(monkeypatch) -> None:
    calls: list[float] = []
    monkeypatch.setattr(live.service, "data_version", lambda catalog: calls.append(time.time()) or 1)
    updates = live.LiveUpdates(catalog=None, on_change=lambda v: None, ingest=False)
    updates.stop(wait=1)
    assert updates.check() is None
    updates.start()
    assert calls == []


def test_changes_reported_once_per_version_and_errors_once_per_message(monkeypatch) -> None:
    versions = iter([1, 1, 2, RuntimeError("busy"), RuntimeError("busy"), 2, 3])

    def version(catalog) -> int:
        value = next(versions)
        if isinstance(value, Exception):
            raise value
        return value

    monkeypatch.setattr(live.service, "data_version", version)
    changes: list[int] = []
    errors: list[str] = []
    updates = live.LiveUpdates(
        catalog=None, on_change=changes.append, on_error=lambda e: errors.append(str(e)), ingest=False
    )
    for _ in range(7):
        updates.check()
    assert changes == [2, 3]  # the first version read is where the app starts, not a change
    assert errors == ["busy"]
