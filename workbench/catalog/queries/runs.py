"""Projects and runs: list_projects and list_runs (the wide runs table), and its JSON records.

Run references accept a full id, a unique id prefix, `project/name`, or a unique name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.catalog.filters import RUN_FIELDS, Field, compile_filter, parse_field_spec
from workbench.catalog.queries.columns import PROJECT_COLUMNS, RUN_COLUMNS, SECTIONS
from workbench.catalog.queries.common import Params, Source, _query, open_source
from workbench.catalog.queries.runs_pivot import attach_sections
from workbench.catalog.run_status import DURATION_SQL, STATUS_SQL
from workbench.errors import NotFoundError, WorkbenchError
from workbench.formatting import json_safe

if TYPE_CHECKING:
    import polars as pl
    from duckdb import DuckDBPyConnection

#: Which keys of each section to fetch: None = every key, else these keys.
Wanted = dict[str, "list[str] | None"]


def list_projects(cat: Source) -> pl.DataFrame:
    """One row per project (columns.PROJECT_COLUMNS), most recently active first."""
    project, runs, running, stale, failed, last = PROJECT_COLUMNS
    sql = f"""
        WITH s AS (SELECT r.project, {STATUS_SQL} AS status, r.started_at FROM runs r
                   WHERE NOT coalesce(r.deleted, false))
        SELECT project AS {project}, count(*) AS {runs},
               count(*) FILTER (WHERE status = 'running') AS {running},
               count(*) FILTER (WHERE status = 'stale') AS {stale},
               count(*) FILTER (WHERE status = 'failed') AS {failed},
               max(started_at) AS {last}
        FROM s GROUP BY project ORDER BY {last} DESC NULLS LAST, project
    """
    with open_source(cat) as con:
        return _query(con, sql)


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


def list_runs(
    cat: Source,
    project: str | None = None,
    filter: str | None = None,  # noqa: A002 - the service API's name
    sort: list[str] | str | None = None,
    limit: int | None = None,
    search: str | None = None,
    columns: list[str] | str | None = None,
    deleted: bool = False,
) -> pl.DataFrame:
    """Runs as a wide DataFrame: columns.RUN_COLUMNS, then "params.<k>", "metrics.<k>"
    (latest value) and "tags.<k>" columns, sorted by key.

    `filter` is the filter language (docs/cli.md); `sort` is like ["-metrics.acc", "name"]
    (missing values last; default newest first); `search` is a case-insensitive substring of
    the name, id, project or a tag value; `columns` limits the columns (id always stays);
    runs deleted in the tracker they were imported from are left out unless `deleted`.
    """
    import polars as pl

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
    every_run = len(where) == 1 and where[0] == "TRUE" and limit is None
    if not deleted:  # the long rows of deleted runs are dropped by the pivot's join
        where.append("NOT coalesce(r.deleted, false)")
    base_sql = f"""
        SELECT r.run_key, r.run_id AS id, r.project, r.name, {STATUS_SQL} AS status,
               r.started_at, r.ended_at, {DURATION_SQL} AS duration_s
        FROM runs r {" ".join(joins)}
        WHERE {" AND ".join(where)}
        ORDER BY {", ".join(order)} {limit_sql}
    """
    with open_source(cat) as con:
        base = _query(con, base_sql, params)
        sections = [s for s in SECTIONS if wanted[s] is None or wanted[s]]
        long = None
        if sections and base.height:
            if not every_run:
                con.register("_wb_selected", base.select("run_key").to_arrow())
            try:
                long = _fetch_long(con, sections, wanted, every_run)
            finally:
                if not every_run:
                    con.unregister("_wb_selected")
    wide = base if long is None else attach_sections(base, long)
    wide = wide.drop("run_key")
    if fields is not None:
        wide = _select_columns(wide, fields)
    if "duration_s" in wide.columns:
        wide = wide.with_columns(pl.col("duration_s").cast(pl.Float64))
    return wide


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


def _fetch_long(
    con: DuckDBPyConnection, sections: list[str], wanted: Wanted, every_run: bool
) -> pl.DataFrame:
    parts = []
    params: Params = {}
    for section in sections:
        sql = _LONG_SQL[section]
        if not every_run:
            sql += " JOIN _wb_selected s ON s.run_key = x.run_key"
        if wanted[section] is not None:
            sql += f" WHERE list_contains($keys_{section}, x.key)"
            params[f"keys_{section}"] = wanted[section]
        parts.append(sql)
    return _query(con, " UNION ALL ".join(parts), params)


def _select_columns(wide: pl.DataFrame, fields: list[Field]) -> pl.DataFrame:
    chosen = ["id"]
    for fld in fields:
        if fld.name == "*":
            chosen += [c for c in wide.columns if c.startswith(fld.section + ".")]
            continue
        label = fld.label
        if fld.section == "run" and label not in wide.columns:
            raise NotFoundError(
                f"unknown column {label!r}; run columns are {', '.join(RUN_COLUMNS)}"
            )
        if label not in wide.columns:
            continue  # a key no selected run has
        chosen.append(label)
    seen: list[str] = []
    for name in chosen:
        if name not in seen:
            seen.append(name)
    return wide.select(seen)


def runs_to_records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """list_runs rows as nested dicts for JSON: id, project, name, status, started_at,
    ended_at, duration_s, params {}, metrics {}, tags {} (ISO UTC times; NaN -> None)."""
    records = []
    columns = df.columns
    for row in df.iter_rows(named=True):
        record: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
        for name in columns:
            value = row[name]
            head, dot, key = name.partition(".")
            if dot and head in nested:
                if value is not None:
                    nested[head][key] = json_safe(value)
            else:
                record[name] = json_safe(value)
        record.update(nested)
        records.append(record)
    return records
