"""How values look in the terminal app: times, durations, numbers (status colours: tui.theme).

Every function returns plain strings or rich Text built literally (never parsed as markup).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from rich.text import Text


def literal(value: object) -> Text:
    """Any value as Text, shown exactly as written (`[red]` stays `[red]`)."""
    return Text("" if value is None else str(value))


def fmt_time(value: object) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM' (UTC, as stored); '' when missing."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return ""
        value = datetime.fromtimestamp(float(value), tz=timezone.utc).replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def fmt_duration(seconds: object) -> str:
    """Seconds as '45s', '12m 03s', '3h 07m', '2d 04h'; '' when missing."""
    if seconds is None:
        return ""
    try:
        s = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(seconds)
    if math.isnan(s) or s < 0:
        return ""
    s = int(round(s))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {(s % 3600) // 60:02d}m"
    return f"{s // 86400}d {(s % 86400) // 3600:02d}h"


def fmt_number(value: object) -> str:
    """A metric or param value, compact: 4 significant digits for floats, ints as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.4g}"
    return str(value)


def fmt_size(size: object) -> str:
    """Bytes as '512 B', '1.2 KiB', '3.4 MiB'."""
    if size is None:
        return ""
    n = float(size)  # type: ignore[arg-type]
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{int(n)} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def column_title(name: str) -> str:
    """The header shown for a runs-table column: 'params.lr' -> 'lr', 'metrics.loss' -> 'loss'."""
    for prefix in ("params.", "metrics.", "tags."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return {"started_at": "started", "duration_s": "duration", "ended_at": "ended"}.get(name, name)


#: Header prefixes that keep a param and a metric of the same key apart ('p:lr' vs 'lr').
HEADER_PREFIX = {"params.": "p:", "metrics.": "", "tags.": "#"}


def header_title(name: str) -> str:
    """The short, unambiguous runs-table header: metrics plain ('acc'), params 'p:lr', tags '#stage'."""
    for prefix, shown in HEADER_PREFIX.items():
        if name.startswith(prefix):
            return shown + name[len(prefix) :]
    return column_title(name)
