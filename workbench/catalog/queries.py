"""The read side of the catalog: service functions the CLI and the TUI share (all read SQL).

Each function opens the catalog read-only for one unit of work and returns polars
DataFrames (or a pyarrow Table for `run_sql`). Run references accept a full id, a
unique id prefix, `project/name`, or a unique name.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from workbench.catalog.compat import finish_pending
from workbench.catalog.filters import (
    DURATION_SQL,
    RUN_FIELDS,
    STATUS_SQL,
    Field,
    compile_filter,
    parse_field_spec,
    stale_before,
)
from workbench.errors import FilterSyntaxError, NotFoundError, WorkbenchError

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl
    import pyarrow as pa

    from workbench.catalog.connection import Catalog

#: The fixed leading columns of list_runs, in order.
BASE_COLUMNS = ["id", "project", "name", "status", "started_at", "ended_at", "duration_s"]
SECTIONS = ("params", "metrics", "tags")
#: Metric keys containing one of these words are better when lower (else higher).
LOWER_IS_BETTER = ("loss", "error", "err", "mse", "mae", "rmse", "perplexity", "wer", "cer")

_INT_TEXT = re.compile(r"^-?\d+$")


# -- small helpers -------------------------------------------------------------------------


def metric_direction(key: str) -> str:
    """'min' when lower values of this metric are better (loss, error, mse...), else 'max'."""
    lowered = key.lower()
    return "min" if any(word in lowered for word in LOWER_IS_BETTER) else "max"


def iso_utc(value: Any) -> str | None:
    """A naive-UTC datetime as ISO 8601 ending in Z; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def json_safe(value: Any) -> Any:
    """Make a value JSON-serialisable: NaN/inf -> None, datetimes -> ISO UTC strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date)):
        return iso_utc(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def _typed_param(value_text: str | None, value_num: float | None, value_type: str | None) -> Any:
    """A param value back in its logged type (number, bool, null or string)."""
    if value_type == "number" and value_num is not None:
        if value_text and _INT_TEXT.match(value_text) and abs(value_num) < 2**53:
            return int(value_num)
        return value_num
    if value_type == "bool":
        return value_text == "true"
    if value_type == "null":
        return None
    return value_text


@contextlib.contextmanager
def _open(cat):
    """A read-only connection for one unit of work; an already-open DuckDB connection is
    used as it is (so a caller can run several queries in one open)."""
    if hasattr(cat, "connect") and hasattr(cat, "path"):
        with cat.connect(read_only=True) as con:
            yield con
    else:
        yield cat


def _bind(sql: str, params: dict | None) -> dict | None:
    """Add the stale cut-off parameter when the SQL uses the effective status."""
    if "$stale_before" in sql and not (params and "stale_before" in params):
        params = {**(params or {}), "stale_before": stale_before()}
    return params or None


def _query(con, sql: str, params: dict | None = None):
    """Run a read query and return a polars DataFrame."""
    finish_pending(con)  # finish any half-read execute() result, else DuckDB refuses con.sql()
    return con.sql(sql, params=_bind(sql, params)).pl()


# -- projects and runs ---------------------------------------------------------------------


def list_projects(cat: Catalog) -> pl.DataFrame:
    """One row per project: project, runs, running, stale, failed, last_started_at."""
    sql = f"""
        WITH s AS (SELECT r.project, {STATUS_SQL} AS status, r.started_at FROM runs r)
        SELECT project, count(*) AS runs,
               count(*) FILTER (WHERE status = 'running') AS running,
               count(*) FILTER (WHERE status = 'stale') AS stale,
               count(*) FILTER (WHERE status = 'failed') AS failed,
               max(started_at) AS last_started_at
        FROM s GROUP BY project ORDER BY last_started_at DESC NULLS LAST, project
    """
    with _open(cat) as con:
        return _query(con, sql)


def _sort_sql(sort: list[str] | str | None, params: dict) -> tuple[list[str], list[str]]:
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


def _wanted_columns(columns: list[str] | str | None) -> tuple[list[Field] | None, dict]:
    """Parse --columns into fields; also {section: [keys]} to fetch (None = every key)."""
    if columns is None:
        return None, {s: None for s in SECTIONS}
    if isinstance(columns, str):
        columns = [c for c in columns.split(",") if c.strip()]
    fields: list[Field] = []
    wanted: dict[str, list[str] | None] = {s: [] for s in SECTIONS}
    for text in columns:
        text = text.strip()
        if text in ("params", "metrics", "tags"):  # a whole section
            wanted[text] = None
            fields.append(Field(text, "*"))
            continue
        fld = parse_field_spec(text)
        fields.append(fld)
        if fld.section != "run" and wanted[fld.section] is not None:
            wanted[fld.section].append(fld.name)
    return fields, wanted


def list_runs(
    cat: Catalog,
    project: str | None = None,
    filter: str | None = None,  # noqa: A002 - the service API's name
    sort: list[str] | str | None = None,
    limit: int | None = None,
    search: str | None = None,
    columns: list[str] | str | None = None,
) -> pl.DataFrame:
    """Runs as a wide DataFrame: id, project, name, status, started_at, ended_at, duration_s,
    then "params.<k>", "metrics.<k>" (latest value) and "tags.<k>" columns, sorted by key.

    `filter` is the filter language (docs/cli.md); `sort` is like ["-metrics.acc", "name"]
    (missing values last; default newest first); `search` is a case-insensitive substring of
    the name, id, project or a tag value; `columns` limits the columns (id always stays).
    """
    import polars as pl

    compiled = compile_filter(filter, prefix="f")
    params: dict[str, Any] = dict(compiled.params)
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
    joins, order = _sort_sql(sort, params)
    order += ["r.started_at DESC NULLS LAST", "r.run_id"]
    limit_sql = ""
    if limit is not None:
        if int(limit) < 0:
            raise WorkbenchError("--limit must be 0 or more")
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
    with _open(cat) as con:
        base = _query(con, base_sql, params)
        every_run = len(where) == 1 and compiled.sql == "TRUE" and limit is None
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
    wide = base if long is None else _attach_sections(base, long)
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


def _fetch_long(con, sections: list[str], wanted: dict, every_run: bool):
    parts = []
    params: dict[str, Any] = {}
    for section in sections:
        sql = _LONG_SQL[section]
        if not every_run:
            sql += " JOIN _wb_selected s ON s.run_key = x.run_key"
        if wanted[section] is not None:
            sql += f" WHERE list_contains($keys_{section}, x.key)"
            params[f"keys_{section}"] = wanted[section]
        parts.append(sql)
    return _query(con, " UNION ALL ".join(parts), params)


def _attach_sections(wide, long):
    """Pivot the long rows to "section.key" columns (params typed per key) and join them."""
    import polars as pl

    if long.height == 0:
        return wide
    if long.height <= _SMALL_PIVOT:
        return _attach_small(wide, long)
    metrics = long.filter(pl.col("section") == 1)
    texts = long.filter(pl.col("section") != 1)
    frames = []
    if texts.height:
        pivoted = texts.pivot(on="key", index="run_key", values="text", aggregate_function="first")
        params = texts.filter(pl.col("section") == 0)
        if params.height:
            pivoted = pivoted.with_columns(_param_casts(params))
        frames.append(pivoted)
    if metrics.height:
        frames.append(
            metrics.pivot(on="key", index="run_key", values="num", aggregate_function="first")
        )
    keys = _ordered_keys(c for frame in frames for c in frame.columns if c != "run_key")
    joined = frames[0]
    if len(frames) > 1:
        joined = joined.join(frames[1], on="run_key", how="full", coalesce=True)
    joined = joined.select("run_key", *keys)
    return wide.join(joined, on="run_key", how="left", maintain_order="left")


#: Up to this many long rows, pivot in plain Python: a polars pivot costs ~2 ms even for a
#: handful of rows (a top-50 page has ~1,500), the Python loop ~0.2 µs a value.
_SMALL_PIVOT = 5_000
_SECTION_ORDER = {"params": 0, "metrics": 1, "tags": 2}


def _ordered_keys(names) -> list[str]:
    return sorted(set(names), key=lambda name: (_SECTION_ORDER[name.partition(".")[0]], name))


def _attach_small(wide, long):
    """The same columns as the polars pivot + left join, built by scattering values into
    per-key lists in the order of `wide`'s rows."""
    import polars as pl

    position = {key: i for i, key in enumerate(wide.get_column("run_key").to_list())}
    n = wide.height
    columns: dict[str, list] = {}
    dtypes: dict[str, Any] = {}
    rows = zip(
        long.get_column("run_key").to_list(),
        long.get_column("section").to_list(),
        long.get_column("key").to_list(),
        long.get_column("text").to_list(),
        long.get_column("num").to_list(),
        strict=True,
    )
    for run_key, section, key, text, num in rows:
        column = columns.get(key)
        if column is None:
            column = columns[key] = [None] * n
            dtypes[key] = pl.Float64 if section == 1 else pl.String
        i = position.get(run_key)
        if i is not None and column[i] is None:  # "first", like the pivot
            column[i] = num if section == 1 else text
    keys = _ordered_keys(columns)
    frame = pl.DataFrame({k: columns[k] for k in keys}, schema={k: dtypes[k] for k in keys})
    params = long.filter(pl.col("section") == 0)
    if params.height:
        frame = frame.with_columns(_param_casts(params))
    return wide.hstack(frame)


def _param_casts(long) -> list:
    """Per param key: Int64/Float64 when every value reads as a number, Boolean when all are
    booleans, else left as text."""
    import polars as pl

    value = pl.col("text")
    info = long.group_by("key").agg(
        pl.col("kind").unique().alias("kinds"),
        (value.str.contains(r"[.eEn]") & (pl.col("kind") == "number")).any().alias("fractional"),
        (value.cast(pl.Float64, strict=False).is_null() == value.is_null()).all().alias("reads"),
    )
    casts = []
    for key, kinds, fractional, reads in info.iter_rows():
        kset = set(kinds) - {"null"}
        if "number" in kset and kset <= {"number", "string"} and reads:
            # numbers, possibly logged as strings ("0.01"): numeric when every value reads as one
            integral = kset == {"number"} and not fractional
            casts.append(pl.col(key).cast(pl.Int64 if integral else pl.Float64, strict=False))
        elif kset == {"bool"}:
            casts.append((pl.col(key) == "true").alias(key))
    return casts


def _select_columns(wide, fields: list[Field]):
    chosen = ["id"]
    for fld in fields:
        if fld.name == "*":
            chosen += [c for c in wide.columns if c.startswith(fld.section + ".")]
            continue
        label = fld.label
        if fld.section == "run" and label not in wide.columns:
            raise NotFoundError(
                f"unknown column {label!r}; run columns are {', '.join(BASE_COLUMNS)}"
            )
        if label not in wide.columns:
            continue  # a key no selected run has
        chosen.append(label)
    seen: list[str] = []
    for name in chosen:
        if name not in seen:
            seen.append(name)
    return wide.select(seen)


def runs_to_records(df) -> list[dict]:
    """list_runs rows as nested dicts for JSON: id, project, name, status, started_at,
    ended_at, duration_s, params {}, metrics {}, tags {} (ISO UTC times; NaN -> None)."""
    records = []
    columns = df.columns
    for row in df.iter_rows(named=True):
        record: dict[str, Any] = {}
        nested: dict[str, dict] = {s: {} for s in SECTIONS}
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


# -- one run -------------------------------------------------------------------------------


@dataclass
class RunDetail:
    """Everything the catalog knows about one run (what `workbench show` prints)."""

    id: str
    project: str
    name: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    heartbeat_at: datetime | None
    duration_s: float | None
    path: str
    root: str | None
    missing: bool
    environment: dict[str, Any] = field(default_factory=dict)
    notes: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)  # key,last,min,max,last_step,count
    artifacts: list[dict[str, Any]] = field(default_factory=list)  # path,size,sha256
    datasets: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # path,line,message,seen_at

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO UTC times, NaN -> None)."""
        return json_safe(asdict(self))


@dataclass(frozen=True)
class RunRef:
    """A resolved run: its internal key, id, project and name."""

    run_key: int
    id: str
    project: str
    name: str


def resolve_ref(con, ref: str) -> RunRef:
    """Resolve a run reference; else NotFoundError naming the candidates.

    Tried in order, the first kind that matches wins: the full id, `project/name`, the name,
    an id prefix. Several runs matching at that level is an error listing them.
    """
    ref = str(ref).strip()
    if not ref:
        raise NotFoundError("give a run id, a unique id prefix or project/name")
    rows = con.execute(
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
    ).fetchall()
    # the best kind of match wins: exact id, then project/name, then name, then id prefix
    rows = [row for row in rows if row[4] == rows[0][4]] if rows else rows
    if len(rows) == 1:
        return RunRef(*rows[0][:4])
    if not rows:
        raise NotFoundError(
            f"no run matches {ref!r}; give a run id, a unique id prefix or project/name "
            "(see `workbench runs`)"
        )
    shown = ", ".join(f"{r[1]} ({r[2]}/{r[3]})" for r in rows[:5])
    more = " and more" if len(rows) > 5 else ""
    raise NotFoundError(f"{ref!r} matches several runs: {shown}{more}; give more of the id")


def resolve_refs(con, refs: list[str]) -> list[RunRef]:
    """Resolve several refs, keeping their order and dropping repeats (full ids in one query)."""
    refs = [str(ref).strip() for ref in refs]
    exact = {
        row[1]: RunRef(*row)
        for row in con.execute(
            "SELECT run_key, run_id, project, name FROM runs WHERE list_contains($refs, run_id)",
            {"refs": refs},
        ).fetchall()
    }
    out: list[RunRef] = []
    for ref in refs:
        run = exact.get(ref) or resolve_ref(con, ref)
        if run not in out:
            out.append(run)
    return out


def get_run(cat: Catalog, ref: str) -> RunDetail:
    """Everything about one run: params, tags, metric summary, artifacts, datasets, models,
    environment, notes and ingest errors."""
    with _open(cat) as con:
        run = resolve_ref(con, ref)
        k = {"k": run.run_key}
        row = con.execute(
            f"""
            SELECT r.run_id, r.project, r.name, {STATUS_SQL}, r.started_at, r.ended_at,
                   r.heartbeat_at, {DURATION_SQL}, r.path, r.root, r.missing, r.host,
                   r.user_name, r.pid, r.python, r.platform, r.command, r.cwd, r.git_commit,
                   r.git_branch, r.git_dirty, r.format_version, r.notes
            FROM runs r WHERE r.run_key = $k
            """,
            {**k, "stale_before": stale_before()},
        ).fetchall()[0]
        params = con.execute(
            "SELECT key, value_text, value_num, value_type FROM params WHERE run_key = $k"
            " ORDER BY key",
            k,
        ).fetchall()
        tags = con.execute(
            "SELECT key, value FROM tags WHERE run_key = $k ORDER BY key", k
        ).fetchall()
        metrics = _dicts(
            con,
            "SELECT key, last_value AS last, min_value AS min, max_value AS max, last_step,"
            " count FROM metric_summary WHERE run_key = $k ORDER BY key",
            k,
        )
        artifacts = _dicts(
            con, "SELECT path, size, sha256 FROM artifacts WHERE run_key = $k ORDER BY path", k
        )
        datasets = _dicts(
            con,
            "SELECT name, path, role, sha256, size, rows, format, logged_at, extra"
            " FROM run_datasets WHERE run_key = $k ORDER BY logged_at, name",
            k,
        )
        models = _dicts(
            con,
            "SELECT name, path, flavor, sha256, size, metadata, logged_at"
            " FROM run_models WHERE run_key = $k ORDER BY logged_at, name",
            k,
        )
        errors = _dicts(
            con,
            "SELECT path, line, message, seen_at FROM ingest_errors WHERE run_key = $k"
            " ORDER BY seen_at, path, line",
            k,
        )
    try:
        command = json.loads(row[16]) if row[16] else None
    except ValueError:
        command = row[16]
    environment = {
        "host": row[11],
        "user": row[12],
        "pid": row[13],
        "python": row[14],
        "platform": row[15],
        "command": command,
        "cwd": row[17],
        "git_commit": row[18],
        "git_branch": row[19],
        "git_dirty": row[20],
        "format_version": row[21],
    }
    for item in models:
        item["metadata"] = _maybe_json(item.get("metadata"))
    for item in datasets:
        item["extra"] = _maybe_json(item.get("extra"))
    return RunDetail(
        id=row[0],
        project=row[1],
        name=row[2],
        status=row[3],
        started_at=row[4],
        ended_at=row[5],
        heartbeat_at=row[6],
        duration_s=float(row[7]) if row[7] is not None else None,
        path=row[8],
        root=row[9],
        missing=bool(row[10]),
        environment=environment,
        notes=row[22],
        params={p[0]: _typed_param(p[1], p[2], p[3]) for p in params},
        tags={t[0]: t[1] for t in tags},
        metrics=metrics,
        artifacts=artifacts,
        datasets=datasets,
        models=models,
        errors=errors,
    )


def _dicts(con, sql: str, params: dict) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _maybe_json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- metric history ------------------------------------------------------------------------


def metric_keys(cat: Catalog, run_ids: list[str] | str) -> list[str]:
    """The metric keys any of the given runs logged, sorted (cheap: reads metric summaries).

    `run_ids` are run refs like metric_history's; an unknown ref raises NotFoundError.
    """
    if isinstance(run_ids, str):
        run_ids = [run_ids]
    with _open(cat) as con:
        runs = resolve_refs(con, list(run_ids))
        rows = con.execute(
            "SELECT DISTINCT key FROM metric_summary WHERE list_contains($keys, run_key)",
            {"keys": [r.run_key for r in runs]},
        ).fetchall()
    return sorted(row[0] for row in rows)


def metric_history(
    cat: Catalog,
    run_ids: list[str] | str,
    keys: list[str] | None = None,
    max_points: int | None = None,
    x: str = "step",
) -> pl.DataFrame:
    """Metric points: run_id, run_name, key, step, timestamp, value, ordered by run, key, x.

    `run_ids` are run refs (kept in the order given). With `max_points`, every (run, key)
    series longer than that is cut into buckets along x ("step" or "time") inside DuckDB,
    keeping each bucket's first, lowest and highest point and the series' last point, so
    spikes survive and no series has more than `max_points` points.
    """
    import polars as pl

    if x not in ("step", "time"):
        raise WorkbenchError(f"x must be 'step' or 'time', not {x!r}")
    if isinstance(run_ids, str):
        run_ids = [run_ids]
    if max_points is not None and int(max_points) < 4:
        raise WorkbenchError("--max-points must be at least 4")
    x_expr = "p.step" if x == "step" else "p.ts"
    with _open(cat) as con:
        runs = resolve_refs(con, list(run_ids))
        params: dict[str, Any] = {"keys": [r.run_key for r in runs]}
        key_sql = ""
        if keys:
            key_sql = " AND list_contains($names, p.key)"
            params["names"] = list(keys)
        points = f"""
            SELECT p.run_key, p.key, p.step, p.ts, p.value, {x_expr} AS x
            FROM metric_points p WHERE list_contains($keys, p.run_key){key_sql}
        """
        if max_points is None:
            sql = points
        else:
            params["maxp"] = int(max_points)
            params["nb"] = max(1, (int(max_points) - 1) // 3)
            point = "{'step': step, 'ts': ts, 'value': value, 'x': x}"
            sql = f"""
            WITH pts AS ({points}),
            stats AS (SELECT run_key, key, min(x) AS x0, max(x) AS x1, count(*) AS n
                      FROM pts GROUP BY run_key, key),
            bucketed AS (
                SELECT p.*, least($nb - 1, CAST(floor((p.x - s.x0) * $nb
                       / CASE WHEN s.x1 > s.x0 THEN s.x1 - s.x0 ELSE 1 END) AS BIGINT)) AS b
                FROM pts p JOIN stats s USING (run_key, key) WHERE s.n > $maxp),
            agg AS (
                SELECT run_key, key, b, arg_min({point}, x) AS f, arg_min({point}, value) AS lo,
                       arg_max({point}, value) AS hi, arg_max({point}, x) AS la
                FROM bucketed GROUP BY run_key, key, b),
            picked AS (
                SELECT DISTINCT run_key, key,
                       unnest(CASE WHEN b = $nb - 1 THEN [f, lo, hi, la] ELSE [f, lo, hi] END) AS pt
                FROM agg)
            SELECT p.run_key, p.key, p.step, p.ts, p.value, p.x
            FROM pts p JOIN stats s USING (run_key, key) WHERE s.n <= $maxp
            UNION ALL SELECT run_key, key, pt.step, pt.ts, pt.value, pt.x FROM picked
            """
        found = _query(con, sql, params)
    # Order by the runs as given, then key, x, step: sort on small integers, not strings.
    run_pos = {r.run_key: i for i, r in enumerate(runs)}
    key_pos = {k: i for i, k in enumerate(sorted(found["key"].unique().to_list()))}
    stamp = (
        pl.when(pl.col("ts").is_finite())
        .then((pl.col("ts") * 1_000_000).cast(pl.Int64, strict=False))
        .cast(pl.Datetime("us"))
    )
    ordered = found.with_columns(
        pl.col("run_key").replace_strict(run_pos, return_dtype=pl.Int32).alias("_run"),
        pl.col("key").replace_strict(key_pos, return_dtype=pl.Int32).alias("_key"),
    ).sort(["_run", "_key", "x", "step"])
    return ordered.select(
        pl.col("run_key")
        .replace_strict({r.run_key: r.id for r in runs}, return_dtype=pl.String)
        .alias("run_id"),
        pl.col("run_key")
        .replace_strict({r.run_key: r.name for r in runs}, return_dtype=pl.String)
        .alias("run_name"),
        "key",
        "step",
        stamp.alias("timestamp"),
        "value",
    )


# -- compare -------------------------------------------------------------------------------


def _format_value(value: Any) -> str | None:
    """A compact, exact-enough text for a compared value (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        short = f"{value:.6g}"
        return short if float(short) == value else repr(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    return str(value)


def _run_labels(runs: list[RunRef]) -> list[str]:
    """Column names for compared runs: the run name, made unique with the id when needed."""
    reserved = {"section", "key", "best"}
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.name] = counts.get(run.name, 0) + 1
    labels = []
    for run in runs:
        label = run.name
        if counts[label] > 1 or label in reserved or not label:
            label = f"{run.name} ({run.id[:8]})"
        while label in labels:
            label = f"{label}'"
        labels.append(label)
    return labels


def compare_runs(cat: Catalog, refs: list[str], only_diff: bool = False) -> pl.DataFrame:
    """Runs side by side: section ("run", "param", "metric", "tag"), key, one text column per
    run (named after the run), and `best`: for metric rows, the column of the best run (lower
    is better for loss/error/mse/mae/rmse keys, else higher). `only_diff` keeps rows whose
    values are not all equal (a missing value counts as different)."""
    import polars as pl

    if len(refs) < 1:
        raise WorkbenchError("give at least one run to compare")
    with _open(cat) as con:
        runs = resolve_refs(con, refs)
        pk = {"keys": [r.run_key for r in runs]}
        base = con.execute(
            f"SELECT r.run_key, r.run_id, r.project, {STATUS_SQL} FROM runs r"
            " WHERE list_contains($keys, r.run_key)",
            {**pk, "stale_before": stale_before()},
        ).fetchall()
        params = con.execute(
            "SELECT run_key, key, value_text, value_num, value_type FROM params"
            " WHERE list_contains($keys, run_key)",
            pk,
        ).fetchall()
        metrics = con.execute(
            "SELECT run_key, key, last_value FROM metric_summary WHERE list_contains($keys, run_key)",
            pk,
        ).fetchall()
        tags = con.execute(
            "SELECT run_key, key, value FROM tags WHERE list_contains($keys, run_key)", pk
        ).fetchall()
    labels = _run_labels(runs)
    label_of = {run.run_key: label for run, label in zip(runs, labels, strict=True)}
    table: dict[tuple[str, str], dict[str, Any]] = {}

    def put(section: str, key: str, run_key: int, value: Any) -> None:
        table.setdefault((section, key), {})[label_of[run_key]] = value

    for run_key, run_id, project, status in base:
        put("run", "id", run_key, run_id)
        put("run", "project", run_key, project)
        put("run", "status", run_key, status)
    for run_key, key, text, num, kind in params:
        put("param", key, run_key, _typed_param(text, num, kind))
    for run_key, key, value in metrics:
        put("metric", key, run_key, value)
    for run_key, key, value in tags:
        put("tag", key, run_key, value)
    order = {"run": 0, "param": 1, "metric": 2, "tag": 3}
    run_rows = ["id", "project", "status"]
    rows = []
    for (section, key), values in sorted(
        table.items(),
        key=lambda item: (
            order[item[0][0]],
            run_rows.index(item[0][1]) if item[0][0] == "run" else 0,
            item[0][1],
        ),
    ):
        shown = [_format_value(values.get(label)) for label in labels]
        if only_diff and section != "run" and len(set(shown)) <= 1:
            continue
        best = None
        if section == "metric":
            best = _best_label(key, values, labels)
        rows.append([section, key, *shown, best])
    schema = {"section": pl.Utf8, "key": pl.Utf8, **{label: pl.Utf8 for label in labels}}
    schema["best"] = pl.Utf8
    return pl.DataFrame(rows, schema=schema, orient="row")


def _best_label(key: str, values: dict[str, Any], labels: list[str]) -> str | None:
    candidates = [
        (value, label)
        for label in labels
        if isinstance(value := values.get(label), (int, float)) and math.isfinite(value)
    ]
    if len(candidates) < 1:
        return None
    pick = min if metric_direction(key) == "min" else max
    return pick(candidates, key=lambda item: item[0])[1]


# -- SQL and housekeeping ------------------------------------------------------------------

_READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA", "CALL"}


def run_sql(cat: Catalog, text: str) -> pa.Table:
    """Run one read-only SQL statement against the catalog and return a pyarrow Table.

    Writes (INSERT, UPDATE, CREATE, COPY, ATTACH, SET, INSTALL...) are refused with a
    WorkbenchError; so is anything DuckDB reports as an error, in one line.
    """
    import duckdb

    if not text or not text.strip():
        raise WorkbenchError("workbench sql needs a statement, e.g. 'SELECT * FROM runs_view'")
    with _open(cat) as con:
        try:
            statements = con.extract_statements(text)
        except duckdb.Error as exc:
            raise WorkbenchError(f"sql error: {_first_line(exc)}") from None
        if len(statements) != 1:
            raise WorkbenchError(
                f"workbench sql runs one statement at a time; got {len(statements)}"
            )
        kind = statements[0].type.name
        if kind not in _READ_STATEMENTS:
            raise WorkbenchError(
                f"workbench sql is read-only: {kind} statements are refused; "
                "change the catalog through ingest and the app"
            )
        try:
            finish_pending(con)
            con.execute("SET autoinstall_known_extensions = false")
            return _arrow_of(con, text)
        except duckdb.Error as exc:
            message = _first_line(exc)
            if "read-only" in message or "read only" in message:
                raise WorkbenchError(f"workbench sql is read-only: {message}") from None
            raise WorkbenchError(f"sql error: {message}") from None


def _arrow_of(con, text: str):
    finish_pending(con)
    rel = con.sql(text)
    if rel is None:
        import pyarrow as pa

        return pa.table({})
    return rel.to_arrow_table()


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def data_version(cat: Catalog) -> int:
    """A counter that ingest bumps whenever it changed rows (cheap change detection)."""
    from workbench.catalog.connection import read_data_version

    with _open(cat) as con:
        return read_data_version(con)


#: The user-facing views `workbench sql` can read (created by workbench.catalog.schema).
VIEWS = {
    "runs_view": "run_id, project, name, status (with 'stale'), started_at, ended_at, duration_s, path, missing",
    "metric_history": "run_id, project, run_name, key, step, timestamp, value",
    "latest_metrics": "run_id, key, last_value, min_value, max_value, last_step, count",
    "params_view": "run_id, key, value, value_num",
    "tags_view": "run_id, key, value",
}

__all__ = [
    "BASE_COLUMNS",
    "RunDetail",
    "RunRef",
    "VIEWS",
    "FilterSyntaxError",
    "compare_runs",
    "data_version",
    "get_run",
    "list_projects",
    "list_runs",
    "metric_direction",
    "metric_history",
    "metric_keys",
    "resolve_ref",
    "run_sql",
    "runs_to_records",
]
