"""The filter language's compiler: a parsed filter into a WHERE fragment and named parameters.

Values are always bound as parameters ($f0, $f1, ...); user text is never pasted into SQL.
"""

from __future__ import annotations

import math
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
    quoted,
    shortened,
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
#: The value columns of a key: what -> index of its expression in a _KEYED entry.
_WHAT = {"text": 2, "num": 3}
#: A metric's NaN reads as no number: no literal equals it or orders against it (literals are
#: finite), as with no value at all. Section -> the row test of a number that is one.
_NUMBER_GUARD = {"metrics": "NOT isnan(x.last_value)"}


class _Compiler:
    """Compiles a flattened tree. The keys a filter names (params, metrics, tags) are pivoted
    by one aggregate per section over that section's rows, joined to the runs once: a column
    per key and value kind (its number, its text, whether it is present), so a filter naming
    600 keys is one scan per section rather than 600 subqueries, and 1,000 conditions on 20
    keys read 20 columns. Each condition is then plain SQL over those columns; a key named by
    one condition only keeps that condition inside its aggregate (one column, not two or
    three). A list (`in`) is bound as one list parameter."""

    def __init__(self, text: str, prefix: str) -> None:
        self.text = text
        self.prefix = prefix
        self.params: dict[str, object] = {}
        self.key_params: dict[tuple[str, str], str] = {}
        self.columns: dict[str, list[str]] = {section: [] for section in _KEYED}
        self.pivot: dict[tuple[str, str, str], str] = {}
        self.uses: dict[tuple[str, str], int] = {}  # conditions naming each key
        self.in_row = False  # compiling a condition on the row x, inside its aggregate
        self.negations = 0  # how many `not`s the condition being compiled is under

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
        self.uses = key_uses(node)
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

    def column(self, fld: Field, what: str) -> str:
        """The pivot column with each run's `what` of key `fld`: "num" or "text" (NULL when
        the run has no present value), or "present" (true or false). A run has one row per
        key, so the aggregate of the one row is its value.

        Plain aggregates of a CASE, not `FILTER (WHERE ...)`: DuckDB plans hundreds of
        filtered aggregates in quadratic time, and plain ones in linear time."""
        if self.in_row:
            expr = _KEYED[fld.section][_WHAT[what]]
            guard = _NUMBER_GUARD.get(fld.section) if what == "num" else None
            return f"(CASE WHEN {guard} THEN {expr} END)" if guard else str(expr)
        made = self.pivot.get((fld.section, fld.name, what))
        if made is not None:
            return made
        row = self.row_test(fld)
        if what == "present":
            made = self.aggregate_column(fld, f"bool_or({row})")
        else:
            guard = _NUMBER_GUARD.get(fld.section) if what == "num" else None
            expr = _KEYED[fld.section][_WHAT[what]]
            when = f"{row} AND {guard}" if guard else row
            made = self.aggregate_column(fld, f"max(CASE WHEN {when} THEN {expr} END)")
        self.pivot[(fld.section, fld.name, what)] = made
        return made

    def row_test(self, fld: Field) -> str:
        """SQL that the row x holds a present value of key `fld`."""
        present = _KEYED[fld.section][4]
        name = self.key_params.get((fld.section, fld.name))
        if name is None:
            name = self.key_params[(fld.section, fld.name)] = self.param(fld.name)
        return f"x.key = {name}" if present == "true" else f"x.key = {name} AND {present}"

    def aggregate_column(self, fld: Field, aggregate: str) -> str:
        """Add `aggregate` to the section's aggregate query; its column as the runs see it."""
        columns = self.columns[fld.section]
        column = f"c{len(columns)}"
        columns.append(f"{aggregate} AS {column}")
        return f"{_KEYED[fld.section][1]}.{column}"

    def in_its_row(self, fld: Field, make: Callable[[str], str], negated: bool) -> str:
        """A key's only condition, inside its aggregate: whether the run has a present value
        of `fld` for which the condition holds (or, negated, does not)."""
        self.in_row = True
        try:
            cond = f"coalesce({make('x')}, false)"
        finally:
            self.in_row = False
        row = f"{self.row_test(fld)} AND {'NOT ' if negated else ''}{cond}"
        return self.truth(self.aggregate_column(fld, f"bool_or({row})"))

    def compile(self, node: Node) -> str:
        if isinstance(node, BoolOp):
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join([self.compile(item) for item in node.items]) + ")"
        if isinstance(node, Not):
            self.negations += 1
            try:
                return f"(NOT {self.compile(node.item)})"
            finally:
                self.negations -= 1
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

    def truth(self, condition: str) -> str:
        """`condition` with NULL read as false where that matters: under a `not`. Elsewhere a
        WHERE already takes NULL as false, and without `not` no `and`/`or` can tell them
        apart, so the coalesce (a third of DuckDB's time on 1,000 conditions) is left out."""
        return f"coalesce({condition}, false)" if self.negations else condition

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
            return self.truth(cond)
        if self.uses.get((fld.section, fld.name)) == 1:
            return self.in_its_row(fld, make, negated)
        if negated:  # the key is present and the condition does not hold
            present = self.truth(self.column(fld, "present"))
            return f"({present} AND NOT coalesce({make('x')}, false))"
        return self.truth(make("x"))

    def missing(self, node: Missing) -> str:
        fld = node.field
        if fld.section == "run":
            expr = self.run_expr(fld)
            return f"(({expr}) IS {'NOT ' if node.negated else ''}NULL)"
        present = self.column(fld, "present")
        return self.truth(present) if node.negated else f"(NOT coalesce({present}, false))"

    def kind_of(self, fld: Field) -> str:
        return RUN_FIELDS[fld.name][1] if fld.section == "run" else fld.section

    def condition(self, fld: Field, op: str, value: Value, target: str) -> str:
        """SQL for `<field value> op literal` (op is positive: = < <= > >= ~); `target` is the
        run field's expression (a keyed field's values are its pivot columns)."""
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
            num_expr = target if kind == "number" else self.column(fld, "num")
            return f"{num_expr} {sql_op} {self.param(self.need_number(fld, value))}"
        number = value.number
        if number is not None:
            return f"{self.column(fld, 'num')} {sql_op} {self.param(number)}"
        return f"{self.column(fld, 'text')} {sql_op} {self.param(value.text)}"

    def need_number(self, fld: Field, value: Value) -> float:
        number = value.number
        if number is None:
            raise self.fail(
                value.column,
                f"{shortened(fld.label)} compares with numbers, not {quoted(value.text)}",
            )
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
            num_expr = target if kind == "number" else self.column(fld, "num")
            numbers = [number_of(v) for v in values]
            if None in numbers:
                self.need_number(fld, values[numbers.index(None)])
            return self.member(num_expr, numbers)
        read = [(v.text, number_of(v)) for v in values]
        numbers = [number for _, number in read if number is not None]
        texts = [text for text, number in read if number is None]
        return self.any_of([
            self.member(lambda: self.column(fld, "num"), numbers),
            self.member(lambda: self.column(fld, "text"), texts),
        ])

    def member(self, expr: str | Callable[[], str], items: list[Any]) -> str:
        """`expr` (or the column `expr()` makes) is one of `items` ('' when there are none)."""
        if not items:
            return ""
        if callable(expr):
            expr = expr()
        return f"{expr} IN (SELECT v FROM unnest({self.param(items)}) AS u(v))"

    @staticmethod
    def any_of(parts: list[str]) -> str:
        kept = [part for part in parts if part]
        return "(" + " OR ".join(kept) + ")" if kept else "false"

    def glob(self, fld: Field, kind: str, value: Value, target: str) -> str:
        if kind in ("text", "status"):
            expr = target
        elif kind in ("params", "tags"):
            expr = self.column(fld, "text")
        else:
            raise self.fail(value.column, f"'~' matches text, and {shortened(fld.label)} is not text")
        return f"{expr} ILIKE {self.param(glob_to_like(value.text))} ESCAPE '\\'"

    def timestamp(self, value: Value) -> datetime:
        parsed = parse_time(value.text)
        if parsed is None:
            raise self.fail(
                value.column,
                f"expected a date or time like '2026-01-31' or '2026-01-31T12:00:00Z', "
                f"not {quoted(value.text)}",
            )
        return parsed


def number_of(value: Value) -> float | None:
    """`value.number`, without reading a bare number's text twice (the parser matched it)."""
    if value.kind == "number":
        number = float(value.text)
        return number if math.isfinite(number) else None
    return value.number


def key_uses(root: Node) -> dict[tuple[str, str], int]:
    """How many conditions name each key (section, name) (walked without recursion)."""
    uses: dict[tuple[str, str], int] = {}
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, BoolOp):
            stack.extend(node.items)
        elif isinstance(node, Not):
            stack.append(node.item)
        elif node.field.section != "run":
            key = (node.field.section, node.field.name)
            uses[key] = uses.get(key, 0) + 1
    return uses


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
