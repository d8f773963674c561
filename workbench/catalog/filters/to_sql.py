"""The filter language's compiler: a parsed filter into a WHERE fragment and named parameters.

Values are always bound as parameters ($f0, $f1, ...); user text is never pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from workbench.catalog.filters.parse import (
    _DATE_ONLY_RE,
    RUN_FIELDS,
    BoolOp,
    Compare,
    Field,
    InList,
    Missing,
    Node,
    Not,
    Value,
    _error,
    as_number,
    parse_filter,
)
from workbench.catalog.run_status import stale_before
from workbench.errors import FilterSyntaxError


@dataclass
class CompiledFilter:
    """A WHERE fragment over runs `r` and its named parameters (DuckDB `$name` style)."""

    sql: str
    params: dict[str, object]


_SQL_OPS = {"=": "=", "==": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_NEGATED_OPS = {"!=", "<>", "!~"}
_KEYED: dict[str, tuple[str, str | None, str]] = {
    # section -> (table, text expression, numeric expression); alias x
    "params": ("params", "x.value_text", "x.value_num"),
    "metrics": ("metric_summary", None, "x.last_value"),
    "tags": ("tags", "x.value", "TRY_CAST(x.value AS DOUBLE)"),
}


class _Compiler:
    def __init__(self, text: str, prefix: str) -> None:
        self.text = text
        self.prefix = prefix
        self.params: dict[str, object] = {}

    def param(self, value: object) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def fail(self, column: int, message: str) -> FilterSyntaxError:
        return _error(self.text, column - 1, message)

    def compile(self, node: Node) -> str:
        if isinstance(node, BoolOp):
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join(self.compile(item) for item in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.compile(node.item)})"
        if isinstance(node, Missing):
            return self.missing(node)
        if isinstance(node, Compare):
            negated = node.op in _NEGATED_OPS
            positive = {"!=": "=", "<>": "=", "!~": "~"}.get(node.op, node.op)
            return self.wrap(
                node.field, lambda v: self.condition(node.field, positive, node.value, v), negated
            )
        if isinstance(node, InList):

            def any_equal(v: str) -> str:
                return (
                    "("
                    + " OR ".join(self.condition(node.field, "=", val, v) for val in node.values)
                    + ")"
                )

            return self.wrap(node.field, any_equal, node.negated)
        raise TypeError(f"unknown filter node {node!r}")  # pragma: no cover

    def run_expr(self, fld: Field) -> str:
        expr = RUN_FIELDS[fld.name][0]
        if "$stale_before" in expr:
            self.params["stale_before"] = stale_before()
        return expr

    def wrap(self, fld: Field, make: Callable[[str], str], negated: bool) -> str:
        """Apply a condition to a field's value; a missing value never matches a comparison."""
        if fld.section == "run":
            expr = self.run_expr(fld)
            cond = make(f"({expr})")
            if negated:
                return f"(({expr}) IS NOT NULL AND NOT coalesce({cond}, false))"
            return f"coalesce({cond}, false)"
        table, _, _ = _KEYED[fld.section]
        cond = make("x")
        if negated:
            cond = f"NOT coalesce({cond}, false)"
        present = " AND x.value_type <> 'null'" if fld.section == "params" else ""
        return (
            f"EXISTS (SELECT 1 FROM {table} x WHERE x.run_key = r.run_key"
            f" AND x.key = {self.param(fld.name)}{present} AND {cond})"
        )

    def missing(self, node: Missing) -> str:
        fld = node.field
        if fld.section == "run":
            expr = self.run_expr(fld)
            return f"(({expr}) IS {'NOT ' if node.negated else ''}NULL)"
        table, _, _ = _KEYED[fld.section]
        present = " AND x.value_type <> 'null'" if fld.section == "params" else ""
        exists = (
            f"EXISTS (SELECT 1 FROM {table} x WHERE x.run_key = r.run_key"
            f" AND x.key = {self.param(fld.name)}{present})"
        )
        return exists if node.negated else f"(NOT {exists})"

    def condition(self, fld: Field, op: str, value: Value, target: str) -> str:
        """SQL for `<field value> op literal` (op is positive: = < <= > >= ~)."""
        if fld.section == "run":
            expr, kind = RUN_FIELDS[fld.name][0], RUN_FIELDS[fld.name][1]
            expr = target
        else:
            kind = fld.section
        if op == "~":
            return self.glob(fld, kind, value, target)
        sql_op = _SQL_OPS[op]
        if kind in ("text", "status"):
            literal = value.text.lower() if kind == "status" else value.text
            return f"{expr} {sql_op} {self.param(literal)}"
        if kind == "time":
            moment = self.timestamp(value)
            if sql_op == "=" and _DATE_ONLY_RE.match(value.text.strip()):
                # A bare date means the whole day (UTC).
                day_end = self.param(moment + timedelta(days=1))
                return f"({expr} >= {self.param(moment)} AND {expr} < {day_end})"
            return f"{expr} {sql_op} {self.param(moment)}"
        number = value.number
        if kind in ("number", "metrics"):
            if number is None:
                raise self.fail(
                    value.column, f"{fld.label} compares with numbers, not {value.text!r}"
                )
            num_expr = expr if kind == "number" else _KEYED["metrics"][2]
            cmp = f"{num_expr} {sql_op} {self.param(number)}"
            if kind == "metrics" and sql_op not in ("=", "<>"):
                cmp = f"({cmp} AND NOT isnan({num_expr}))"
            return cmp
        _, text_expr, num_expr = _KEYED[kind]
        if number is not None:
            return f"{num_expr} {sql_op} {self.param(number)}"
        return f"{text_expr} {sql_op} {self.param(value.text)}"

    def glob(self, fld: Field, kind: str, value: Value, target: str) -> str:
        if kind in ("text", "status"):
            expr = target
        elif kind in ("params", "tags"):
            expr = _KEYED[kind][1] or target
        else:
            raise self.fail(value.column, f"'~' matches text, and {fld.label} is not text")
        return f"{expr} ILIKE {self.param(glob_to_like(value.text))} ESCAPE '\\'"

    def timestamp(self, value: Value) -> datetime:
        parsed = parse_time(value.text)
        if parsed is None:
            raise self.fail(
                value.column,
                f"expected a date or time like '2026-01-31' or '2026-01-31T12:00:00Z', "
                f"not {value.text!r}",
            )
        return parsed


def glob_to_like(pattern: str) -> str:
    """A glob (`*` any run of characters, `?` one character) as a LIKE pattern escaped by '\\'."""
    out = []
    for ch in pattern:
        if ch in "\\%_":
            out.append("\\" + ch)
        elif ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)


def parse_time(text: str) -> datetime | None:
    """An ISO date or date-time as a naive UTC datetime ('Z' and offsets converted), or None."""
    raw = text.strip()
    if not raw:
        return None
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        number = as_number(raw)
        if number is None:
            return None
        try:  # epoch seconds
            return datetime.fromtimestamp(number, tz=timezone.utc).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def compile_filter(text: str | None, prefix: str = "f") -> CompiledFilter:
    """Parse and compile a filter; an empty filter compiles to TRUE. Raises FilterSyntaxError."""
    ast = parse_filter(text or "")
    if ast is None:
        return CompiledFilter("TRUE", {})
    compiler = _Compiler(text or "", prefix)
    sql = compiler.compile(ast)
    return CompiledFilter(sql, compiler.params)
