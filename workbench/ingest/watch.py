"""Watch roots for changes and run debounced ingest passes; usable from the CLI or a TUI worker.

The watcher only notices (watchdog, or a stat loop with --poll); the ingester does the work,
opening and closing the catalog for each pass so other processes can get in between.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.catalog.contract import CatalogLike
from workbench.errors import WorkbenchError
from workbench.ingest.ingester import ingest_roots
from workbench.ingest.report import IngestReport
from workbench.ingest.roots import list_roots

if TYPE_CHECKING:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers.api import BaseObserver

#: Quiet time after the last event before a pass runs.
DEBOUNCE_S = 0.25
#: A writer that never pauses still gets a pass at least this often.
MAX_DELAY_S = 0.5
#: With native events, a full pass anyway every so often (catches missed events).
RESCAN_S = 30.0


class RootWatcher:
    """Watch `roots` (None: every root the catalog knows) and ingest them when they change.

    `on_ingest(report)` is called from the watcher's thread after every pass that changed the
    catalog; `on_error(exc)` when a pass fails with a WorkbenchError (a busy catalog, say).
    Neither may touch a UI directly: post a message from them.
    """

    def __init__(
        self,
        cat: CatalogLike,
        roots: list[str] | None = None,
        on_ingest: Callable[[IngestReport], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        poll: bool = False,
        interval: float = 1.0,
        debounce: float = DEBOUNCE_S,
    ) -> None:
        self.cat = cat
        self.roots = list(roots) if roots is not None else None
        self.on_ingest = on_ingest
        self.on_error = on_error
        self.poll = poll
        self.interval = interval
        self.debounce = debounce
        self.mode = "poll" if poll else "events"
        self.passes = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._first_event = 0.0
        self._last_event = 0.0
        self._observer: BaseObserver | None = None
        self._handler: FileSystemEventHandler | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start watching (and run a first pass soon)."""
        if not self.poll:
            self._start_observer()
        self._thread = threading.Thread(target=self._loop, name="workbench-watch", daemon=True)
        self._thread.start()
        self.notify()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; waits for a pass in progress to finish."""
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            try:
                self._observer.stop()
                self._observer.join(timeout)
            except Exception:  # noqa: BLE001 - stopping must not fail
                pass
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> RootWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def notify(self) -> None:
        """Something changed: schedule a pass (debounced). Safe from any thread."""
        now = time.monotonic()
        if not self._wake.is_set():
            self._first_event = now
        self._last_event = now
        self._wake.set()

    def add_root(self, path: str) -> None:
        """Watch one more root (after `ingest_paths` added it to the catalog)."""
        if self.roots is not None and path not in self.roots:
            self.roots.append(path)
        if self._observer is not None and self._handler is not None:
            # On failure the periodic rescan still covers the new root.
            with contextlib.suppress(Exception):
                self._observer.schedule(self._handler, path, recursive=True)
        self.notify()

    # -- internals -----------------------------------------------------------------------------

    def _watch_paths(self) -> list[str]:
        if self.roots is not None:
            return list(self.roots)
        return list_roots(self.cat)

    def _start_observer(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self
        catalog_prefix = str(self.cat.path)

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                if str(event.src_path).startswith(catalog_prefix):
                    return  # our own catalog file (and its .wal) living under a root
                watcher.notify()

        self._handler = Handler()
        try:
            observer = Observer()
            for path in self._watch_paths():
                observer.schedule(self._handler, path, recursive=True)
            observer.start()
        except Exception:  # noqa: BLE001 - inotify limits, unsupported FS: fall back to polling
            self.poll = True
            self.mode = "poll (native events unavailable)"
            return
        self._observer = observer

    def _loop(self) -> None:
        while not self._stop.is_set():
            timeout = self.interval if self.poll else RESCAN_S
            woke = self._wake.wait(timeout)
            if self._stop.is_set():
                break
            if woke and not self.poll:
                # debounce: wait for a quiet moment, but never longer than MAX_DELAY_S
                while not self._stop.is_set():
                    now = time.monotonic()
                    quiet = now - self._last_event
                    waited = now - self._first_event
                    if quiet >= self.debounce or waited >= MAX_DELAY_S:
                        break
                    time.sleep(min(self.debounce - quiet, MAX_DELAY_S - waited, 0.05) + 0.001)
            self._wake.clear()
            if self._stop.is_set():
                break
            self._pass()

    def _pass(self) -> None:
        try:
            report = ingest_roots(self.cat, self.roots)
        except WorkbenchError as exc:
            self._wake.set()  # try again on the next round
            if self.on_error is not None:
                self.on_error(exc)
            time.sleep(min(self.interval, 1.0))
            return
        except Exception as exc:  # noqa: BLE001 - keep watching; report what went wrong
            if self.on_error is not None:
                self.on_error(exc)
            return
        self.passes += 1
        if report.changed and self.on_ingest is not None:
            self.on_ingest(report)
