"""The filter compiler as it was before the keys were pivoted (one aggregate per condition),
kept verbatim so the tests can check that the pivoted compiler selects exactly the same runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

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

#: How deep `and` / `or` / `not` may nest once the parser has flattened the tree (chains of
#: one operator and runs of parentheses or `not` cost nothing); DuckDB refuses SQL past ~1000.
MAX_DEPTH = 64

#: Keyed sections: section -> (table, alias of its aggregate, text expression, numeric
#: expression, SQL presence test of a row); the row is aliased x.
_KEYED: dict[str, tuple[str, str, str | None, str, str]] = {
    "params": ("params", "kp", "x.value_text", "x.value_num", "x.value_type <> 'null'"),
    "metrics": ("metric_summary", "km", None, "x.last_value", "true"),
    "tags": ("tags", "kt", "x.value", "TRY_CAST(x.value AS DOUBLE)", "true"),
}


class _Compiler:
    """Compiles a flattened tree. A condition on a key (params, metrics, tags) becomes one
    column of a per-section aggregate over that section's rows, joined to the runs once, so
    a filter naming 600 keys is one scan per section rather than 600 subqueries; a list
    (`in`) is bound as one list parameter."""

    def __init__(self, text: str, prefix: str) -> None:
        self.text = text
        self.prefix = prefix
        self.params: dict[str, object] = {}
        self.key_params: dict[tuple[str, str], str] = {}
        self.columns: dict[str, list[str]] = {section: [] for section in _KEYED}

    def param(self, value: object) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def fail(self, column: int, message: str) -> FilterSyntaxError:
        return _error(self.text, column - 1, message)

    def compile_where(self, node: Node) -> str:
        """The WHERE fragment over runs `r`: the condition itself, or, when it names keys, a
        semi-join on a query that puts each key condition's truth beside each run."""
        check_depth(self.text, node)
        condition = self.compile(node)
        joins = [self.aggregate(section) for section in _KEYED if self.columns[section]]
        if not joins:
            return condition
        return f"r.run_key IN (SELECT r.run_key FROM runs r {' '.join(joins)} WHERE {condition})"

    def aggregate(self, section: str) -> str:
        table, alias, _, _, _ = _KEYED[section]
        keys = ", ".join(name for (sec, _), name in self.key_params.items() if sec == section)
        return (
            f"LEFT JOIN (SELECT x.run_key, {', '.join(self.columns[section])} FROM {table} x"
            f" WHERE x.key IN ({keys}) GROUP BY x.run_key) {alias} ON {alias}.run_key = r.run_key"
        )

    def keyed(self, fld: Field, row_condition: str) -> str:
        """Whether the run has a present `fld` row for which `row_condition` holds.

        A plain aggregate per condition, not `FILTER (WHERE ...)`: DuckDB plans hundreds of
        filtered aggregates in quadratic time, and plain ones in linear time."""
        _, alias, _, _, present = _KEYED[fld.section]
        name = self.key_params.get((fld.section, fld.name))
        if name is None:
            name = self.key_params[(fld.section, fld.name)] = self.param(fld.name)
        columns = self.columns[fld.section]
        column = f"c{len(columns)}"
        columns.append(f"bool_or(x.key = {name} AND {present} AND {row_condition}) AS {column}")
        return f"coalesce({alias}.{column}, false)"

    def compile(self, node: Node) -> str:
        if isinstance(node, BoolOp):
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join([self.compile(item) for item in node.items]) + ")"
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
            return self.wrap(
                node.field, lambda v: self.in_list(node.field, node.values, v), node.negated
            )
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
        cond = f"coalesce({make('x')}, false)"
        return self.keyed(fld, f"NOT {cond}" if negated else cond)

    def missing(self, node: Missing) -> str:
        fld = node.field
        if fld.section == "run":
            expr = self.run_expr(fld)
            return f"(({expr}) IS {'NOT ' if node.negated else ''}NULL)"
        present = self.keyed(fld, "true")
        return present if node.negated else f"(NOT {present})"

    def kind_of(self, fld: Field) -> str:
        return RUN_FIELDS[fld.name][1] if fld.section == "run" else fld.section

    def condition(self, fld: Field, op: str, value: Value, target: str) -> str:
        """SQL for `<field value> op literal` (op is positive: = < <= > >= ~); `target` is the
        run field's expression, or the row `x` of a keyed field."""
        kind = self.kind_of(fld)
        if op == "~":
            return self.glob(fld, kind, value, target)
        sql_op = _SQL_OPS[op]
        if kind in ("text", "status"):
            literal = value.text.lower() if kind == "status" else value.text
            return f"{target} {sql_op} {self.param(literal)}"
        if kind == "time":
            moment = self.timestamp(value)
            if sql_op == "=" and _DATE_ONLY_RE.match(value.text.strip()):
                # A bare date means the whole day (UTC).
                day_end = self.param(moment + timedelta(days=1))
                return f"({target} >= {self.param(moment)} AND {target} < {day_end})"
            return f"{target} {sql_op} {self.param(moment)}"
        if kind in ("number", "metrics"):
            num_expr = target if kind == "number" else _KEYED["metrics"][3]
            cmp = f"{num_expr} {sql_op} {self.param(self.need_number(fld, value))}"
            if kind == "metrics" and sql_op not in ("=", "<>"):
                cmp = f"({cmp} AND NOT isnan({num_expr}))"
            return cmp
        _, _, text_expr, num_expr, _ = _KEYED[kind]
        number = value.number
        if number is not None:
            return f"{num_expr} {sql_op} {self.param(number)}"
        return f"{text_expr} {sql_op} {self.param(value.text)}"

    def need_number(self, fld: Field, value: Value) -> float:
        number = value.number
        if number is None:
            raise self.fail(value.column, f"{fld.label} compares with numbers, not {value.text!r}")
        return number

    def in_list(self, fld: Field, values: list[Value], target: str) -> str:
        """SQL for `<field value> in (...)`: each group of literals is one list parameter, so
        a list of 100,000 values is one hash lookup, not 100,000 comparisons."""
        kind = self.kind_of(fld)
        if kind in ("text", "status"):
            texts = [v.text.lower() if kind == "status" else v.text for v in values]
            return self.member(target, texts)
        if kind == "time":
            moments = [(self.timestamp(v), _DATE_ONLY_RE.match(v.text.strip())) for v in values]
            exact = [moment for moment, day in moments if not day]
            days = [moment.date() for moment, day in moments if day]
            return self.any_of(
                [self.member(target, exact), self.member(f"CAST({target} AS DATE)", days)]
            )
        if kind in ("number", "metrics"):
            num_expr = target if kind == "number" else _KEYED["metrics"][3]
            return self.member(num_expr, [self.need_number(fld, v) for v in values])
        _, _, text_expr, num_expr, _ = _KEYED[kind]
        read = [(v.text, v.number) for v in values]
        numbers = [number for _, number in read if number is not None]
        texts = [text for text, number in read if number is None]
        return self.any_of([self.member(num_expr, numbers), self.member(text_expr, texts)])

    def member(self, expr: str | None, items: list[Any]) -> str:
        """`expr` is one of `items` ('' when there are none)."""
        if not items or expr is None:
            return ""
        return f"{expr} IN (SELECT unnest({self.param(items)}))"

    @staticmethod
    def any_of(parts: list[str]) -> str:
        kept = [part for part in parts if part]
        return "(" + " OR ".join(kept) + ")" if kept else "false"

    def glob(self, fld: Field, kind: str, value: Value, target: str) -> str:
        if kind in ("text", "status"):
            expr = target
        elif kind in ("params", "tags"):
            expr = _KEYED[kind][2] or target
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


def check_depth(text: str, root: Node) -> None:
    """Refuse a tree nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FilterSyntaxError(
                f"the filter nests 'and', 'or' and 'not' more than {MAX_DEPTH} levels deep;"
                " write it with fewer levels of parentheses",
                expression=text,
                column=1,
            )
        if isinstance(node, BoolOp):
            stack.extend((item, depth + 1) for item in node.items)
        elif isinstance(node, Not):
            stack.append((node.item, depth + 1))


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
    sql = compiler.compile_where(ast)
    return CompiledFilter(sql, compiler.params)
