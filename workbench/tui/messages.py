"""Messages workers post to the UI thread (the UI changes state only in their handlers)."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class CatalogChanged(Message):
    """The catalog's data_version moved: views should reload what they show."""

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version


class WorkFailed(Message):
    """A worker met an error; `where` says which view it was loading."""

    def __init__(self, where: str, error: BaseException) -> None:
        super().__init__()
        self.where = where
        self.error = error


class Loaded(Message):
    """A worker finished loading `what`; `value` is the payload."""

    def __init__(self, what: str, value: Any, token: Any = None) -> None:
        super().__init__()
        self.what = what
        self.value = value
        self.token = token


class DriftProgress(Message):
    """A drift check read `rows` rows of the `phase` ("reference", "current" or "tests")."""

    def __init__(self, phase: str, rows: int) -> None:
        super().__init__()
        self.phase = phase
        self.rows = rows


class DriftFinished(Message):
    """A drift check finished; `report` is its DriftReport (already stored)."""

    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report


class DriftFailed(Message):
    """A drift check stopped: an error a person can read, or cancelled on request."""

    def __init__(self, error: str, cancelled: bool = False) -> None:
        super().__init__()
        self.error = error
        self.cancelled = cancelled
