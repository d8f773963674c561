"""Names and limits of the run-folder format v1, shared by the writer and the readers.

The prose specification is docs/run-format.md; keep the two in step.
"""

from __future__ import annotations

import re

FORMAT_VERSION = 1

RUN_FILE = "run.json"
PARAMS_FILE = "params.json"
TAGS_FILE = "tags.json"
METRICS_FILE = "metrics.jsonl"
NOTES_FILE = "notes.md"
REQUIREMENTS_FILE = "requirements.txt"
ARTIFACTS_DIR = "artifacts"
DATASETS_FILE = "datasets.jsonl"
MODELS_FILE = "models.jsonl"
#: Where frames passed to log_dataset are written, as Parquet, inside the run folder.
DATASETS_DIR = "datasets"

DEFAULT_ROOT_DIRNAME = "workbench-runs"
RUNS_ROOT_ENV = "WORKBENCH_RUNS"

STATUSES = ("running", "finished", "failed", "killed")
#: Shown, never written: a "running" run whose heartbeat is older than STALE_AFTER_S.
STALE_STATUS = "stale"
STALE_AFTER_S = 120.0
#: A running writer refreshes heartbeat_at at least this often.
HEARTBEAT_EVERY_S = 10.0

MAX_KEY_LENGTH = 250
MAX_LINE_BYTES = 1 << 20

#: JSON has no NaN or infinities: these strings stand for them in metric values.
NON_FINITE_STRINGS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

#: Size caps of the small files, read whole: a bigger file is reported and skipped.
MAX_RUN_FILE_BYTES = 1 << 20
MAX_PARAMS_FILE_BYTES = 16 << 20
MAX_TAGS_FILE_BYTES = 16 << 20
MAX_NOTES_FILE_BYTES = 1 << 20
#: Longer run names and projects are cut to this many characters (and the cut reported).
MAX_NAME_LENGTH = 500
#: Longer param and tag values are cut to this many characters (and the cut reported).
MAX_VALUE_LENGTH = 1 << 16
