"""The runs filter language: parsing, precedence, errors, and what each filter selects."""

from __future__ import annotations

import pytest
from _catalog_data import sample_catalog

from workbench.catalog.filters import (
    BoolOp,
    Compare,
    InList,
    Missing,
    Not,
    compile_filter,
    glob_to_like,
    parse_field_spec,
    parse_filter,
    parse_time,
)
from workbench.errors import FilterSyntaxError


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    return sample_catalog(tmp_path_factory.mktemp("filters"))


def names(cat, text: str) -> list[str]:
    compiled = compile_filter(text)
    with cat.connect(read_only=True) as con:
        rows = con.execute(
            f"SELECT r.name FROM runs r WHERE {compiled.sql} ORDER BY r.name", compiled.params
        ).fetchall()
    return [row[0] for row in rows]


# -- parsing ---------------------------------------------------------------------------------


def test_and_binds_tighter_than_or():
    ast = parse_filter("name = a or name = b and name = c")
    assert isinstance(ast, BoolOp) and ast.op == "or"
    assert isinstance(ast.items[1], BoolOp) and ast.items[1].op == "and"


def test_parentheses_override_precedence():
    ast = parse_filter("(name = a or name = b) and name = c")
    assert isinstance(ast, BoolOp) and ast.op == "and"
    assert isinstance(ast.items[0], BoolOp) and ast.items[0].op == "or"


def test_not_binds_tighter_than_and():
    ast = parse_filter("not name = a and name = b")
    assert isinstance(ast, BoolOp) and ast.op == "and"
    assert isinstance(ast.items[0], Not)


def test_keywords_are_case_insensitive():
    ast = parse_filter("NAME = a AND Not params.x IS NOT MISSING")
    assert isinstance(ast, BoolOp) and isinstance(ast.items[1], Not)
    assert isinstance(ast.items[1].item, Missing) and ast.items[1].item.negated


@pytest.mark.parametrize(
    ("text", "section", "key"),
    [
        ("params.lr = 1", "params", "lr"),
        ("params.opt.lr = 1", "params", "opt.lr"),
        ('params."my key" = 1', "params", "my key"),
        ("params.`my key` = 1", "params", "my key"),
        ("metric.val-loss < 1", "metrics", "val-loss"),
        ("tags.stage = prod", "tags", "stage"),
    ],
)
def test_field_keys(text, section, key):
    ast = parse_filter(text)
    assert isinstance(ast, Compare)
    assert (ast.field.section, ast.field.name) == (section, key)


@pytest.mark.parametrize("literal", ["1e-3", "-2.5E+4", ".5", "7", "+3"])
def test_numbers_with_exponents_and_signs(literal):
    ast = parse_filter(f"metrics.acc > {literal}")
    assert ast.value.kind == "number"
    assert ast.value.number == float(literal)


def test_strings_escape_quotes_both_ways():
    assert parse_filter("name = 'it''s'").value.text == "it's"
    assert parse_filter(r"name = 'it\'s'").value.text == "it's"
    assert parse_filter('name = "a b"').value.text == "a b"


def test_in_list_and_trailing_comma():
    ast = parse_filter("status in ('finished', 'running',)")
    assert isinstance(ast, InList) and [v.text for v in ast.values] == ["finished", "running"]
    assert parse_filter("status not in (failed)").negated


def test_empty_filter_is_none():
    assert parse_filter("   ") is None
    assert compile_filter("").sql == "TRUE"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("metrics.acc > ", "expected a value after '>' at column 15", 15),
        ("metrics.acc >", "expected a value after '>' at column 14", 14),
        ("name = 'abc", "unterminated ' quote starting at column 8", 8),
        ("(name = a", "expected ')', found the end at column 10", 10),
        ("name = a)", "unmatched ')' at column 9", 9),
        ("name = a name = b", "expected 'and', 'or' or the end", 10),
        ("foo = 1", "unknown field 'foo'", 1),
        ("name", "expected an operator", 5),
        ("params. = 1", "expected a key after 'params.'", 8),
        ("status in finished", "expected '(' after 'in'", 11),
        ("params.lr is 3", "expected 'missing' after 'is'", 14),
        ("name = a and", "expected a field", 13),
        ("name & a", "unexpected character '&'", 6),
        ("metrics.acc > 'high'", "metrics.acc compares with numbers", 15),
        ("started_at > 'yesterday'", "expected a date or time", 14),
        ("metrics.acc ~ '0.*'", "'~' matches text", 15),
    ],
)
def test_syntax_errors_point_at_the_column(text, message, column):
    with pytest.raises(FilterSyntaxError) as info:
        compile_filter(text)
    assert message in str(info.value)
    assert info.value.column == column
    assert info.value.expression == text


def test_glob_to_like_escapes_like_wildcards():
    assert glob_to_like("lr-*") == "lr-%"
    assert glob_to_like("a_b%?") == "a\\_b\\%_"


def test_parse_time_accepts_z_offsets_and_epoch():
    assert parse_time("2026-01-01").isoformat() == "2026-01-01T00:00:00"
    assert parse_time("2026-01-01T10:00:00Z").isoformat() == "2026-01-01T10:00:00"
    assert parse_time("2026-01-01T10:00:00+02:00").isoformat() == "2026-01-01T08:00:00"
    assert parse_time("0").isoformat() == "1970-01-01T00:00:00"
    assert parse_time("soon") is None


def test_parse_field_spec():
    assert parse_field_spec("metrics.acc").label == "metrics.acc"
    assert parse_field_spec('params."a b"').name == "a b"
    with pytest.raises(FilterSyntaxError):
        parse_field_spec("name extra")


# -- what filters select (against a real DuckDB catalog) ---------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.acc > 0.9", ["lr-0.1"]),
        ("metrics.acc > 0.9 and (params.model = 'svm' or tags.stage = 'prod')", ["lr-0.1"]),
        (
            "metrics.acc > 0.5 and (params.model = 'rf' or tags.stage = 'prod')",
            ["lr-0.01", "lr-0.1"],
        ),
        ("params.model = 'rf' or tags.stage = 'prod'", ["live", "lr-0.01", "lr-0.1"]),
        ("name ~ 'lr-*'", ["lr-0.01", "lr-0.1"]),
        ("name ~ LR-0.?", ["lr-0.1"]),
        ("name !~ 'lr-*'", ["[red]markup[/]", "baseline", "live"]),
        ("status in ('finished', 'failed')", ["baseline", "lr-0.01", "lr-0.1"]),
        ("status = stale", ["[red]markup[/]"]),
        ("status = running", ["live"]),
        ("status not in (finished, failed, stale)", ["live"]),
        ("started_at > '2026-01-15T13:00:00Z' and started_at < '2026-02-01'", ["lr-0.01"]),
        ("started_at = '2026-01-16'", ["lr-0.01"]),
        ("params.lr is missing", ["baseline"]),
        ("params.lr is not missing", ["[red]markup[/]", "live", "lr-0.01", "lr-0.1"]),
        ("params.lr > 0.05", ["[red]markup[/]", "lr-0.1"]),
        ("params.lr = 0.01", ["lr-0.01"]),  # logged as the string "0.01"
        ("params.lr = '0.01'", ["lr-0.01"]),
        ("params.lr < 1e-2", ["live"]),
        ("params.lr <= 1e-2", ["live", "lr-0.01"]),
        ("params.model != 'svm'", ["baseline", "lr-0.01"]),
        ("not params.model = 'svm'", ["[red]markup[/]", "baseline", "live", "lr-0.01"]),
        ('params."my key" = x', ["lr-0.1"]),
        ("params.`my key` ~ '*'", ["lr-0.1"]),
        ("params.flag = true", ["baseline"]),
        ("params.epochs >= 10 and params.epochs < 20", ["lr-0.1"]),
        ("params.epochs in (20, 30)", ["lr-0.01"]),
        ("metrics.acc < 0.5", []),  # baseline's last acc is NaN: never compares
        ("metrics.acc is missing", ["[red]markup[/]", "live"]),
        ("metrics.val-loss = 0.9", ["live"]),
        ("tags.stage = prod and not project = iris", ["live"]),
        ("ended_at is missing", ["[red]markup[/]", "live"]),
        ("duration_s > 60 and duration_s < 100", ["baseline", "lr-0.01", "lr-0.1"]),
        ("id ~ 'aaaa*'", ["lr-0.01", "lr-0.1"]),
        ("not (name = baseline or project = iris)", ["[red]markup[/]", "live"]),
        ("name = '[red]markup[/]'", ["[red]markup[/]"]),
        ("name ~ '*[/]*'", ["[red]markup[/]"]),
    ],
)
def test_filter_selects(cat, text, expected):
    assert names(cat, text) == sorted(expected)


def test_injection_values_are_data(cat):
    assert names(cat, "name = '; DROP TABLE runs; --'") == []
    assert names(cat, 'params."\'; DROP TABLE runs; --" is missing')  # all runs
    with cat.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 5


def test_user_text_never_appears_in_sql():
    compiled = compile_filter("name = 'zq_secret' and params.`zq key` ~ 'zq*'")
    assert "zq" not in compiled.sql
    assert set(compiled.params.values()) >= {"zq_secret", "zq key", "zq%"}
