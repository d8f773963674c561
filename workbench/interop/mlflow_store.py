"""Opening what a user names as an MLflow store: an `mlruns/` folder, an `mlflow.db` file,
or a `sqlite:///` / `file:` URI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from workbench.errors import InteropError, NotFoundError
from workbench.interop.mlflow_records import Experiment, Problem, RegisteredModel, Run

_SQLITE_MAGIC = b"SQLite format 3\x00"


class Store(Protocol):
    """What both readers offer."""

    path: Path
    kind: str
    problems: list[Problem]

    @property
    def experiments(self) -> list[Experiment]: ...
    @property
    def run_count(self) -> int: ...
    def runs(self) -> Iterator[Run]: ...
    def registered_models(self) -> list[RegisteredModel]: ...
    def close(self) -> None: ...


def store_path(source: str) -> Path:
    """The local path of a store given as a path, `sqlite:///path` or `file:` URI."""
    if source.startswith("sqlite:"):
        rest = source[len("sqlite:") :]
        if not rest.startswith("///"):
            raise InteropError(f"{source!r} is not an SQLite URI of a local file (sqlite:///PATH)")
        return Path(unquote(rest[3:]) or ".").expanduser()
    if source.startswith("file:"):
        return Path(unquote(urlparse(source).path)).expanduser()
    return Path(source).expanduser()


def open_store(source: str) -> Store:
    """The reader for `source`; NotFoundError if nothing is there, InteropError if it is not
    an MLflow store."""
    from workbench.interop.mlflow_files import FileStore
    from workbench.interop.mlflow_sqlite import SqliteStore

    path = store_path(source)
    if not path.exists():
        raise NotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        try:
            return FileStore(path)
        except InteropError:
            hint = [c.name for c in (path / "mlruns", path / "mlflow.db") if c.exists()]
            if hint:
                raise InteropError(
                    f"{path} is not an MLflow store itself, but holds {' and '.join(hint)}: "
                    "import that instead"
                ) from None
            raise
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InteropError(f"{path} could not be read: {exc.strerror}") from None
    if head != _SQLITE_MAGIC:
        raise InteropError(
            f"{path} is neither an MLflow folder (mlruns/) nor an SQLite database (mlflow.db)"
        )
    return SqliteStore(path)
