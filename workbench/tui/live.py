"""Live updates: new runs reach the app through `ingest.watch.RootWatcher` (watchdog events,
debounced, ingested on the watcher's thread); a periodic check of the catalog's data_version is
the fallback, and catches what other processes wrote.

Nothing here holds the catalog between two units of work, and `stop(wait=...)` returns only
once no pass and no check has it open, so quitting never leaves the file locked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from workbench.tui import service

#: Seconds between two fallback checks of data_version (and the poll interval without inotify).
FALLBACK_S = 2.0


class LiveUpdates:
    """Watches the catalog's roots and calls `on_change(version)` when the catalog moved.

    `on_change` and `on_error` are called from background threads: they must only post
    messages (never wait for the UI, which may itself be waiting in `stop`).
    """

    def __init__(
        self,
        catalog,
        on_change: Callable[[int], None],
        on_error: Callable[[BaseException], None] | None = None,
        interval: float = FALLBACK_S,
        ingest: bool = True,
    ) -> None:
        self.catalog = catalog
        self.on_change = on_change
        self.on_error = on_error
        self.interval = interval
        self.watcher = (
            service.root_watcher(catalog, on_ingest=self._ingested, on_error=self._failed,
                                 interval=interval)
            if ingest
            else None
        )
        self.last_version: int | None = None
        self._last_error: str | None = None
        self._stopped = threading.Event()
        # Held while this object opens the catalog (starting the watcher, a version check).
        self._holding = threading.Lock()

    def start(self) -> None:
        """Start the watcher and read the first version (blocking: call it from a worker)."""
        with self._holding:
            if self._stopped.is_set():
                return
            if self.watcher is not None:
                self.watcher.start()
        self.check()

    def check(self) -> int | None:
        """Read data_version; report a change since the last check. Safe from any thread."""
        with self._holding:
            if self._stopped.is_set():
                return None
            try:
                version = service.data_version(self.catalog)
            except Exception as exc:  # noqa: BLE001 - reported once; the next check tries again
                self._failed(exc)
                return None
        self._last_error = None
        if version != self.last_version:
            first = self.last_version is None
            self.last_version = version
            if not first:
                self.on_change(version)
        return version

    def stop(self, wait: float | None = None) -> bool:
        """Stop; with `wait`, block up to that many seconds until nothing holds the catalog.

        Returns False only if a check still held the catalog when `wait` ran out.
        """
        self._stopped.set()
        deadline = time.monotonic() + (wait or 0.0)
        free = self._holding.acquire(timeout=wait) if wait is not None else False
        if free:
            self._holding.release()
        if self.watcher is not None:
            # joins the watcher's thread: a pass in flight finishes and closes the catalog
            self.watcher.stop(timeout=max(deadline - time.monotonic(), 0.0))
        return free or wait is None

    def _ingested(self, _report) -> None:
        self.check()

    def _failed(self, error: BaseException) -> None:
        text = str(error)
        if text != self._last_error and self.on_error is not None:
            self.on_error(error)
        self._last_error = text
