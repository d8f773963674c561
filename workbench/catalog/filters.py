"""The runs filter language: a hand-written tokenizer and parser compiled to parameterised SQL.

`metrics.acc > 0.9 and (params.model = 'svm' or tags.stage = 'prod')` becomes a WHERE
fragment over the runs table (alias `r`) plus a dict of named parameters; user text is
never pasted into SQL. The language is documented in docs/cli.md ("Filter expressions").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from workbench.catalog.run_status import DURATION_SQL, STATUS_SQL, stale_before
from workbench.errors import FilterSyntaxError

# -- fields ---------------------------------------------------------------------------------

#: Run fields a filter or sort can name: name -> (SQL expression over `r`, kind).
RUN_FIELDS: dict[str, tuple[str, str]] = {
    "id": ("r.run_id", "text"),
    "project": ("r.project", "text"),
    "name": ("r.name", "text"),
    "status": (STATUS_SQL, "status"),
    "started_at": ("r.started_at", "time"),
    "ended_at": ("r.ended_at", "time"),
    "heartbeat_at": ("r.heartbeat_at", "time"),
    "duration_s": (DURATION_SQL, "number"),
    "host": ("r.host", "text"),
    "user": ("r.user_name", "text"),
    "git_commit": ("r.git_commit", "text"),
    "git_branch": ("r.git_branch", "text"),
    "path": ("r.path", "text"),
    "notes": ("r.notes", "text"),
}

#: Keyed sections: prefix (and its singular) -> section name.
SECTIONS = {
    "params": "params",
    "param": "params",
    "metrics": "metrics",
    "metric": "metrics",
    "tags": "tags",
    "tag": "tags",
}

KEYWORDS = {"and", "or", "not", "in", "is", "missing", "null"}

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DATE_ONLY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WORD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/:+*?@%$#")
_OPERATORS = ("==", "!=", "<>", "<=", ">=", "!~", "=", "<", ">", "~")


@dataclass(frozen=True)
class Field:
    """A thing a filter or sort names: a run column, or a key in params/metrics/tags."""

    section: str  # "run", "params", "metrics" or "tags"
    name: str  # the run column name, or the key
    column: int = 0

    @property
    def label(self) -> str:
        """How the field is spelled in the wide runs table ("params.lr", "name")."""
        return self.name if self.section == "run" else f"{self.section}.{self.name}"


@dataclass(frozen=True)
class Value:
    """A literal: `kind` is "number" (a bare number) or "string" (quoted or a bare word)."""

    kind: str
    text: str
    column: int

    @property
    def number(self) -> float | None:
        """The literal as a finite float when it reads as one (bare or quoted), else None."""
        return as_number(self.text)


@dataclass
class Compare:
    field: Field
    op: str
    value: Value
    column: int


@dataclass
class InList:
    field: Field
    values: list[Value]
    negated: bool
    column: int


@dataclass
class Missing:
    field: Field
    negated: bool  # True for "is not missing"


@dataclass
class Not:
    item: Node


@dataclass
class BoolOp:
    op: str  # "and" | "or"
    items: list[Node] = field(default_factory=list)


#: A parsed filter expression.
Node = Compare | InList | Missing | Not | BoolOp


def as_number(text: str) -> float | None:
    """`text` as a finite float if it reads as a number ("0.1", "1e-3", " 7 "), else None."""
    stripped = text.strip()
    if not _NUMBER_RE.match(stripped):
        return None
    value = float(stripped)
    return value if math.isfinite(value) else None


# -- tokenizer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # WORD, STRING, QIDENT, OP, LPAREN, RPAREN, COMMA, END
    text: str  # for STRING/QIDENT the unquoted content
    start: int  # 0-based offset
    end: int

    @property
    def column(self) -> int:
        return self.start + 1

    def shown(self) -> str:
        if self.kind == "END":
            return "the end"
        if self.kind == "STRING":
            return "a string"
        return repr(self.text)


def tokenize(text: str) -> list[Token]:
    """Split a filter into tokens; raises FilterSyntaxError on an unterminated string."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            tokens.append(Token("LPAREN", ch, i, i + 1))
            i += 1
        elif ch == ")":
            tokens.append(Token("RPAREN", ch, i, i + 1))
            i += 1
        elif ch == ",":
            tokens.append(Token("COMMA", ch, i, i + 1))
            i += 1
        elif ch in "'\"`":
            content, j = _read_quoted(text, i)
            tokens.append(Token("QIDENT" if ch == "`" else "STRING", content, i, j))
            i = j
        elif any(text.startswith(op, i) for op in _OPERATORS):
            op = next(op for op in _OPERATORS if text.startswith(op, i))
            tokens.append(Token("OP", op, i, i + len(op)))
            i += len(op)
        elif ch in _WORD_CHARS:
            j = i
            while j < n and text[j] in _WORD_CHARS:
                j += 1
            tokens.append(Token("WORD", text[i:j], i, j))
            i = j
        else:
            raise _error(text, i, f"unexpected character {ch!r}")
    tokens.append(Token("END", "", n, n))
    return tokens


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a quoted run starting at `start`; a doubled quote or a backslash escapes."""
    quote = text[start]
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and text[i + 1] == quote:
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise _error(text, start, f"unterminated {quote} quote starting")


def _error(text: str, offset: int, message: str) -> FilterSyntaxError:
    column = offset + 1
    return FilterSyntaxError(f"{message} at column {column}", expression=text, column=column)


# -- parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "END":
            self.pos += 1
        return tok

    def is_kw(self, word: str, offset: int = 0) -> bool:
        tok = self.tokens[min(self.pos + offset, len(self.tokens) - 1)]
        return tok.kind == "WORD" and tok.text.lower() == word

    def fail(self, message: str, tok: Token | None = None) -> FilterSyntaxError:
        tok = tok or self.tok
        return _error(self.text, tok.start, message)

    def parse(self) -> Node:
        node = self.parse_or()
        if self.tok.kind != "END":
            if self.tok.kind == "RPAREN":
                raise self.fail("unmatched ')'")
            raise self.fail(f"expected 'and', 'or' or the end, found {self.tok.shown()}")
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.is_kw("or"):
            self.advance()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else BoolOp("or", items)

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while self.is_kw("and"):
            self.advance()
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else BoolOp("and", items)

    def parse_unary(self) -> Node:
        if self.is_kw("not"):
            self.advance()
            return Not(self.parse_unary())
        if self.tok.kind == "LPAREN":
            self.advance()
            node = self.parse_or()
            if self.tok.kind != "RPAREN":
                raise self.fail(f"expected ')', found {self.tok.shown()}")
            self.advance()
            return node
        return self.parse_comparison()

    def parse_field(self) -> Field:
        tok = self.tok
        if tok.kind == "END":
            raise self.fail("expected a field such as name, status or metrics.acc")
        if tok.kind != "WORD" or tok.text.lower() in KEYWORDS:
            raise self.fail(f"expected a field such as name or metrics.acc, found {tok.shown()}")
        self.advance()
        return field_from_word(self.text, tok, self._quoted_key_after(tok))

    def _quoted_key_after(self, tok: Token) -> str | None:
        """For `params."my key"`: the quoted key glued to a word that ends with '.'."""
        nxt = self.tok
        if tok.text.endswith(".") and nxt.kind in ("STRING", "QIDENT") and nxt.start == tok.end:
            self.advance()
            return nxt.text
        return None

    def parse_comparison(self) -> Node:
        fld = self.parse_field()
        tok = self.tok
        if tok.kind == "OP":
            self.advance()
            return Compare(fld, tok.text, self.parse_value(f"after '{tok.text}'"), tok.column)
        if self.is_kw("is"):
            self.advance()
            negated = False
            if self.is_kw("not"):
                self.advance()
                negated = True
            if not (self.is_kw("missing") or self.is_kw("null")):
                raise self.fail(f"expected 'missing' after 'is', found {self.tok.shown()}")
            self.advance()
            return Missing(fld, negated)
        negated = False
        if self.is_kw("not") and self.is_kw("in", 1):
            self.advance()
            negated = True
        if self.is_kw("in"):
            in_tok = self.advance()
            if self.tok.kind != "LPAREN":
                raise self.fail(f"expected '(' after 'in', found {self.tok.shown()}")
            self.advance()
            values = [self.parse_value("in the list")]
            while self.tok.kind == "COMMA":
                self.advance()
                if self.tok.kind == "RPAREN":
                    break
                values.append(self.parse_value("after ','"))
            if self.tok.kind != "RPAREN":
                raise self.fail(f"expected ',' or ')' in the list, found {self.tok.shown()}")
            self.advance()
            return InList(fld, values, negated, in_tok.column)
        raise self.fail(
            f"expected an operator (=, !=, <, <=, >, >=, ~, in, is missing) after "
            f"{fld.label!r}, found {tok.shown()}"
        )

    def parse_value(self, where: str) -> Value:
        tok = self.tok
        if tok.kind == "STRING":
            self.advance()
            return Value("string", tok.text, tok.column)
        if tok.kind == "WORD" and tok.text.lower() not in KEYWORDS:
            self.advance()
            kind = "number" if _NUMBER_RE.match(tok.text) else "string"
            return Value(kind, tok.text, tok.column)
        raise self.fail(f"expected a value {where}")


def field_from_word(text: str, tok: Token, quoted_key: str | None = None) -> Field:
    """Turn a bare word (`params.lr`, `name`) into a Field, or raise FilterSyntaxError."""
    word = tok.text
    head, dot, rest = word.partition(".")
    section = SECTIONS.get(head.lower()) if dot else None
    if section:
        key = quoted_key if quoted_key is not None else rest
        if quoted_key is not None and rest:
            raise _error(text, tok.start, f"unexpected text before the quoted key in {word!r}")
        if not key:
            raise _error(text, tok.end, f"expected a key after '{head}.'")
        return Field(section, key, tok.column)
    if quoted_key is not None:
        raise _error(text, tok.start, f"unknown field {word!r}")
    name = word.lower()
    if name in RUN_FIELDS:
        return Field("run", name, tok.column)
    raise _error(
        text,
        tok.start,
        f"unknown field {word!r}; use params.{word}, metrics.{word} or tags.{word}, "
        f"or one of {', '.join(RUN_FIELDS)}",
    )


def parse_filter(text: str | None) -> Node | None:
    """Parse a filter into an AST; None for an empty filter. Raises FilterSyntaxError."""
    if text is None or not text.strip():
        return None
    parser = _Parser(text)
    return parser.parse()


def parse_field_spec(text: str) -> Field:
    """Parse one field name as used by --sort and --columns (`metrics.acc`, `params."a b"`)."""
    parser = _Parser(text)
    fld = parser.parse_field()
    if parser.tok.kind != "END":
        raise parser.fail(f"unexpected {parser.tok.shown()} after the field name")
    return fld


# -- compiler -------------------------------------------------------------------------------


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


__all__ = [
    "CompiledFilter",
    "Field",
    "RUN_FIELDS",
    "STATUS_SQL",
    "stale_before",
    "DURATION_SQL",
    "compile_filter",
    "parse_filter",
    "parse_field_spec",
    "glob_to_like",
    "parse_time",
]
