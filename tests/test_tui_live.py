"""LiveIngest: quitting waits for the pass in flight, so the catalog is never left locked."""

from __future__ import annotations

import threading
import time

from workbench.tui import live


def test_stop_with_wait_returns_only_after_the_pass_closed_the_catalog(monkeypatch) -> None:
    holding = threading.Event()
    released = threading.Event()

    def slow_pass(catalog) -> None:
        holding.set()
        time.sleep(0.5)
        released.set()

    monkeypatch.setattr(live.service, "ingest_pass", slow_pass)
    monkeypatch.setattr(live.service, "data_version", lambda catalog: 1)
    loop = live.LiveIngest(catalog=None, on_change=lambda v: None, interval=0.05)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    assert holding.wait(2)
    assert loop.stop(wait=5) is True
    assert released.is_set()  # stop() waited for the pass to finish
    thread.join(2)
    assert not thread.is_alive()


def test_stop_reports_a_pass_that_outlives_the_wait(monkeypatch) -> None:
    holding = threading.Event()
    monkeypatch.setattr(live.service, "ingest_pass", lambda catalog: (holding.set(), time.sleep(1)))
    monkeypatch.setattr(live.service, "data_version", lambda catalog: 1)
    loop = live.LiveIngest(catalog=None, on_change=lambda v: None, interval=0.05)
    threading.Thread(target=loop.run_forever, daemon=True).start()
    assert holding.wait(2)
    assert loop.stop(wait=0.1) is False


def test_no_pass_starts_after_stop(monkeypatch) -> None:
    calls: list[float] = []
    monkeypatch.setattr(live.service, "ingest_pass", lambda catalog: calls.append(time.time()))
    monkeypatch.setattr(live.service, "data_version", lambda catalog: 1)
    loop = live.LiveIngest(catalog=None, on_change=lambda v: None, interval=0.01)
    loop.stop(wait=1)
    assert loop.run_once() is None
    assert calls == []
