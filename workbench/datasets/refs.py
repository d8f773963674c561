"""Dataset references as users type them: `NAME`, `NAME@3`, `NAME@latest`."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import NotFoundError


@dataclass(frozen=True)
class DatasetRef:
    """A dataset name and a version number (None for the latest)."""

    name: str
    version: int | None = None

    def __str__(self) -> str:
        return self.name if self.version is None else f"{self.name}@{self.version}"


def parse_ref(text: str) -> DatasetRef:
    """Split `NAME[@VERSION]`; VERSION is a number or `latest`. The last `@` separates them,
    so a name may itself hold an `@` when a version is given."""
    text = str(text).strip()
    if not text:
        raise NotFoundError("give a dataset name, optionally with @VERSION (a number or latest)")
    name, sep, version = text.rpartition("@")
    if not sep:
        return DatasetRef(text)
    if not name:
        raise NotFoundError(f"{text!r} has no dataset name before the @")
    if version == "latest":
        return DatasetRef(name)
    if not version.isdigit() or int(version) < 1:
        raise NotFoundError(
            f"{text!r}: the version after @ must be a number from 1 or 'latest', got {version!r}"
        )
    return DatasetRef(name, int(version))
