"""Filters a careless or hostile user can write: deep nesting, long chains, huge lists.

Each ends in a result or one FilterSyntaxError sentence, in the service, the CLI (a real
process) and the app's filter box; never a RecursionError or a DuckDB binder error. How fast
they end is measured by benchmarks/bench_filters.py, not here: a timed test fails on a busy
machine.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from _catalog_data import sample_catalog

from workbench.catalog import queries
from workbench.catalog.filters import compile_filter, parse_filter
from workbench.catalog.filters.parse import BoolOp, Compare, Not
from workbench.errors import FilterSyntaxError

PARENS_400 = "(" * 400 + "metrics.acc > 0.5" + ")" * 400
NOT_1000 = "not " * 1000 + "metrics.acc > 0.5"
NOT_999 = "not " * 999 + "metrics.acc > 0.5"
AND_1000 = " and ".join(f"metrics.acc > {i / 10000}" for i in range(1000))
OR_600_METRICS = " or ".join(f"metrics.m{i} > 0.5" for i in range(599)) + " or metrics.acc > 0.9"
AND_1000_KEYS = " and ".join(
    f"(metrics.m{i} is missing or params.p{i} = 3 or tags.t{i} = 'x')" for i in range(1000)
)
IN_100K = "params.epochs in (" + ",".join(str(i) for i in range(100_000)) + ")"
NAME_IN_100K = "name in (" + ",".join(f"'n{i}'" for i in range(100_000)) + ", 'lr-0.1')"
#: 400 levels that do alternate: no flattening can make this shallow.
ALTERNATING_400 = (
    "".join(f"(name = x{i} {'and' if i % 2 else 'or'} " for i in range(400))
    + "name = y"
    + ")" * 400
)

#: expression -> the names it selects from sample_runs() (None: a FilterSyntaxError).
CASES = {
    "parens-400": (PARENS_400, ["lr-0.1", "lr-0.01"]),
    "not-1000": (NOT_1000, ["lr-0.1", "lr-0.01"]),
    "not-999": (NOT_999, ["[red]markup[/]", "baseline", "live"]),
    "and-1000": (AND_1000, ["lr-0.1", "lr-0.01"]),
    "or-600-metrics": (OR_600_METRICS, ["lr-0.1"]),
    "and-1000-keys": (AND_1000_KEYS, ["[red]markup[/]", "baseline", "live", "lr-0.1", "lr-0.01"]),
    "in-100k": (IN_100K, ["lr-0.1", "lr-0.01"]),
    "name-in-100k": (NAME_IN_100K, ["lr-0.1"]),
    "alternating-400": (ALTERNATING_400, None),
}


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    return sample_catalog(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_filter_gives_a_result_or_one_sentence(cat, case):
    text, expected = CASES[case]
    if expected is None:
        with pytest.raises(FilterSyntaxError) as info:
            queries.list_runs(cat, filter=text)
        assert "\n" not in str(info.value) and "levels deep" in str(info.value)
    else:
        frame = queries.list_runs(cat, filter=text)
        assert sorted(frame["name"].to_list()) == sorted(expected)


def test_parentheses_and_not_runs_fold_into_a_shallow_tree():
    assert isinstance(parse_filter(PARENS_400), Compare)
    assert isinstance(parse_filter(NOT_1000), Compare)
    assert isinstance(parse_filter(NOT_999), Not)
    chain = parse_filter(AND_1000)
    assert isinstance(chain, BoolOp) and len(chain.items) == 1000
    nested = parse_filter("params.b = 1 and (params.c = 2 and (params.d = 3 and params.e = 4))")
    assert isinstance(nested, BoolOp) and len(nested.items) == 4


def test_an_in_list_is_one_parameter_not_one_per_value():
    compiled = compile_filter(IN_100K)
    assert len(compiled.params) < 10
    assert len(compiled.sql) < 2000


def test_many_keyed_conditions_are_one_join_per_section():
    compiled = compile_filter(AND_1000_KEYS)
    assert compiled.sql.count("EXISTS") == 0
    assert compiled.sql.count("GROUP BY") == 3


def cli(db, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli.main", "--db", str(db), *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("case", ["parens-400", "not-1000", "and-1000", "or-600-metrics"])
def test_cli_runs_hostile_filter(cat, case):
    text, expected = CASES[case]
    result = cli(cat.path, "runs", "--filter", text, "--csv", "--columns", "name")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(line.split(",")[1] for line in result.stdout.splitlines()[1:]) == sorted(expected)


def test_cli_too_deep_filter_is_one_line(cat):
    result = cli(cat.path, "runs", "--filter", ALTERNATING_400)
    assert result.returncode == 1
    assert result.stderr.startswith("error: the filter nests")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("case", ["parens-400", "not-1000", "name-in-100k", "alternating-400"])
async def test_app_filter_box_takes_hostile_filters(cat, case):
    from _tui import runs_loaded, wait_for

    from workbench.tui.app import make_app
    from workbench.tui.widgets.filter_bar import FilterBar

    text, expected = CASES[case]
    app = make_app(cat.path, roots_watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await runs_loaded(pilot, 5)
        bar = app.screen.query_one(FilterBar)
        await pilot.press("f")
        bar.filter_input.value = text
        await pilot.press("enter")
        if expected is None:
            assert await wait_for(pilot, lambda: "levels deep" in bar.error_text)
            assert all(len(line) < 200 for line in bar.error_text.splitlines())
        else:
            assert await runs_loaded(pilot, len(expected))
            assert bar.error_text == ""


def test_a_filter_past_the_longest_taken_is_one_sentence(cat):
    from workbench.catalog.filters.parse import MAX_FILTER_CHARS

    text = "params.epochs in (" + ",".join(["1"] * (MAX_FILTER_CHARS // 2)) + ")"
    with pytest.raises(FilterSyntaxError) as info:
        queries.list_runs(cat, filter=text)
    message = str(info.value)
    assert "\n" not in message and len(message) < 200
    assert f"{len(text):,} characters long" in message
    just_under = text[: MAX_FILTER_CHARS - 3].rsplit(",", 1)[0] + ")"
    assert len(just_under) <= MAX_FILTER_CHARS
    assert queries.list_runs(cat, filter=just_under).height == 0  # no run has 1 epoch


@pytest.mark.parametrize(
    "text",
    [
        "x" * 100_000 + " = 1",  # an unknown field
        "metrics.acc > '" + "y" * 100_000 + "'",  # not a number
        "started_at > '" + "z" * 100_000 + "'",  # not a time
        "metrics." + "k" * 100_000 + " ~ 'a'",  # a glob on a metric
        "name = 1 " + "w" * 100_000,  # a word where 'and' or 'or' goes
        "params." + "q" * 100_000 + " 1",  # a word where an operator goes
    ],
)
def test_long_words_in_a_message_are_cut(text):
    with pytest.raises(FilterSyntaxError) as info:
        compile_filter(text)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message[:500]
    assert "…" in message
