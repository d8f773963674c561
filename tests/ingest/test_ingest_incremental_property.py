"""Property: ingesting a file in arbitrary pieces (partial lines, bad lines) equals one ingest."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _runfolders import point_line, rows, write_run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths, ingest_roots

LINE = st.one_of(
    st.builds(
        point_line,
        st.sampled_from(["loss", "acc", "a/b"]),
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, width=32),
            st.sampled_from(["NaN", "Infinity"]),
        ),
        st.integers(0, 10**6),
    ),
    st.sampled_from(["{bad json\n", '{"key":"x","value":1,"step":-1,"timestamp":1}\n', "\n"]),
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(LINE, min_size=1, max_size=40), cuts=st.lists(st.integers(0, 4000), max_size=6)
)
def test_pieces_equal_whole(lines, cuts):
    data = "".join(lines).encode()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # incremental: append the file in pieces, ingesting after each
        folder = write_run(tmp / "a", "r1")
        cat = Catalog(tmp / "a.duckdb")
        ingest_paths(cat, [tmp / "a"])
        bounds = sorted({min(c, len(data)) for c in cuts} | {len(data)})
        start = 0
        for end in bounds:
            with open(folder / "metrics.jsonl", "ab") as fh:
                fh.write(data[start:end])
            ingest_roots(cat)
            start = end
        # whole: one ingest of the final file
        other = write_run(tmp / "b", "r1")
        (other / "metrics.jsonl").write_bytes(data)
        whole = Catalog(tmp / "b.duckdb")
        ingest_paths(whole, [tmp / "b"])
        query = "SELECT key, step, ts, value::VARCHAR FROM metric_points ORDER BY ALL"
        assert rows(cat, query) == rows(whole, query)
        errors = "SELECT line, message FROM ingest_errors ORDER BY line"
        assert rows(cat, errors) == rows(whole, errors)
        summary = (
            "SELECT key, count, last_step, min_value, max_value FROM metric_summary ORDER BY key"
        )
        assert rows(cat, summary) == rows(whole, summary)
        expected_lines = sum(1 for line in lines if line.strip()) - len(rows(whole, errors))
        assert rows(cat, "SELECT count(*) FROM metric_points")[0][0] == expected_lines
