"""How values read to a person and to a script: numbers, durations, times, sizes, JSON-safe data.

Standard library only, so every layer (the CLI, the app, the catalog's text results) shows a
value the same way. Display functions return plain strings; callers decide on styling.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any

#: Significant digits of a float shown to a person (tables, detail, compare, the CLI).
SIGNIFICANT_DIGITS = 6


def format_number(value: object) -> str:
    """A number for a person: ints as they are, floats to SIGNIFICANT_DIGITS ('0.807449'),
    whole floats without '.0', NaN and ±inf by name; booleans 'true'/'false'; '' for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.{SIGNIFICANT_DIGITS}g}"
    return str(value)


def format_exact(value: object) -> str | None:
    """A value as text a script can read back exactly: the short form when it round-trips,
    else repr; NaN/Infinity spelled as in the run format. None stays None."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        short = format_number(value)
        return short if float(short) == value else repr(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    return format_number(value)


def format_duration(seconds: object) -> str:
    """Seconds as '45s', '12m 03s', '3h 07m', '2d 04h'; '' when missing or negative."""
    if seconds is None:
        return ""
    try:
        s = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(seconds)
    if math.isnan(s) or s < 0:
        return ""
    whole = int(round(s))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h {(whole % 3600) // 60:02d}m"
    return f"{whole // 86400}d {(whole % 86400) // 3600:02d}h"


#: strftime patterns: the app shows minutes, the CLI seconds.
MINUTES = "%Y-%m-%d %H:%M"
SECONDS = "%Y-%m-%d %H:%M:%S"


def format_timestamp(value: object, pattern: str = MINUTES) -> str:
    """A naive-UTC datetime (or epoch seconds) as 'YYYY-MM-DD HH:MM'; '' when missing."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        value = datetime.fromtimestamp(float(value), tz=timezone.utc).replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.strftime(pattern)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_size(size: object) -> str:
    """Bytes for a person, in powers of 1000 as file managers show them: '512 B', '38.9 kB',
    '3.4 MB', '1.2 GB'; '' when missing. The one size format of the CLI and the app."""
    if size is None:
        return ""
    n = float(size)  # type: ignore[arg-type]
    if abs(n) < 1000:
        return f"{int(n)} B"
    for unit in ("kB", "MB", "GB"):
        n /= 1000
        if abs(n) < 999.95:  # 999,960 bytes is '1.0 MB', not '1000.0 kB'
            return f"{n:.1f} {unit}"
    return f"{n / 1000:.1f} TB"


def iso_utc(value: Any) -> str | None:
    """A naive-UTC datetime as ISO 8601 ending in Z; a date as ISO; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def json_safe(value: Any) -> Any:
    """Nested data made JSON-serialisable: NaN/inf -> None, datetimes -> ISO UTC strings,
    bytes -> hex, mapping keys -> str."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date)):
        return iso_utc(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


# Code points a terminal may act on instead of printing: C0 controls, DEL, the C1 range
# (U+0080-U+009F: U+009B is a CSI to xterm in UTF-8 mode) and the bidirectional overrides and
# isolates that reorder what is shown. Tab and newline are kept only where asked.
_UNSAFE = (
    [chr(c) for c in range(0x20)]
    + [chr(0x7F)]
    + [chr(c) for c in range(0x80, 0xA0)]
    + [chr(c) for c in (0x200E, 0x200F, 0x2028, 0x2029)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ONE_LINE = str.maketrans({char: _escape(char) for char in _UNSAFE})
_MULTI_LINE = str.maketrans({char: _escape(char) for char in _UNSAFE if char not in "\n\t"})


def printable(text: object, *, multiline: bool = False) -> str:
    """`text` made safe to put on a terminal: every control character shown as a visible
    escape (ESC as the four characters ``\\x1b``), so no byte from a run folder can clear the
    screen, retitle the window or write the clipboard. One-line text (names, keys, cells) also
    escapes tab and newline; ``multiline=True`` keeps them (notes, previews). None is ''."""
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable() and not multiline:
        return value
    return value.translate(_MULTI_LINE if multiline else _ONE_LINE)


_JSON_ESCAPES = str.maketrans(
    {char: f"\\u{ord(char):04x}" for char in _UNSAFE if ord(char) >= 0x20}
)


def json_printable(text: str) -> str:
    """JSON text (from json.dumps) with the code points `printable` escapes that json.dumps
    leaves raw (DEL, C1 such as U+009B, bidi controls) written as \\uXXXX: the same JSON to a
    parser, and nothing a terminal acts on. (json.dumps already escapes C0 inside strings.)"""
    return text if text.isascii() else text.translate(_JSON_ESCAPES)


def without_path(message: str, path: str | None) -> str:
    """An error `message` shown next to its `path`, without a second copy of that path
    ("cannot read /r/run.json: Is a directory" beside /r/run.json -> "cannot read: Is a
    directory"), so an error line names its file once."""
    if not path or path not in message:
        return message
    text = message.replace(f" {path}:", ":").replace(f" {path}", "").replace(path, "it")
    return text


def command_text(command: Any) -> str:
    """A logged argv as one shell-quoted line (text that was not a list stays as it is)."""
    import shlex

    if command is None:
        return ""
    if isinstance(command, (list, tuple)):
        return " ".join(shlex.quote(str(c)) for c in command)
    return str(command)
