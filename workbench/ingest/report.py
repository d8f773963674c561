"""What one ingest pass did: counts, time taken, and the bad input it reported and skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class IngestReport:
    """What one ingest pass did."""

    runs_seen: int = 0
    runs_new: int = 0
    runs_updated: int = 0
    points: int = 0
    errors: int = 0
    missing: int = 0
    seconds: float = 0.0
    error_list: list[tuple[str, int | None, str]] = field(default_factory=list)
    changed: bool = False

    def merge(self, other: IngestReport) -> None:
        """Add the counts and errors of one batch to this pass's report."""
        self.runs_new += other.runs_new
        self.runs_updated += other.runs_updated
        self.points += other.points
        self.errors += other.errors
        self.missing += other.missing
        self.error_list.extend(other.error_list)
        self.changed = self.changed or other.changed

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values."""
        return {
            "runs_seen": self.runs_seen,
            "runs_new": self.runs_new,
            "runs_updated": self.runs_updated,
            "points": self.points,
            "errors": self.errors,
            "missing": self.missing,
            "seconds": round(self.seconds, 3),
            "error_list": [
                {"path": p, "line": line, "message": m} for p, line, m in self.error_list
            ],
        }
