"""The fast paths select exactly what the plain ones did: the pivoted key columns against the
compiler that made one aggregate per condition (tests/_filters_before.py), and the one-match
`in` list against the token-by-token parse of the same list."""

from __future__ import annotations

import math
import re

import _filters_before as before
import pytest
from _catalog_data import add_runs, sample_runs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.catalog.connection import Catalog
from workbench.catalog.filters import compile_filter, parse_filter
from workbench.catalog.filters import parse as parse_module
from workbench.errors import FilterSyntaxError

#: Runs whose values sit on the edges: a NaN or infinite last metric, a JSON null param, text
#: that reads as a number ("nan", "1e3", " 7 "), markup and quotes in values.
EDGE_RUNS = [
    {"id": "eeee0001", "name": "[red]x[/]", "params": {"lr": None, "model": "[red]x[/]", "n": "nan"},
     "tags": {"stage": "nan", "t": "1e3"}, "metrics": {"acc": [float("nan")], "loss": [math.inf]}},
    {"id": "eeee0002", "name": "it's", "params": {"lr": " 7 ", "model": 'say "hi"', "n": 3},
     "tags": {"stage": "it's", "t": "-0"}, "metrics": {"acc": [0.95, -math.inf], "loss": [0.0]}},
    {"id": "eeee0003", "name": 'say "hi"', "params": {"model": "7", "n": True},
     "tags": {"t": "inf"}, "metrics": {"loss": [float("nan"), 0.2]}},
]  # fmt: skip

FIELDS = ["name", "params.lr", "params.model", "params.n", "params.epochs", "params.none",
          "metrics.acc", "metrics.loss", "metrics.none", "tags.stage", "tags.t", "duration_s"]
OPS = ["=", "!=", "<", "<=", ">", ">=", "~", "!~"]
LITERALS = ["0.5", "0.95", "7", "' 7 '", "-0", "1e3", "'1e3'", "nan", "'nan'", "inf", "svm",
            "'[red]x[/]'", "\"it's\"", "'say \"hi\"'", "'it''s'", "lr-*", "'*'", "prod", "true", "3"]  # fmt: skip

values = st.sampled_from(LITERALS)


@st.composite
def conditions(draw):
    fld = draw(st.sampled_from(FIELDS))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return f"{fld} {draw(st.sampled_from(OPS))} {draw(values)}"
    if kind == 1:
        items = ", ".join(draw(st.lists(values, min_size=1, max_size=4)))
        return f"{fld} {draw(st.sampled_from(['in', 'not in']))} ({items})"
    return f"{fld} is {draw(st.sampled_from(['missing', 'not missing']))}"


filters = st.recursive(
    conditions(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
        inner.map(lambda f: f"not ({f})"),
    ),
    max_leaves=5,
)


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("equivalence") / "catalog.duckdb")
    add_runs(cat, sample_runs() + EDGE_RUNS)
    return cat


def selected(con, compile_fn, text: str) -> set[str] | str:
    """The ids a filter selects, or the FilterSyntaxError's sentence."""
    try:
        compiled = compile_fn(text)
    except FilterSyntaxError as exc:
        return str(exc)
    rows = con.execute(f"SELECT r.run_id FROM runs r WHERE {compiled.sql}", compiled.params)
    return {row[0] for row in rows.fetchall()}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters)
def test_pivoted_keys_select_what_one_aggregate_per_condition_did(cat, text):
    with cat.connect(read_only=True) as con:
        assert selected(con, compile_filter, text) == selected(con, before.compile_filter, text)


@pytest.mark.parametrize("fld", FIELDS)
@pytest.mark.parametrize("op", OPS)
def test_every_field_and_operator_selects_as_before(cat, fld, op):
    with cat.connect(read_only=True) as con:
        for literal in LITERALS:
            text = f"{fld} {op} {literal}"
            assert selected(con, compile_filter, text) == selected(
                con, before.compile_filter, text
            ), text


def test_many_conditions_on_few_keys_read_one_column_per_key():
    text = " and ".join(f"metrics.m{i % 20} > {i / 10000}" for i in range(1000))
    sql = compile_filter(text).sql
    assert sql.count(" AS c") == 20
    assert sql.count("GROUP BY") == 1


def slow_parse(text: str):
    """parse_filter with the one-match list turned off: the token-by-token parse."""
    saved = parse_module._LIST_RE
    parse_module._LIST_RE = re.compile(r"(?!)")
    try:
        return parse_filter(text)
    except FilterSyntaxError as exc:
        return str(exc)
    finally:
        parse_module._LIST_RE = saved


def fast_parse(text: str):
    try:
        return parse_filter(text)
    except FilterSyntaxError as exc:
        return str(exc)


list_items = st.one_of(
    st.sampled_from(LITERALS + ["and", "OR", "Null", "missing", "notes", "android", "x.y",
                                "'a\\'b'", "`q`", "''", '""', "'(,)'", "a=b", "", " ", "1 2"]),
    st.text(alphabet="ab1.,'\"\\ ()-", max_size=6),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(list_items, max_size=6), st.sampled_from([",", ", ", " ,", ",\n"]),
       st.sampled_from(["", ",", " , "]), st.sampled_from(["in", "IN", "not in"]))  # fmt: skip
def test_one_match_list_parses_as_token_by_token(items, sep, trailing, word):
    text = f"params.p {word} ({sep.join(items)}{trailing}) and name = x"
    assert fast_parse(text) == slow_parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "name in ()",  # empty: a sentence, as before
        "name in (,)",
        "name in (a,,b)",
        "name in (a b)",
        "name in (a, and)",
        "name in (a, 'it''s', \"say \\\"hi\\\"\")",  # escapes: the token-by-token path
        "name in ('[red]x[/]', '[red]x[/]', \"it's\")",  # duplicates and markup
        "name in (a,)",
        "name in (a",
        "name in ('a",
        "name in (a) or name in (b)",
    ],
)
def test_list_edges_parse_as_token_by_token(text):
    assert fast_parse(text) == slow_parse(text)


def test_list_values_keep_their_columns_and_kinds():
    node = parse_filter("name in (a, '[red]x[/]', \"it's\", 1e3, a)")
    assert [(v.kind, v.text, v.column) for v in node.values] == [
        ("string", "a", 10), ("string", "[red]x[/]", 13), ("string", "it's", 26),
        ("number", "1e3", 34), ("string", "a", 39),
    ]  # fmt: skip


def test_empty_list_is_one_sentence():
    with pytest.raises(FilterSyntaxError, match="expected a value in the list at column 10"):
        parse_filter("name in ()")


def test_duplicates_and_quoted_markup_select_literally(cat):
    with cat.connect(read_only=True) as con:
        text = "name in ('[red]x[/]', '[red]x[/]', \"it's\", 'say \"hi\"', 'it''s')"
        assert selected(con, compile_filter, text) == {"eeee0001", "eeee0002", "eeee0003"}
        assert selected(con, compile_filter, "params.model in ('[red]x[/]', '[red]x[/]')") == {
            "eeee0001"
        }


def test_a_key_named_once_keeps_its_condition_in_one_column():
    sql = compile_filter(" or ".join(f"metrics.k{i} > 0.5" for i in range(600))).sql
    assert sql.count(" AS c") == 600 and sql.count("bool_or(") == 600
    assert "max(" not in sql
    twice = compile_filter("metrics.a > 1 and metrics.a < 3 and metrics.b != 2").sql
    assert twice.count("max(") == 1 and twice.count("bool_or(") == 1  # a pivoted, b in its row
