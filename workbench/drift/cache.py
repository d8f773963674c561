"""Places to keep reference summaries between checks: in memory, or as files in a folder.

The catalog-backed cache (the default for `check_drift`) is in `workbench.drift.service`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path


class MemorySummaryCache:
    """Summaries kept in a dict for the life of the object (tests, the app's session)."""

    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.items.get(key)

    def put(self, key: str, fingerprint: str, label: str, data: bytes) -> None:
        self.items[key] = data


class DirectorySummaryCache:
    """One `<key>.npz` file per summary in a folder, written atomically."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / (re.sub(r"[^0-9A-Za-z_.-]", "_", key) + ".npz")

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, fingerprint: str, label: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, self._path(key))

    def _fingerprints(self) -> dict[str, list]:
        try:
            return json.loads((self.folder / "fingerprints.json").read_text())
        except (OSError, ValueError):
            return {}

    def known_fingerprint(self, path: Path) -> str | None:
        """The SHA-256 remembered for `path` if its size and modification time are unchanged."""
        st = path.stat()
        entry = self._fingerprints().get(str(path))
        return entry[2] if entry and entry[:2] == [st.st_size, st.st_mtime_ns] else None

    def remember_fingerprint(self, path: Path, sha256: str) -> None:
        st = path.stat()
        known = self._fingerprints()
        known[str(path)] = [st.st_size, st.st_mtime_ns, sha256]
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(fd, "w") as f:
            json.dump(known, f)
        os.replace(tmp, self.folder / "fingerprints.json")
