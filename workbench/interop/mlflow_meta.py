"""Reading the `meta.yaml` files of MLflow's file store without a YAML library.

MLflow writes them with `yaml.safe_dump` of a flat mapping of scalars, so a small reader of
`key: value` lines (plain, single- or double-quoted scalars, folded continuation lines)
is enough; anything else (lists, nested mappings) is skipped.
"""

from __future__ import annotations

import json
import re

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(?:\s+(.*))?$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(r"^[-+]?[0-9]+$")


def parse_meta(text: str) -> dict[str, str | int | None]:
    """The top-level scalar fields of a meta.yaml as str, int or None."""
    raw: dict[str, str] = {}
    key: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t-":  # a continuation of the value above, or a list item
            if key is not None and not line.lstrip().startswith("- "):
                raw[key] = f"{raw[key]} {line.strip()}" if raw[key] else line.strip()
            continue
        match = _KEY.match(line.rstrip())
        if match is None:
            key = None
            continue
        key, value = match.group(1), (match.group(2) or "").strip()
        raw[key] = value
    return {k: _scalar(v) for k, v in raw.items() if not v.startswith(("[", "{")) or v in ("[]", "{}")}


def _scalar(value: str) -> str | int | None:
    if value in ("[]", "{}") or value in _NULLS:
        return None
    if value.startswith("'") and value.endswith("'") and len(value) >= 2:
        return value[1:-1].replace("''", "'")
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        try:
            return str(json.loads(value))
        except ValueError:
            return value[1:-1]
    if _INT.match(value):
        return int(value)
    return value


def text(meta: dict[str, str | int | None], key: str) -> str | None:
    """A field as text (numbers too: a name such as 0 is written unquoted), None if absent."""
    value = meta.get(key)
    return None if value is None else str(value)


def number(meta: dict[str, str | int | None], key: str) -> int | None:
    """A field as an integer, None if absent or not a number."""
    value = meta.get(key)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value)
    return None
