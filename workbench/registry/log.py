"""The registry's append-only event log: locked appends, and verification of the hash chain.

A writer holds an exclusive `flock` on `events.lock` (beside `events.jsonl`) for exactly one
event: it reads the log, decides, appends one line and fsyncs, then lets go. Two processes
promoting at once are serialised by that lock and both events land, in order. An import writes
many events under one hold (`LockedLog.batch`): the log is verified once, each event is chained
to the one before, and the lines are written together with one fsync.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench.errors import RegistryBusyError, RegistryDamagedError
from workbench.formats import registry_log as fmt

#: Seconds a writer waits for another writer's lock before giving up.
LOCK_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the log: the event (by sequence number) and what happened to it."""

    seq: int | None
    line: int
    message: str


@dataclass
class Verification:
    """The result of checking the log: its events (as read) and what is wrong, if anything."""

    path: Path
    events: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last event; (0, GENESIS) for an empty log."""
        if not self.events:
            return 0, fmt.GENESIS
        last = self.events[-1]
        return int(last.get("seq", 0)), str(last.get("hash", ""))

    def summary(self) -> str:
        """One sentence: the first problem, and how many more there are."""
        if self.ok:
            return f"the registry log at {self.path} is intact ({len(self.events)} events)"
        first = self.problems[0].message
        more = len(self.problems) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def who() -> str:
    """user@host of this process, as events record it."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()}"


def utc_now() -> str:
    """The current UTC time as ISO 8601 with a trailing Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EventLog:
    """The log in one folder: `events.jsonl` and its lock file `events.lock`."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser().absolute()
        self.path = self.directory / fmt.EVENTS_FILE
        self.lock_path = self.directory / fmt.LOCK_FILE

    def __repr__(self) -> str:
        return f"EventLog({str(self.directory)!r})"

    def read(self) -> list[dict[str, Any]]:
        """Every event in file order (unverified)."""
        return fmt.read_events(self.path)

    def verify(self) -> Verification:
        """Check every line: its own hash, its link to the line before, and its sequence."""
        return verify_lines(self.path, fmt.read_lines(self.path))

    @contextlib.contextmanager
    def locked(self, timeout: float = LOCK_TIMEOUT_S) -> Iterator[LockedLog]:
        """Hold the writers' lock: yields a LockedLog that reads the verified log and appends."""
        import fcntl

        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            delay = 0.005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise RegistryBusyError(
                            f"the registry log at {self.path} is busy: another process has been "
                            f"writing to it for {timeout:.0f} s"
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 1.5, 0.1)
            try:
                yield LockedLog(self)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class LockedLog:
    """The log while this process holds the writers' lock."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self._drop_partial_tail()
        self.verification = log.verify()
        if not self.verification.ok:
            raise RegistryDamagedError(
                f"the registry log is damaged, nothing was written: {self.verification.summary()}"
            )
        self.events = self.verification.events
        self._who = who()
        #: Lines sealed inside `batch()` and not written yet (None: outside a batch).
        self._pending: list[str] | None = None

    def _drop_partial_tail(self) -> None:
        """A last line without its newline is a crashed writer's half event: cut it off."""
        path = self.log.path
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0:
            return
        with open(path, "rb+") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) == b"\n":
                return
            fh.seek(0)
            whole = fh.read()
            fh.truncate(whole.rfind(b"\n") + 1)

    @contextlib.contextmanager
    def batch(self) -> Iterator[LockedLog]:
        """Append many events with one write and one fsync: each `append` inside is sealed and
        chained at once (so the next decision sees it), and the lines are written when the
        block ends. If the block raises, none of them is written."""
        if self._pending is not None:
            raise RuntimeError("a batch of registry events is already open")
        start = len(self.events)
        self._pending = []
        try:
            yield self
        except BaseException:
            del self.events[start:]
            self.verification = Verification(self.log.path, self.events, [])
            raise
        finally:
            lines, self._pending = self._pending, None
        self._write(lines)

    def append(self, kind: str, model: str, reason: str | None = None, **fields: Any) -> dict[str, Any]:
        """Seal and write one event after the last; returns it (with seq, at, who, prev, hash).
        Inside `batch()` the line is written when the batch ends."""
        seq, prev = self.verification.head
        event: dict[str, Any] = {
            "seq": seq + 1,
            "at": utc_now(),
            "who": self._who,
            "kind": kind,
            "model": model,
            "reason": reason,
            "prev": prev,
            **fields,
        }
        line = fmt.encode_event(event)
        if self._pending is None:
            self._write([line])
        else:
            self._pending.append(line)
        sealed = fmt.parse_line(line)
        assert sealed is not None
        self.events.append(sealed)
        self.verification = Verification(self.log.path, self.events, [])
        return sealed

    def _write(self, lines: list[str]) -> None:
        """Append whole lines and fsync once (a crash mid-write leaves a partial last line,
        which the next writer cuts off: the complete lines before it are valid events)."""
        if not lines:
            return
        fd = os.open(self.log.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview("".join(lines).encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)


def verify_lines(path: Path, lines: list[str]) -> Verification:
    """Walk the chain: name each altered, removed or reordered event."""
    result = Verification(path)
    parsed = [fmt.parse_line(line) for line in lines]
    seqs = [_seq_of(event) for event in parsed]
    present = {s for s in seqs if s is not None}
    prev_hash = fmt.GENESIS
    expected = 1
    for index, event in enumerate(parsed, start=1):
        seq = seqs[index - 1]
        if event is None or seq is None:
            result.problems.append(
                Problem(None, index, f"line {index} of the registry log is not an event: it was altered")
            )
            prev_hash, expected = "", expected + 1
            continue
        result.events.append(event)
        problem = _link_problem(event, seq, expected, prev_hash, present, index)
        if problem:
            result.problems.append(problem)
        prev_hash = str(event.get("hash", ""))
        expected = max(expected, seq) + 1 if seq >= expected else expected
    return result


def _seq_of(event: dict[str, Any] | None) -> int | None:
    seq = event.get("seq") if event else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def _link_problem(
    event: dict[str, Any], seq: int, expected: int, prev_hash: str, present: set[int], line: int
) -> Problem | None:
    if fmt.event_hash(event) != event.get("hash"):
        return Problem(seq, line, f"event {seq} was altered: its content no longer matches its hash")
    if seq < expected:
        return Problem(seq, line, f"event {seq} is out of order: it comes after event {expected - 1}")
    if seq > expected:
        missing = [s for s in range(expected, seq) if s not in present]
        if not missing:
            return Problem(seq, line, f"event {seq} is out of order: it comes before event {expected}")
        span = f"{missing[0]}" if len(missing) == 1 else f"{missing[0]} to {missing[-1]}"
        return Problem(seq, line, f"event {span} was removed: event {seq} follows event {expected - 1}")
    if event.get("prev") != prev_hash and prev_hash:
        return Problem(
            seq, line, f"event {seq - 1} was altered or replaced: event {seq} no longer follows it"
        )
    return None
