"""The filter language's fields, syntax tree, tokenizer and parser (hand-written).

Errors are FilterSyntaxError with the column of the offending token.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

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
