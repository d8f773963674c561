"""Bad metrics lines are reported with file and line, skipped, and never stop the good rows."""

from __future__ import annotations

import pytest
from _runfolders import append_raw, point_line, rows, write_run

from workbench.catalog.connection import Catalog
from workbench.ingest import ingest_paths, ingest_roots

GOOD = point_line("loss", 1.0, 0)
GOOD2 = point_line("loss", 2.0, 2)

BAD_LINES = {
    "corrupt_json": (b'{"key":"loss","value":1.0,"st\n', "corrupt JSON"),
    "not_object": (b"[1, 2, 3]\n", "not a JSON object"),
    "string_value": (b'{"key":"loss","value":"high","step":1,"timestamp":1}\n', "value must be"),
    "numeric_string_value": (
        b'{"key":"loss","value":"1.5","step":1,"timestamp":1}\n',
        "value must be",
    ),
    "bad_nan_spelling": (b'{"key":"loss","value":"nan","step":1,"timestamp":1}\n', "value must be"),
    "bool_value": (b'{"key":"loss","value":true,"step":1,"timestamp":1}\n', "value must be"),
    "null_value": (b'{"key":"loss","value":null,"step":1,"timestamp":1}\n', "value must be"),
    "negative_step": (b'{"key":"loss","value":1,"step":-1,"timestamp":1}\n', "step must be >= 0"),
    "float_step": (
        b'{"key":"loss","value":1,"step":1.5,"timestamp":1}\n',
        "step must be an integer",
    ),
    "missing_timestamp": (b'{"key":"loss","value":1,"step":1}\n', "timestamp"),
    "key_too_long": (
        ('{"key":"' + "k" * 251 + '","value":1,"step":1,"timestamp":1}\n').encode(),
        "longer than 250",
    ),
    "empty_key": (b'{"key":"","value":1,"step":1,"timestamp":1}\n', "key must be"),
    "invalid_utf8": (b'{"key":"lo\xff\xfess","value":1,"step":1,"timestamp":1}\n', "UTF-8"),
    "ten_mb_line": (
        b'{"key":"loss","value":1,"step":1,"timestamp":1,"junk":"' + b"x" * (10 << 20) + b'"}\n',
        "longer than",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_line_is_reported_and_good_lines_land(tmp_path, runs_root, case):
    bad, message = BAD_LINES[case]
    folder = write_run(runs_root, "r1")
    write_run(runs_root, "r2", points=[("acc", 0.5, 0)])  # another file in the same batch
    append_raw(folder, GOOD.encode() + bad + GOOD2.encode())
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert report.points == 3
    assert report.errors == 1
    path, line, text = report.error_list[0]
    assert path == str(folder / "metrics.jsonl") and line == 2
    assert message in text
    stored = rows(cat, "SELECT path, line, message, run_key IS NOT NULL FROM ingest_errors")
    assert stored == [(path, 2, text, True)]
    assert rows(cat, "SELECT step, value FROM metric_history WHERE run_id='r1' ORDER BY step") == [
        (0, 1.0),
        (2, 2.0),
    ]
    assert rows(cat, "SELECT count FROM latest_metrics WHERE run_id='r1'") == [(2,)]
    # the bad line is not reported again, and later lines keep their numbers
    append_raw(folder, bad)
    report = ingest_roots(cat)
    assert report.errors == 1 and report.error_list[0][1] == 4


def test_blank_lines_and_crlf_are_fine(tmp_path, runs_root):
    folder = write_run(runs_root, "r1")
    append_raw(folder, b"\n" + GOOD.encode() + b"   \n" + GOOD2.encode().replace(b"\n", b"\r\n"))
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert (report.points, report.errors) == (2, 0)


def test_bad_line_in_a_big_file_keeps_everything_else(tmp_path, runs_root):
    folder = write_run(runs_root, "r1")
    lines = [point_line("loss", float(i), i).encode() for i in range(10000)]
    lines[7777] = b'{"key":"loss","value":oops}\n'
    append_raw(folder, b"".join(lines))
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert report.points == 9999
    assert [e[1] for e in report.error_list] == [7778]
    assert rows(cat, "SELECT sum(value) FROM metric_points") == [(sum(range(10000)) - 7777.0,)]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "not valid JSON"),
        (
            b'{"format_version":1,"id":"bad id!","project":"p","name":"n","status":"running"}',
            "id must be",
        ),
        (
            b'{"format_version":1,"id":"ok","project":"p","name":"n","status":"weird"}',
            "status must be",
        ),
        (
            b'{"format_version":9,"id":"ok","project":"p","name":"n","status":"running"}',
            "run format 9",
        ),
        (b'{"format_version":1,"id":"ok","status":"running","started_at":"yesterday"}', "ISO 8601"),
    ],
)
def test_bad_run_json_is_reported_and_other_runs_land(tmp_path, runs_root, content, message):
    folder = runs_root / "p" / "broken"
    folder.mkdir(parents=True)
    (folder / "run.json").write_bytes(content)
    append_raw(folder, GOOD.encode())
    write_run(runs_root, "fine", points=[("loss", 1.0, 0)])
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert report.runs_new == 1 and report.points == 1 and report.errors == 1
    assert message in report.error_list[0][2]
    assert rows(cat, "SELECT run_id FROM runs") == [("fine",)]
    assert ingest_roots(cat).errors == 0  # not repeated while unchanged


def test_bad_params_json_is_reported(tmp_path, runs_root):
    folder = write_run(runs_root, "r1", points=[("loss", 1.0, 0)])
    (folder / "params.json").write_text("[1,2]")
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [runs_root])
    assert report.errors == 1 and "JSON object" in report.error_list[0][2]
    assert report.points == 1
