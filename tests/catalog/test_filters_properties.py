"""Property tests: any string parses or raises FilterSyntaxError; parsed filters always run."""

from __future__ import annotations

import contextlib

import duckdb
import pytest
from _catalog_data import sample_catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.catalog.filters import compile_filter
from workbench.errors import FilterSyntaxError

FIELDS = [
    "name",
    "id",
    "project",
    "status",
    "started_at",
    "ended_at",
    "duration_s",
    "host",
    "params.lr",
    "params.model",
    'params."my key"',
    "params.`x y`",
    "metrics.acc",
    "metrics.loss",
    "tags.stage",
    "params.'; DROP TABLE runs; --",
]
OPS = ["=", "==", "!=", "<>", "<", "<=", ">", ">=", "~", "!~"]
NASTY = [
    "'; DROP TABLE runs; --",
    "' OR 1=1 --",
    "\\",
    "%",
    "_",
    "*",
    "?",
    "$f0",
    "[/]",
    "\x00",
    "2026-01-01",
    "1e308",
    "-0",
    "NaN",
    "inf",
    "é",
    '"',
    "`",
]


def quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


values = st.one_of(
    st.sampled_from(NASTY).map(quote),
    st.text(max_size=12).map(quote),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["prod", "svm", "true", "lr-*"]),
)


@st.composite
def comparisons(draw):
    fld = draw(st.sampled_from(FIELDS))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return f"{fld} {draw(st.sampled_from(OPS))} {draw(values)}"
    if kind == 1:
        items = ", ".join(draw(st.lists(values, min_size=1, max_size=3)))
        return f"{fld} {draw(st.sampled_from(['in', 'not in']))} ({items})"
    return f"{fld} is {draw(st.sampled_from(['missing', 'not missing', 'null']))}"


filters = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or", "AND"]), inner).map(" ".join),
        inner.map(lambda f: f"not ({f})"),
        inner.map(lambda f: f"({f})"),
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    return sample_catalog(tmp_path_factory.mktemp("props"))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_garbage_parses_or_raises_filter_syntax_error(text):
    try:
        compile_filter(text)
    except FilterSyntaxError as exc:
        assert 1 <= exc.column <= len(text) + 1
        assert "column" in str(exc)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab.=<>!~()'\"` ,-1e5 andornotinismissing", max_size=30))
def test_near_miss_syntax_parses_or_raises_filter_syntax_error(text):
    with contextlib.suppress(FilterSyntaxError):
        compile_filter(text)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters)
def test_parsed_filters_execute_without_sql_error(cat, text):
    try:
        compiled = compile_filter(text)
    except FilterSyntaxError:
        return  # e.g. a text literal against a numeric field: a user error, reported as such
    with cat.connect(read_only=True) as con:
        try:
            con.execute(f"SELECT count(*) FROM runs r WHERE {compiled.sql}", compiled.params)
        except duckdb.Error as exc:  # pragma: no cover - the property under test
            pytest.fail(f"{text!r} -> {compiled.sql!r}: {exc}")
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 5


def selected(con, text: str) -> set[str] | None:
    """The ids a filter selects on an open connection, or None for a FilterSyntaxError."""
    try:
        compiled = compile_filter(text)
    except FilterSyntaxError:
        return None
    rows = con.execute(f"SELECT r.run_id FROM runs r WHERE {compiled.sql}", compiled.params)
    return {row[0] for row in rows.fetchall()}


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(comparisons(), comparisons())
def test_and_or_not_select_as_sets_do(cat, left, right):
    """Conditions on keys share one aggregate per section; they must still combine exactly
    as each alone selects."""
    with cat.connect(read_only=True) as con:  # one open per example, not one per query
        a, b = selected(con, left), selected(con, right)
        if a is None or b is None:
            return
        every = selected(con, "")
        assert selected(con, f"({left}) or ({right})") == a | b
        assert selected(con, f"({left}) and ({right})") == a & b
        assert selected(con, f"not ({left})") == every - a


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(FIELDS), st.lists(values, min_size=1, max_size=4))
def test_in_list_selects_what_its_equalities_do(cat, fld, items):
    """`in` binds its values as one list; it selects what `=` on each value does."""
    with cat.connect(read_only=True) as con:  # one open per example, not one per query
        equal = [selected(con, f"{fld} = {item}") for item in items]
        unequal = [selected(con, f"{fld} != {item}") for item in items]
        listed = ", ".join(items)
        if any(s is None for s in equal):
            assert selected(con, f"{fld} in ({listed})") is None
            return
        assert selected(con, f"{fld} in ({listed})") == set().union(*equal)
        assert selected(con, f"{fld} not in ({listed})") == set.intersection(*unequal)
