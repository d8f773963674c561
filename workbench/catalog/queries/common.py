"""What every read service shares: the one-unit-of-work open, the query runner, run references.

A service takes a `CatalogLike` (it opens the catalog read-only for one unit of work) or an
already-open DuckDB connection (so a caller can run several queries in one open).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from workbench.catalog.compat import finish_pending
from workbench.catalog.connection import attach_memo, read_data_version
from workbench.catalog.contract import CatalogLike
from workbench.catalog.run_status import STALE_PARAM, stale_before
from workbench.errors import RunNotFoundError

if TYPE_CHECKING:
    import polars as pl
    from duckdb import DuckDBPyConnection

#: What a read service takes: a catalog handle, or a connection already open on one.
Source = Union[CatalogLike, "DuckDBPyConnection"]
#: SQL parameters by name.
Params = dict[str, Any]

#: Metric keys containing one of these words are better when lower (else higher).
LOWER_IS_BETTER = ("loss", "error", "err", "mse", "mae", "rmse", "perplexity", "wer", "cer")

_INT_TEXT = re.compile(r"^-?\d+$")


def metric_direction(key: str) -> str:
    """'min' when lower values of this metric are better (loss, error, mse...), else 'max'."""
    lowered = key.lower()
    return "min" if any(word in lowered for word in LOWER_IS_BETTER) else "max"


def typed_param(value_text: str | None, value_num: float | None, value_type: str | None) -> Any:
    """A param value back in its logged type (number, bool, null or string)."""
    if value_type == "number" and value_num is not None:
        if value_text and _INT_TEXT.match(value_text):
            return int(value_text)  # exact, however wide (a uint64 seed)
        return value_num
    if value_type == "bool":
        return value_text == "true"
    if value_type == "null":
        return None
    return value_text


@contextlib.contextmanager
def open_source(source: Source) -> Iterator[DuckDBPyConnection]:
    """A read-only connection for one unit of work; an open connection is used as it is."""
    if isinstance(source, CatalogLike):
        with source.connect(read_only=True) as con:
            yield con
    else:
        yield source


def _bind(sql: str, params: Params | None) -> Params | None:
    """Add the stale cut-off parameter when the SQL uses the effective status."""
    if STALE_PARAM in sql and not (params and "stale_before" in params):
        params = {**(params or {}), "stale_before": stale_before()}
    return params or None


def _query(con: DuckDBPyConnection, sql: str, params: Params | None = None) -> pl.DataFrame:
    """Run a read query and return a polars DataFrame."""
    finish_pending(con)  # finish any half-read execute() result, else DuckDB refuses con.sql()
    frame: pl.DataFrame = con.sql(sql, params=_bind(sql, params)).pl()
    return frame


def fetch_all(
    con: DuckDBPyConnection, sql: str, params: Params | None = None
) -> list[tuple[Any, ...]]:
    """Run a read query and return its rows as tuples (binds the stale cut-off if used)."""
    return con.execute(sql, _bind(sql, params)).fetchall()


@dataclass
class Rows:
    """A query result as plain Python, for callers that need no DataFrame (the CLI's fast
    path): column names and one tuple per row."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name."""
        columns = self.columns
        return [dict(zip(columns, row, strict=True)) for row in self.rows]


def fetch_rows(con: DuckDBPyConnection, sql: str, params: Params | None = None) -> Rows:
    """Run a read query and return its column names and row tuples (no polars, no Arrow)."""
    cursor = con.execute(sql, _bind(sql, params))
    columns = [d[0] for d in cursor.description or []]
    return Rows(columns, cursor.fetchall())


def data_version(source: Source) -> int:
    """A counter that ingest bumps whenever it changed rows (cheap change detection)."""
    with open_source(source) as con:
        return read_data_version(con)


# -- run references ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRef:
    """A resolved run: its internal key, id, project and name."""

    run_key: int
    id: str
    project: str
    name: str


_REF_HINT = "give a run id, a unique id prefix or project/name"


def resolve_ref(con: DuckDBPyConnection, ref: str) -> RunRef:
    """Resolve a run reference; else RunNotFoundError naming the candidates.

    Tried in order, the first kind that matches wins: the full id, `project/name`, the name,
    an id prefix. Several runs matching at that level is an error listing them.
    """
    ref = str(ref).strip()
    if not ref:
        raise RunNotFoundError(_REF_HINT)
    rows = fetch_all(
        con,
        """
        SELECT run_key, run_id, project, name,
               CASE WHEN run_id = $ref THEN 0 WHEN project || '/' || name = $ref THEN 1
                    WHEN name = $ref THEN 2 ELSE 3 END AS tier
        FROM runs
        WHERE run_id = $ref OR starts_with(run_id, $ref) OR project || '/' || name = $ref
              OR name = $ref
        ORDER BY tier, started_at DESC NULLS LAST, run_id LIMIT 6
        """,
        {"ref": ref},
    )
    # the best kind of match wins: exact id, then project/name, then name, then id prefix
    rows = [row for row in rows if row[4] == rows[0][4]] if rows else rows
    if len(rows) == 1:
        return RunRef(*rows[0][:4])
    if not rows:
        raise RunNotFoundError(f"no run matches {ref!r}; {_REF_HINT}")
    shown = ", ".join(f"{r[1]} ({r[2]}/{r[3]})" for r in rows[:5])
    more = " and more" if len(rows) > 5 else ""
    raise RunNotFoundError(f"{ref!r} matches several runs: {shown}{more}; give more of the id")


def resolve_refs(con: DuckDBPyConnection, refs: list[str]) -> list[RunRef]:
    """Resolve several refs, keeping their order and dropping repeats (full ids in one query).

    Runs resolved through the same read-only attach are remembered for as long as it lasts
    (connection.attach_memo): the app's reads of one run in a row resolve it once."""
    refs = [str(ref).strip() for ref in refs]
    memo = attach_memo(con)
    known: dict[str, RunRef] = memo.setdefault("run_refs", {}) if memo is not None else {}
    asked = [ref for ref in refs if ref not in known]
    exact = {
        row[1]: RunRef(*row)
        for row in (
            fetch_all(
                con,
                "SELECT run_key, run_id, project, name FROM runs WHERE list_contains($refs, run_id)",
                {"refs": asked},
            )
            if asked
            else []
        )
    }
    out: list[RunRef] = []
    for ref in refs:
        run = known.get(ref) or exact.get(ref) or resolve_ref(con, ref)
        if memo is not None and len(known) < _MEMO_REFS:
            known[ref] = run
        if run not in out:
            out.append(run)
    return out


#: At most this many run refs are remembered per attach.
_MEMO_REFS = 10_000


def as_list(refs: list[str] | str) -> list[str]:
    """One run ref or several, as a list."""
    return [refs] if isinstance(refs, str) else list(refs)
