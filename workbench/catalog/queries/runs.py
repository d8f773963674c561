"""Projects and runs: list_projects and list_runs (the wide runs table), and its JSON records.

Run references accept a full id, a unique id prefix, `project/name`, or a unique name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.catalog.filters import RUN_FIELDS, Field, compile_filter, parse_field_spec
from workbench.catalog.queries.columns import PROJECT_COLUMNS, RUN_COLUMNS, SECTIONS
from workbench.catalog.queries.common import (
    Params,
    Rows,
    Source,
    _query,
    fetch_all,
    fetch_rows,
    open_source,
)
from workbench.catalog.queries.runs_pivot import attach_sections
from workbench.catalog.queries.runs_rows import pivot_rows
from workbench.catalog.run_status import DURATION_SQL, STATUS_SQL
from workbench.errors import NotFoundError, WorkbenchError
from workbench.formatting import json_safe

if TYPE_CHECKING:
    import polars as pl

#: Which keys of each section to fetch: None = every key, else these keys.
Wanted = dict[str, "list[str] | None"]


def _projects_sql() -> str:
    project, runs, running, stale, failed, last = PROJECT_COLUMNS
    return f"""
        WITH s AS (SELECT r.project, {STATUS_SQL} AS status, r.started_at FROM runs r)
        SELECT project AS {project}, count(*) AS {runs},
               count(*) FILTER (WHERE status = 'running') AS {running},
               count(*) FILTER (WHERE status = 'stale') AS {stale},
               count(*) FILTER (WHERE status = 'failed') AS {failed},
               max(started_at) AS {last}
        FROM s GROUP BY project ORDER BY {last} DESC NULLS LAST, project
    """


def list_projects(cat: Source) -> pl.DataFrame:
    """One row per project (columns.PROJECT_COLUMNS), most recently active first."""
    with open_source(cat) as con:
        return _query(con, _projects_sql())


def list_project_rows(cat: Source) -> Rows:
    """list_projects as plain rows (no polars)."""
    with open_source(cat) as con:
        return fetch_rows(con, _projects_sql())


def _sort_sql(sort: list[str] | str | None, params: Params) -> tuple[list[str], list[str]]:
    """(joins, ORDER BY items) for a sort spec like ["-metrics.acc", "name"]; missing last."""
    if isinstance(sort, str):
        sort = [part for part in sort.split(",") if part.strip()]
    joins: list[str] = []
    order: list[str] = []
    for i, spec in enumerate(sort or []):
        spec = spec.strip()
        descending = spec.startswith("-")
        fld = parse_field_spec(spec[1:] if spec[:1] in "+-" else spec)
        direction = "DESC" if descending else "ASC"
        if fld.section == "run":
            order.append(f"({RUN_FIELDS[fld.name][0]}) {direction} NULLS LAST")
            continue
        alias, pname = f"s{i}", f"sort{i}"
        params[pname] = fld.name
        if fld.section == "metrics":
            joins.append(
                f"LEFT JOIN metric_summary {alias} ON {alias}.run_key = r.run_key"
                f" AND {alias}.key = ${pname}"
            )
            value = f"CASE WHEN isnan({alias}.last_value) THEN NULL ELSE {alias}.last_value END"
            order.append(f"{value} {direction} NULLS LAST")
        elif fld.section == "params":
            joins.append(
                f"LEFT JOIN params {alias} ON {alias}.run_key = r.run_key AND {alias}.key = ${pname}"
            )
            order.append(f"{alias}.value_num {direction} NULLS LAST")
            order.append(f"{alias}.value_text {direction} NULLS LAST")
        else:
            joins.append(
                f"LEFT JOIN tags {alias} ON {alias}.run_key = r.run_key AND {alias}.key = ${pname}"
            )
            order.append(f"TRY_CAST({alias}.value AS DOUBLE) {direction} NULLS LAST")
            order.append(f"{alias}.value {direction} NULLS LAST")
    return joins, order


def _wanted_columns(columns: list[str] | str | None) -> tuple[list[Field] | None, Wanted]:
    """Parse a column selection into fields; also {section: [keys]} to fetch (None = all)."""
    if columns is None:
        return None, {s: None for s in SECTIONS}
    if isinstance(columns, str):
        columns = [c for c in columns.split(",") if c.strip()]
    fields: list[Field] = []
    wanted: Wanted = {s: [] for s in SECTIONS}
    for text in columns:
        text = text.strip()
        if text in SECTIONS:  # a whole section
            wanted[text] = None
            fields.append(Field(text, "*"))
            continue
        fld = parse_field_spec(text)
        fields.append(fld)
        keys = wanted.get(fld.section)
        if keys is not None:
            keys.append(fld.name)
    return fields, wanted


def _where(
    filter: str | None, project: str | None, search: str | None  # noqa: A002
) -> tuple[list[str], Params]:
    """WHERE items and their parameters for list_runs' filter, project and text search."""
    compiled = compile_filter(filter, prefix="f")
    params: Params = dict(compiled.params)
    where = [compiled.sql]
    if project is not None:
        where.append("r.project = $project")
        params["project"] = project
    if search:
        params["search"] = search.lower()
        where.append(
            "(strpos(lower(r.name), $search) > 0 OR strpos(lower(r.run_id), $search) > 0"
            " OR strpos(lower(r.project), $search) > 0 OR EXISTS (SELECT 1 FROM tags t"
            " WHERE t.run_key = r.run_key AND strpos(lower(t.value), $search) > 0))"
        )
    return where, params


@dataclass(frozen=True)
class _RunsQuery:
    """list_runs' SQL, built once for both result shapes (polars frame or plain rows)."""

    base_sql: str
    params: Params
    fields: list[Field] | None
    wanted: Wanted
    every_run: bool

    @property
    def sections(self) -> list[str]:
        return [s for s in SECTIONS if self.wanted[s] is None or self.wanted[s]]


def _runs_query(
    project: str | None,
    filter: str | None,  # noqa: A002
    sort: list[str] | str | None,
    limit: int | None,
    search: str | None,
    columns: list[str] | str | None,
) -> _RunsQuery:
    where, params = _where(filter, project, search)
    joins, order = _sort_sql(sort, params)
    order += ["r.started_at DESC NULLS LAST", "r.run_id"]
    limit_sql = ""
    if limit is not None:
        if int(limit) < 0:
            raise WorkbenchError(f"a run limit must be 0 or more, not {limit}")
        limit_sql = "LIMIT $limit"
        params["limit"] = int(limit)
    fields, wanted = _wanted_columns(columns)
    base_sql = f"""
        SELECT r.run_key, r.run_id AS id, r.project, r.name, {STATUS_SQL} AS status,
               r.started_at, r.ended_at, {DURATION_SQL} AS duration_s
        FROM runs r {" ".join(joins)}
        WHERE {" AND ".join(where)}
        ORDER BY {", ".join(order)} {limit_sql}
    """
    every_run = len(where) == 1 and where[0] == "TRUE" and limit is None
    return _RunsQuery(base_sql, params, fields, wanted, every_run)


def list_runs(
    cat: Source,
    project: str | None = None,
    filter: str | None = None,  # noqa: A002 - the service API's name
    sort: list[str] | str | None = None,
    limit: int | None = None,
    search: str | None = None,
    columns: list[str] | str | None = None,
) -> pl.DataFrame:
    """Runs as a wide DataFrame: columns.RUN_COLUMNS, then "params.<k>", "metrics.<k>"
    (latest value) and "tags.<k>" columns, sorted by key.

    `filter` is the filter language (docs/cli.md); `sort` is like ["-metrics.acc", "name"]
    (missing values last; default newest first); `search` is a case-insensitive substring of
    the name, id, project or a tag value; `columns` limits the columns (id always stays).
    """
    import polars as pl

    q = _runs_query(project, filter, sort, limit, search, columns)
    with open_source(cat) as con:
        base = _query(con, q.base_sql, q.params)
        long = None
        if q.sections and base.height:
            if not q.every_run:
                con.register("_wb_selected", base.select("run_key").to_arrow())
            try:
                selected = "" if q.every_run else " JOIN _wb_selected s ON s.run_key = x.run_key"
                long = _query(con, *_long_sql(q, selected))
            finally:
                if not q.every_run:
                    con.unregister("_wb_selected")
    wide = base if long is None else attach_sections(base, long)
    wide = wide.drop("run_key")
    if q.fields is not None:
        wide = _select_columns(wide, q.fields)
    if "duration_s" in wide.columns:
        wide = wide.with_columns(pl.col("duration_s").cast(pl.Float64))
    return wide


def list_run_rows(
    cat: Source,
    project: str | None = None,
    filter: str | None = None,  # noqa: A002 - the service API's name
    sort: list[str] | str | None = None,
    limit: int | None = None,
    search: str | None = None,
    columns: list[str] | str | None = None,
) -> Rows:
    """list_runs as plain rows (the same SQL, columns, order and per-key param types), built
    without polars or Arrow: what a one-shot command prints from."""
    q = _runs_query(project, filter, sort, limit, search, columns)
    with open_source(cat) as con:
        base = fetch_all(con, q.base_sql, q.params)
        long: list[tuple[Any, ...]] = []
        if q.sections and base:
            selected = ""
            params: Params = {}
            if not q.every_run:
                selected = " WHERE x.run_key IN (SELECT unnest($selected))"
                params["selected"] = [row[0] for row in base]
            sql, long_params = _long_sql(q, selected)
            long = fetch_all(con, sql, {**long_params, **params})
    rows = pivot_rows(base, long)
    if q.fields is not None:
        rows = _select_row_columns(rows, q.fields)
    return rows


#: Long rows of every wanted section in one query: (run_key, section, "section.key", text,
#: num, kind); the prefix keeps a key such as "run_key" from colliding with the pivot's
#: index column. Metrics carry their latest value in num, params and tags theirs in text.
_LONG_SQL = {
    "params": "SELECT x.run_key, 0 AS section, 'params.' || x.key AS key, CASE WHEN"
    " x.value_type = 'null' THEN NULL ELSE x.value_text END AS text, NULL::DOUBLE AS num,"
    " x.value_type AS kind FROM params x",
    "metrics": "SELECT x.run_key, 1 AS section, 'metrics.' || x.key AS key, NULL::VARCHAR AS"
    " text, x.last_value AS num, NULL::VARCHAR AS kind FROM metric_summary x",
    "tags": "SELECT x.run_key, 2 AS section, 'tags.' || x.key AS key, x.value AS text,"
    " NULL::DOUBLE AS num, NULL::VARCHAR AS kind FROM tags x",
}


def _long_sql(q: _RunsQuery, selected: str) -> tuple[str, Params]:
    """The UNION ALL of every wanted section, restricted by `selected` (a JOIN, or a WHERE
    on x.run_key, or "" for every run) and to the wanted keys."""
    parts = []
    params: Params = {}
    for section in q.sections:
        sql = _LONG_SQL[section] + selected
        if q.wanted[section] is not None:
            sql += " AND" if selected.startswith(" WHERE") else " WHERE"
            sql += f" list_contains($keys_{section}, x.key)"
            params[f"keys_{section}"] = q.wanted[section]
        parts.append(sql)
    return " UNION ALL ".join(parts), params


def _chosen_columns(names: list[str], fields: list[Field]) -> list[str]:
    """The columns a selection keeps, in its order, of those in `names` (id always first)."""
    chosen = ["id"]
    for fld in fields:
        if fld.name == "*":
            chosen += [c for c in names if c.startswith(fld.section + ".")]
            continue
        label = fld.label
        if fld.section == "run" and label not in names:
            raise NotFoundError(
                f"unknown column {label!r}; run columns are {', '.join(RUN_COLUMNS)}"
            )
        if label not in names:
            continue  # a key no selected run has
        chosen.append(label)
    return list(dict.fromkeys(chosen))


def _select_row_columns(rows: Rows, fields: list[Field]) -> Rows:
    chosen = _chosen_columns(rows.columns, fields)
    at = [rows.columns.index(name) for name in chosen]
    return Rows(chosen, [tuple(row[i] for i in at) for row in rows.rows])


def _select_columns(wide: pl.DataFrame, fields: list[Field]) -> pl.DataFrame:
    return wide.select(_chosen_columns(wide.columns, fields))


#: Values JSON takes as they are (json_safe changes floats, times, bytes and containers).
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def runs_to_records(data: pl.DataFrame | Rows) -> list[dict[str, Any]]:
    """list_runs rows (a frame or list_run_rows' Rows) as nested dicts for JSON: id, project,
    name, status, started_at, ended_at, duration_s, params {}, metrics {}, tags {} (ISO UTC
    times; NaN -> None)."""
    columns = list(data.columns)
    rows = data.rows if isinstance(data, Rows) else data.iter_rows()
    # per column: (None, name) for a run column, (section, key) for a keyed one
    where = []
    for name in columns:
        head, dot, key = name.partition(".")
        where.append((head, key) if dot and head in SECTIONS else (None, name))
    records = []
    plain = _PLAIN_TYPES
    for row in rows:
        record: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
        for (section, key), value in zip(where, row, strict=True):
            if section is None:
                record[key] = value if value.__class__ in plain else json_safe(value)
            elif value is not None:  # a NaN metric is kept, as null
                nested[section][key] = value if value.__class__ in plain else json_safe(value)
        record.update(nested)
        records.append(record)
    return records
