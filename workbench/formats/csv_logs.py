"""Readers of CSV loggers' output: PyTorch Lightning's CSVLogger folders, Keras' CSVLogger
files and a generic CSV (a step column plus metric columns), as one `CsvLog` each.

Pure readers (standard library only): no torch, no Keras, no YAML library. Lightning's
`hparams.yaml` is read by `parse_hparams`, a small safe parser of the block mappings Lightning
writes; it never constructs objects (a `!!python/...` tag is kept as text).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import RunFormatError

LIGHTNING_METRICS = "metrics.csv"
LIGHTNING_HPARAMS = "hparams.yaml"
#: Column names taken as the step, in order of preference.
STEP_COLUMNS = ("step", "global_step", "iteration", "iter", "epoch")
#: A column with one of these names holding epoch seconds is the points' wall time.
TIME_COLUMNS = ("timestamp", "wall_time", "time")
#: Wall times below this are not epoch seconds (elapsed time, say): kept as a metric.
_EPOCH_FLOOR = 1e8
MAX_CSV_BYTES = 512 << 20


@dataclass
class CsvLog:
    """One run read from a CSV logger: where from, its params and its metric points."""

    kind: str  # "lightning", "keras" or "csv"
    source: str  # the Lightning version folder or the CSV file, resolved
    project: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    #: (key, step, value, timestamp or None) in file order.
    points: list[tuple[str, int, float, float | None]] = field(default_factory=list)
    #: Cells skipped: (file, line, message).
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)
    #: The files read, for change detection: name -> path.
    files: dict[str, str] = field(default_factory=dict)


def is_lightning_folder(names: set[str] | list[str]) -> bool:
    """Whether a folder's file names are a Lightning CSVLogger version folder's."""
    return LIGHTNING_METRICS in names and LIGHTNING_HPARAMS in names


# -- hparams.yaml --------------------------------------------------------------------------

_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[^\s#][^:]*?|'[^']*'|\"[^\"]*\"):(?:\s+(?P<value>.*))?$")
_LIST_LINE = re.compile(r"^(?P<indent> *)- ?(?P<value>.*)$")


def parse_hparams(text: str, where: str = "hparams.yaml") -> dict[str, Any]:
    """The mapping of a Lightning hparams.yaml, nested keys flattened with '.'.

    Handles what Lightning writes: block mappings nested by indentation, plain, quoted and
    flow (`[1, 2]`, `{a: 1}`) scalars, block lists. Lists become JSON text. Anything else is
    a RunFormatError naming the line.
    """
    out: dict[str, Any] = {}
    stack: list[tuple[int, str, int]] = []  # open mappings: (indent, prefix, child indent)
    pending: tuple[int, str] | None = None  # a key with no value yet: a mapping or list follows
    items: list[Any] | None = None
    items_key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.strip() in ("---", "...", "{}"):
            continue
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise RunFormatError(f"{where}, line {number}: tabs are not allowed for indentation")
        item = _LIST_LINE.match(line)
        if item and (pending is not None or items is not None):
            indent = len(item.group("indent"))
            if items is None:
                assert pending is not None
                items, items_key = [], pending[1]
                pending = None
            items.append(_scalar(item.group("value").strip(), where, number))
            continue
        if items is not None:
            out[items_key] = json.dumps(items)
            items = None
        match = _KEY_LINE.match(line)
        if not match:
            raise RunFormatError(f"{where}, line {number}: expected 'key: value', got {line.strip()[:60]!r}")
        indent = len(match.group("indent"))
        if match.group("key").startswith("- "):
            raise RunFormatError(f"{where}, line {number}: a list item where a key was expected")
        if pending is not None:
            if indent > pending[0]:
                stack.append((pending[0], pending[1], indent))
            else:
                out[pending[1]] = None  # `key:` with nothing under it is null
            pending = None
        while stack and indent <= stack[-1][0]:
            stack.pop()
        if indent != (stack[-1][2] if stack else 0):
            raise RunFormatError(f"{where}, line {number}: unexpected indentation")
        key = _unquote(match.group("key").strip())
        full = f"{stack[-1][1]}.{key}" if stack else key
        value = match.group("value")
        if value is None or not value.strip():
            pending = (indent, full)
            continue
        value = value.strip()
        if value.startswith("{") and value.endswith("}"):
            for k, v in _flow_mapping(value, where, number).items():
                out[f"{full}.{k}"] = v
        else:
            out[full] = _scalar(value, where, number)
    if items is not None:
        out[items_key] = json.dumps(items)
    elif pending is not None:
        out[pending[1]] = None
    return out


def _strip_comment(line: str) -> str:
    """The line without a trailing ` # comment` (outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if ch in "'\"" and quote in (None, ch):
            quote = None if quote else ch
        elif ch == "#" and quote is None and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _scalar(text: str, where: str, number: int) -> Any:
    """A YAML scalar as Python: null, bool, int, float, a quoted or plain string, a flow list."""
    if text.startswith("!!") or text.startswith("!"):
        return text  # a tag (say !!python/object): kept as its text, never constructed
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        parts = _split_flow(inner) if inner else []
        return json.dumps([_scalar(p.strip(), where, number) for p in parts])
    if text[:1] in "'\"":
        if len(text) < 2 or text[-1] != text[0]:
            raise RunFormatError(f"{where}, line {number}: a quoted value is not closed")
        inner = text[1:-1]
        return inner.replace("''", "'") if text[0] == "'" else _double_quoted(inner)
    low = text.lower()
    if low in ("null", "~"):
        return None
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in (".nan",):
        return math.nan
    if low in (".inf", "+.inf", "-.inf"):
        return -math.inf if low.startswith("-") else math.inf
    try:
        return int(text.replace("_", "")) if re.fullmatch(r"[-+]?\d[\d_]*", text) else float(text)
    except ValueError:
        return text


def _double_quoted(inner: str) -> str:
    try:
        return str(json.loads(f'"{inner}"'))
    except ValueError:
        return inner


def _split_flow(text: str) -> list[str]:
    """Items of a flow sequence or mapping body, split on top-level commas."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _flow_mapping(text: str, where: str, number: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in _split_flow(text[1:-1]):
        key, sep, value = part.partition(":")
        if not sep:
            raise RunFormatError(f"{where}, line {number}: expected 'key: value' inside {{...}}")
        out[_unquote(key.strip())] = _scalar(value.strip(), where, number)
    return out


# -- metric CSV files ----------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise RunFormatError(f"{path} is larger than {MAX_CSV_BYTES >> 20} MiB")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RunFormatError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise RunFormatError(f"cannot read {path}: {exc.strerror or exc}") from None


def _number(cell: str) -> float | None:
    text = cell.strip()
    if text.lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        return float(text.lower().replace("infinity", "inf"))
    try:
        return float(text)
    except ValueError:
        return None


def read_metric_csv(path: Path, log: CsvLog, step_column: str | None = None) -> None:
    """Add the points of a metrics CSV to `log`: one per non-empty numeric cell.

    The step is `step_column`, else the first of STEP_COLUMNS present, else (Lightning only)
    the row number. A cell that is not a number is skipped and reported with its line.
    """
    text = _read_text(path)
    delimiter = _delimiter(text)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(rows, None)
    if not header or not any(h.strip() for h in header):
        raise RunFormatError(f"{path} has no header line")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise RunFormatError(f"{path} has the column {dup!r} twice")
    step_name = step_column or next((c for c in STEP_COLUMNS if c in header), None)
    if step_name is None and log.kind != "lightning":
        raise RunFormatError(
            f"{path} has no step column (one of {', '.join(STEP_COLUMNS)})"
        )
    step_at = header.index(step_name) if step_name else None
    time_at = _time_column(header, text, delimiter)
    metric_at = [i for i, h in enumerate(header) if h and i not in (step_at, time_at)]
    if step_name == "epoch" and log.kind != "lightning":
        metric_at = [i for i in metric_at if header[i] != "epoch"]
    src = str(path)
    for index, row in enumerate(rows):
        line = index + 2
        if not row or not any(c.strip() for c in row):
            continue
        step = index
        if step_at is not None:
            raw = row[step_at].strip() if step_at < len(row) else ""
            value = _number(raw)
            if value is None or not math.isfinite(value) or value < 0 or value != int(value):
                log.problems.append((src, line, f"step {raw[:40]!r} is not a whole number >= 0"))
                continue
            step = int(value)
        ts = None
        if time_at is not None and time_at < len(row):
            ts = _number(row[time_at])
            ts = ts if ts is not None and math.isfinite(ts) else None
        for i in metric_at:
            cell = row[i].strip() if i < len(row) else ""
            if not cell:
                continue  # Lightning leaves the metrics not logged at this step empty
            value = _number(cell)
            if value is None:
                log.problems.append((src, line, f"{header[i]!r} is not a number: {cell[:40]!r}"))
                continue
            log.points.append((header[i], step, value, ts))


def _delimiter(text: str) -> str:
    """The header line's separator: ',' unless it holds more ';' or tabs (Keras' `separator`)."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))


def _time_column(header: list[str], text: str, delimiter: str = ",") -> int | None:
    """The index of a wall-time column holding epoch seconds (judged by its first value)."""
    for name in TIME_COLUMNS:
        if name in header:
            at = header.index(name)
            head = text.split("\n", 3)[:3]
            for row in list(csv.reader(head, delimiter=delimiter))[1:3]:
                value = _number(row[at]) if at < len(row) else None
                if value is not None and value > _EPOCH_FLOOR:
                    return at
    return None


# -- the three sources ---------------------------------------------------------------------


def read_lightning(folder: str | os.PathLike[str], project: str | None = None) -> CsvLog:
    """A Lightning CSVLogger version folder (`<save_dir>/<name>/version_N/`) as one run:
    project = the experiment folder's name, name = the version folder's name."""
    path = Path(folder).resolve()
    metrics = path / LIGHTNING_METRICS
    if not metrics.is_file():
        raise RunFormatError(f"{path} holds no {LIGHTNING_METRICS}: not a Lightning CSVLogger folder")
    log = CsvLog("lightning", str(path), project or path.parent.name or "lightning", path.name)
    log.files[LIGHTNING_METRICS] = str(metrics)
    hparams = path / LIGHTNING_HPARAMS
    if hparams.is_file():
        log.files[LIGHTNING_HPARAMS] = str(hparams)
        log.params = parse_hparams(_read_text(hparams), str(hparams))
    read_metric_csv(metrics, log)
    return log


def read_csv_file(file: str | os.PathLike[str], project: str | None = None) -> CsvLog:
    """A Keras CSVLogger file (first column `epoch`) or a generic CSV with a step column."""
    path = Path(file).resolve()
    if not path.is_file():
        raise RunFormatError(f"{path} is not a file")
    text = _read_text(path)
    header = [h.strip() for h in next(csv.reader([text.split("\n", 1)[0]], delimiter=_delimiter(text)), [])]
    kind = "keras" if header[:1] == ["epoch"] and "step" not in header else "csv"
    log = CsvLog(kind, str(path), project or path.parent.name or "csv", path.stem)
    log.files[path.name] = str(path)
    read_metric_csv(path, log)
    return log


def find_lightning_folders(root: str | os.PathLike[str]) -> list[Path]:
    """Every Lightning version folder (holding metrics.csv) under `root`, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if LIGHTNING_METRICS in files:
            found.append(Path(folder))
    return sorted(found)
