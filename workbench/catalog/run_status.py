"""The one definition of a run's effective status (with 'stale') and its duration, as SQL.

Queries, filters and the user views of schema.py all build their SQL from these functions,
so the stale rule (formats.spec.STALE_AFTER_S) is written once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from workbench.formats.spec import STALE_AFTER_S

#: The stale cut-off as a query parameter (naive UTC, bound from stale_before()): no
#: time-zone extension has to load for it.
STALE_PARAM = "$stale_before"
#: The stale cut-off a view uses (a view cannot take parameters).
STALE_NOW = f"(now() AT TIME ZONE 'UTC') - INTERVAL {int(STALE_AFTER_S)} SECOND"


def status_sql(cutoff: str = STALE_PARAM) -> str:
    """SQL for a run's effective status over `runs r`: 'stale' when running without a
    heartbeat since `cutoff`, else the stored status."""
    return (
        "CASE WHEN r.status = 'running' AND coalesce(r.heartbeat_at, r.started_at)"
        f" < {cutoff} THEN 'stale' ELSE r.status END"
    )


#: The effective status with the $stale_before parameter (see stale_before()).
STATUS_SQL = status_sql()

#: Seconds from start to end over `runs r`; a running run counts to its last heartbeat.
DURATION_SQL = (
    "date_diff('millisecond', r.started_at, coalesce(r.ended_at, CASE WHEN r.status = 'running'"
    " THEN coalesce(r.heartbeat_at, r.started_at) END)) / 1000.0"
)


def stale_before() -> datetime:
    """The naive-UTC instant before which a running run's last heartbeat makes it stale."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return now - timedelta(seconds=STALE_AFTER_S)
