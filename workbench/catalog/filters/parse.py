"""The filter language's fields, syntax tree, tokenizer and parser (hand-written).

Errors are FilterSyntaxError with the column of the offending token.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from workbench.catalog.run_status import DURATION_SQL, STATUS_SQL
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
    "parent": ("r.parent_id", "text"),
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

#: The longest filter taken, in characters (an `in` list of some 250,000 numbers); a longer one
#: is refused in one sentence rather than kept waiting for.
MAX_FILTER_CHARS = 2_000_000

#: How much of a word or value an error message quotes.
SHOWN_CHARS = 40

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


class Value(NamedTuple):
    """A literal: `kind` is "number" (a bare number) or "string" (quoted or a bare word).
    A tuple: an `in` list of 100,000 values makes 100,000 of them."""

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


class Token(NamedTuple):
    """One token (a tuple: a filter of 100,000 values makes 200,000 of them)."""

    kind: str  # WORD, STRING, QIDENT, OP, LPAREN, RPAREN, COMMA, LIST (after `in`), END
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
        if self.kind == "LIST":
            return "a list"
        return quoted(self.text)


def shortened(text: str) -> str:
    """User text cut to SHOWN_CHARS with '…' (a message stays one sentence whatever was typed)."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def quoted(text: str) -> str:
    """User text as an error message quotes it: shortened, then repr'd."""
    return repr(shortened(text))


_TOKEN_RE = re.compile(
    r"(?P<SPACE>\s+)|(?P<LPAREN>\()|(?P<RPAREN>\))|(?P<COMMA>,)"
    r"|(?P<OP>" + "|".join(re.escape(op) for op in _OPERATORS) + r")"
    r"|(?P<WORD>[" + re.escape("".join(sorted(_WORD_CHARS))) + r"]+)"
    r"|(?P<QUOTE>['\"`])"
)

_WORD_CLASS = "[" + re.escape("".join(sorted(_WORD_CHARS))) + "]"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_QUOTED = r"'([^'\\]*)'|\"([^\"\\]*)\""
#: A whole `in` list of simple values, `(` to `)` (a trailing comma allowed): bare words and
#: quoted strings without escapes (no backslash, no doubled quote). One match of it and one
#: scan of its values replace two tokens and a parser step per value, so a list of 100,000
#: values costs little more than reading its text. Anything else (an escape, a keyword, an
#: empty or malformed list) is left to the token-by-token parse, which also words the errors.
_LIST_RE = re.compile(
    r"\(\s*(?:" + _WORD_CLASS + "+|" + _QUOTED + r")(?:\s*,\s*(?:" + _WORD_CLASS + "+|"
    + _QUOTED + r"))*\s*(?:,\s*)?\)"
)
#: A keyword standing alone in a list (perhaps inside quotes, where it is harmless: that list
#: just takes the token-by-token parse).
_LIST_KEYWORD_RE = re.compile(
    r"(?i)(?<!" + _WORD_CLASS + ")(?:" + "|".join(sorted(KEYWORDS)) + ")(?!" + _WORD_CLASS + ")"
)
#: One value of a simple list; the group that matched says its kind: a number (a whole bare
#: word that _NUMBER_RE takes), another bare word, or a quoted string.
_LIST_VALUE_RE = re.compile(
    "(" + _NUMBER + ")(?!" + _WORD_CLASS + ")|(" + _WORD_CLASS + "+)|" + _QUOTED
)
_LIST_VALUE_KINDS = ("", "number", "string", "string", "string")  # by group number


def tokenize(text: str) -> list[Token]:
    """Split a filter into tokens; raises FilterSyntaxError on an unterminated string."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    scan = _TOKEN_RE.match
    while i < n:
        m = scan(text, i)
        if m is None:
            raise _error(text, i, f"unexpected character {text[i]!r}")
        kind = m.lastgroup
        if kind == "SPACE":
            i = m.end()
        elif kind == "QUOTE":
            content, j = _read_quoted(text, i)
            tokens.append(Token("QIDENT" if text[i] == "`" else "STRING", content, i, j))
            i = j
        elif kind == "LPAREN" and tokens and tokens[-1].text.lower() == "in" and (
            listed := _simple_list(text, i)
        ):
            tokens.append(Token("LIST", listed, i, i + len(listed)))
            i += len(listed)
        else:
            tokens.append(Token(str(kind), m.group(), i, m.end()))
            i = m.end()
    tokens.append(Token("END", "", n, n))
    return tokens


def _simple_list(text: str, start: int) -> str | None:
    """The list of simple values that starts at `start` (a "("), or None: see _LIST_RE."""
    listed = _LIST_RE.match(text, start)
    if listed is None or _LIST_KEYWORD_RE.search(text, start, listed.end()):
        return None
    return listed.group()


def list_values(tok: Token) -> list[Value]:
    """The values of a LIST token, as the token-by-token parse of the list would make them."""
    kinds, offset = _LIST_VALUE_KINDS, tok.start + 1
    values = []
    for m in _LIST_VALUE_RE.finditer(tok.text):
        group = m.lastindex or 0  # each alternative of the pattern is one group
        values.append(Value(kinds[group], m.group(group), offset + m.start()))
    return values


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
        """Operator precedence by two explicit stacks (no recursion, so no nesting depth can
        exhaust Python's stack): `not` binds tightest, then `and`, then `or`."""
        operands: list[Node] = []
        operators: list[Token] = []  # LPAREN, or WORD tokens not / and / or
        while True:
            # An operand is expected: any number of 'not' and '(', then a comparison.
            while self.is_kw("not") or self.tok.kind == "LPAREN":
                operators.append(self.advance())
            operands.append(self.parse_comparison())
            # An operator, ')' or the end is expected.
            while self.tok.kind == "RPAREN":
                _reduce(operands, operators, "(")
                if not operators:
                    raise self.fail("unmatched ')'")
                operators.pop()
                self.advance()
            if self.is_kw("and") or self.is_kw("or"):
                word = self.tok.text.lower()
                _reduce(operands, operators, word)
                operators.append(self.advance())
                continue
            if any(op.kind == "LPAREN" for op in operators):
                raise self.fail(f"expected ')', found {self.tok.shown()}")
            if self.tok.kind != "END":
                raise self.fail(f"expected 'and', 'or' or the end, found {self.tok.shown()}")
            _reduce(operands, operators, "(")
            return operands[0]

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
            if self.tok.kind == "LIST":
                return InList(fld, list_values(self.advance()), negated, in_tok.column)
            if self.tok.kind != "LPAREN":
                raise self.fail(f"expected '(' after 'in', found {self.tok.shown()}")
            self.advance()
            values = self.parse_values()
            if self.tok.kind != "RPAREN":
                raise self.fail(f"expected ',' or ')' in the list, found {self.tok.shown()}")
            self.advance()
            return InList(fld, values, negated, in_tok.column)
        raise self.fail(
            f"expected an operator (=, !=, <, <=, >, >=, ~, in, is missing) after "
            f"{quoted(fld.label)}, found {tok.shown()}"
        )

    def parse_values(self) -> list[Value]:
        """The values of an `in` list, up to (not including) its ')'; a trailing comma is
        allowed. A plain loop over the tokens: lists of 100,000 values are expected."""
        tokens, pos = self.tokens, self.pos
        values: list[Value] = []
        number = _NUMBER_RE.match
        while True:
            tok = tokens[pos]
            if tok.kind == "STRING":
                values.append(Value("string", tok.text, tok.start + 1))
            elif tok.kind == "WORD" and tok.text.lower() not in KEYWORDS:
                kind = "number" if number(tok.text) else "string"
                values.append(Value(kind, tok.text, tok.start + 1))
            else:
                self.pos = pos
                where = "after ','" if values else "in the list"
                raise self.fail(f"expected a value {where}")
            pos += 1
            if tokens[pos].kind != "COMMA":
                break
            pos += 1
            if tokens[pos].kind == "RPAREN":
                break
        self.pos = pos
        return values

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


#: Binding strength of the operators on the parser's stack; "(" is never reduced.
_STRENGTH = {"(": 0, "or": 1, "and": 2, "not": 3}


def _reduce(operands: list[Node], operators: list[Token], down_to: str) -> None:
    """Pop operators at least as strong as `down_to` into nodes, stopping at a "(".

    Nodes are kept flat as they are built: `a and (b and c)` is one `and` of three items and
    `not not x` is `x` (every condition is true or false, never NULL), so a long chain or a
    deep stack of parentheses becomes a shallow tree.
    """
    floor = _STRENGTH[down_to]
    while operators and operators[-1].kind != "LPAREN":
        word = operators[-1].text.lower()
        if _STRENGTH[word] < floor:
            return
        operators.pop()
        if word == "not":
            item = operands.pop()
            operands.append(item.item if isinstance(item, Not) else Not(item))
            continue
        right, left = operands.pop(), operands.pop()
        node = left if isinstance(left, BoolOp) and left.op == word else BoolOp(word, [left])
        if isinstance(right, BoolOp) and right.op == word:
            node.items.extend(right.items)
        else:
            node.items.append(right)
        operands.append(node)


def field_from_word(text: str, tok: Token, quoted_key: str | None = None) -> Field:
    """Turn a bare word (`params.lr`, `name`) into a Field, or raise FilterSyntaxError."""
    word = tok.text
    head, dot, rest = word.partition(".")
    section = SECTIONS.get(head.lower()) if dot else None
    if section:
        key = quoted_key if quoted_key is not None else rest
        if quoted_key is not None and rest:
            raise _error(text, tok.start, f"unexpected text before the quoted key in {quoted(word)}")
        if not key:
            raise _error(text, tok.end, f"expected a key after '{head}.'")
        return Field(section, key, tok.column)
    if quoted_key is not None:
        raise _error(text, tok.start, f"unknown field {quoted(word)}")
    name = word.lower()
    if name in RUN_FIELDS:
        return Field("run", name, tok.column)
    short = shortened(word)
    raise _error(
        text,
        tok.start,
        f"unknown field {quoted(word)}; use params.{short}, metrics.{short} or tags.{short}, "
        f"or one of {', '.join(RUN_FIELDS)}",
    )


def parse_filter(text: str | None) -> Node | None:
    """Parse a filter into an AST; None for an empty filter. Raises FilterSyntaxError."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_CHARS:
        raise FilterSyntaxError(
            f"the filter is {len(text):,} characters long, more than the {MAX_FILTER_CHARS:,}"
            " a filter may have",
            expression=text,
            column=MAX_FILTER_CHARS + 1,
        )
    parser = _Parser(text)
    return parser.parse()


def parse_field_spec(text: str) -> Field:
    """Parse one field name as used by --sort and --columns (`metrics.acc`, `params."a b"`)."""
    parser = _Parser(text)
    fld = parser.parse_field()
    if parser.tok.kind != "END":
        raise parser.fail(f"unexpected {parser.tok.shown()} after the field name")
    return fld
