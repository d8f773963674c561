"""Test helper: a catalog whose one run carries terminal escape sequences in every field a
person sees (name, params, tags, metric keys, notes, artifacts, datasets, models, an ingest
error), and the check that a text holds no byte a terminal would act on.

Keys with control characters may be refused by ingest one day; the tests that need a field
to be shown read it from a value or a name, which the run format keeps as written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from _runfolders import build_catalog, write_run

#: Writes the clipboard (OSC 52), retitles the window (OSC 0), clears the screen (CSI 2J),
#: the same clear through the one-byte C1 CSI (U+009B), and a bell.
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
OSC0 = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
C1_CLEAR = "\x9b2J"
EVIL = f"{OSC52}{OSC0}{CLEAR}{C1_CLEAR}\x07"

RUN_ID = "e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0"
OTHER_ID = "0123456789abcdef0123456789abcdef"
PROJECT = f"proj{EVIL}"
RUN_NAME = f"name{EVIL}"
DATASET = f"data{EVIL}"
MODEL = f"model{EVIL}"
METRIC = f"loss{EVIL}"
PARAM = f"lr{EVIL}"
TAG = f"stage{EVIL}"

#: Code points no terminal output of ours may carry raw: C0 (but newline; tab is fine too),
#: DEL and C1.
FORBIDDEN = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {chr(0x7F)} | {
    chr(c) for c in range(0x80, 0xA0)
}


def raw_controls(text: str) -> list[str]:
    """The forbidden characters found in `text` (empty when safe), with a little context."""
    found = []
    for i, char in enumerate(text):
        if char in FORBIDDEN:
            found.append(repr(text[max(0, i - 20) : i + 5]))
    return found


def write_escape_runs(root: Path) -> None:
    """Two runs of the project: the escape-laden one and a plain one to compare it with."""
    folder = write_run(
        root,
        RUN_ID,
        project=PROJECT,
        name=RUN_NAME,
        start=1767225600.0,
        params={PARAM: f"v{EVIL}", "plain": f"p{EVIL}", "seed": 18446744073709551615},
        tags={TAG: f"t{EVIL}", "plain": f"t{EVIL}"},
        metrics={METRIC: [1.0, 0.5], "acc": [0.1, 0.2]},
        notes=f"# notes {EVIL}\nsecond line {EVIL}\n",
        artifacts={f"art{EVIL}.txt": f"preview {EVIL}\n".encode(), "plain.txt": f"x{EVIL}".encode()},
        extra_lines=[f'{{"key": "bad{EVIL}", "value": "v{EVIL}", "step": 0, "timestamp": 1}}'],
    )
    data = folder / "data.csv"
    data.write_text(f"col{EVIL},b\n1,x{EVIL}\n2,y\n")
    model = folder / "artifacts" / "model" / "m.bin"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_bytes(b"weights")
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    dataset_line = {"name": DATASET, "path": str(data), "role": "train", "rows": 2,
                    "sha256": digest, "size": data.stat().st_size,
                    "columns": [f"col{EVIL}", "b"], "format": "csv", "timestamp": 1767225601.0}
    model_line = {"name": MODEL, "path": "artifacts/model/m.bin", "flavor": f"f{EVIL}",
                  "metadata": {f"k{EVIL}": f"v{EVIL}"}, "timestamp": 1767225602.0}
    (folder / "datasets.jsonl").write_text(json.dumps(dataset_line) + "\n")
    (folder / "models.jsonl").write_text(json.dumps(model_line) + "\n")
    write_run(root, OTHER_ID, project=PROJECT, name="plain", start=1767225700.0,
              params={PARAM: "w", "seed": 1}, metrics={METRIC: [0.9], "acc": [0.3]})  # fmt: skip


def reference_csv(tmp_path: Path) -> Path:
    """A data file to check drift of the run's data.csv against (escapes in a column name and
    in a category only the other file has)."""
    path = tmp_path / f"ref{EVIL}.csv"
    path.write_text(f"col{EVIL},b\n" + "".join(f"{i},z{EVIL}\n" for i in range(40)))
    return path


def escape_catalog(tmp_path: Path) -> tuple[Path, Path]:
    """(catalog file, runs root) holding the two runs, ingested."""
    return build_catalog(tmp_path, write_escape_runs)
