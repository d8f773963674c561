"""Live updates: a background loop that re-ingests the catalog's roots and reports changes.

One pass opens the catalog, ingests what changed, closes it; between passes nothing is held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from workbench.tui import service

POLL_INTERVAL_S = 0.7


class LiveIngest:
    """Polls the roots every `interval` seconds; calls `on_change(version)` when data moved."""

    def __init__(
        self,
        catalog,
        on_change: Callable[[int], None],
        on_error: Callable[[BaseException], None] | None = None,
        interval: float = POLL_INTERVAL_S,
        ingest: bool = True,
    ) -> None:
        self.catalog = catalog
        self.on_change = on_change
        self.on_error = on_error
        self.interval = interval
        self.ingest = ingest
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()
        self.last_version: int | None = None
        self._last_error: str | None = None
        # Held exactly while a pass has the catalog open; never while calling back into the UI.
        self._holding = threading.Lock()

    def stop(self, wait: float | None = None) -> bool:
        """Stop the loop; with `wait`, block (up to that many seconds) until the catalog is free.

        Returns False only if a pass still held the catalog when `wait` ran out.
        """
        self.stop_event.set()
        self.wake_event.set()
        if wait is None:
            return True
        if not self._holding.acquire(timeout=wait):
            return False
        self._holding.release()
        return True

    def poke(self) -> None:
        """Run a pass now instead of waiting for the interval."""
        self.wake_event.set()

    def run_once(self) -> int | None:
        """One pass: ingest the roots, then compare data_version; returns the version."""
        try:
            with self._holding:
                if self.stop_event.is_set():
                    return None
                if self.ingest:
                    service.ingest_pass(self.catalog)
                version = service.data_version(self.catalog)
        except Exception as exc:  # noqa: BLE001 - reported once, the loop keeps going
            text = str(exc)
            if text != self._last_error and self.on_error is not None:
                self.on_error(exc)
            self._last_error = text
            return None
        self._last_error = None
        if version != self.last_version:
            first = self.last_version is None
            self.last_version = version
            if not first:
                self.on_change(version)
        return version

    def run_forever(self) -> None:
        """Loop until stop(); meant for a thread worker."""
        while not self.stop_event.is_set():
            self.run_once()
            self.wake_event.wait(self.interval)
            self.wake_event.clear()
