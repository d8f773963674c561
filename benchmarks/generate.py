"""Generate run folders (format v1) for benchmarks and tests, fast: files are written directly.

    python benchmarks/generate.py medium /tmp/runs-medium
Workloads: small (200 runs x 20 params x 5 metrics x 100 steps), medium (2,000 runs, 1M points),
long (20 runs x 10 params x 5 metrics x 20,000 steps).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workload:
    """Shape of a generated set of runs."""

    runs: int
    params: int
    metrics: int
    steps: int
    projects: int = 4

    @property
    def points(self) -> int:
        return self.runs * self.metrics * self.steps


WORKLOADS = {
    "tiny": Workload(runs=10, params=5, metrics=3, steps=20, projects=2),
    "small": Workload(runs=200, params=20, metrics=5, steps=100),
    "medium": Workload(runs=2000, params=20, metrics=5, steps=100),
    "long": Workload(runs=20, params=10, metrics=5, steps=20000, projects=2),
}


def iso(ts: float) -> str:
    """ISO 8601 UTC with microseconds and a Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def run_json(run_id: str, project: str, name: str, status: str, started: float, **extra) -> dict:
    """A minimal-but-complete run.json object."""
    obj = {
        "format_version": 1,
        "id": run_id,
        "project": project,
        "name": name,
        "status": status,
        "started_at": iso(started),
        "ended_at": iso(started + 60) if status != "running" else None,
        "heartbeat_at": iso(started + 60),
        "host": "bench-host",
        "user": "bench",
        "pid": 1000,
        "python": "3.11.7",
        "command": ["train.py"],
        "git": {"commit": "0" * 40, "branch": "main", "dirty": False},
    }
    obj.update(extra)
    return obj


def write_json_atomic(path: Path, obj) -> None:
    """Write JSON via a temp file and rename, like a real writer."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj))
    os.replace(tmp, path)


def metric_lines(n_metrics: int, steps: range, t0: float, rng: random.Random) -> str:
    """metrics.jsonl text for `steps` of `n_metrics` metrics (one line per point)."""
    keys = [f"metric_{m}" for m in range(n_metrics)]
    parts = []
    for step in steps:
        ts = t0 + step * 0.01
        for key in keys:
            parts.append(
                f'{{"key":"{key}","value":{rng.random()!r},"step":{step},"timestamp":{ts:.3f}}}\n'
            )
    return "".join(parts)


def write_run(
    root: Path,
    index: int,
    workload: Workload,
    rng: random.Random,
    status: str = "finished",
) -> Path:
    """Write one complete run folder; returns its path."""
    project = f"proj{index % workload.projects}"
    run_id = f"run{index:06d}"
    folder = root / project / run_id
    folder.mkdir(parents=True, exist_ok=True)
    started = 1763900000.0 + index * 100
    write_json_atomic(
        folder / "run.json", run_json(run_id, project, f"run-{index}", status, started)
    )
    params = {
        f"p{j}": (rng.random() if j % 3 == 0 else (j * index if j % 3 == 1 else f"v{j}"))
        for j in range(workload.params)
    }
    (folder / "params.json").write_text(json.dumps(params))
    (folder / "tags.json").write_text(json.dumps({"kind": "bench", "seed": str(index)}))
    (folder / "metrics.jsonl").write_text(
        metric_lines(workload.metrics, range(workload.steps), started, rng)
    )
    return folder


def generate(
    name_or_workload: str | Workload, root: str | os.PathLike[str], seed: int = 0
) -> Workload:
    """Write a whole workload under `root`; returns its shape."""
    workload = (
        WORKLOADS[name_or_workload] if isinstance(name_or_workload, str) else name_or_workload
    )
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for index in range(workload.runs):
        write_run(root, index, workload, rng)
    return workload


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("root")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    workload = generate(args.workload, args.root, args.seed)
    print(
        f"wrote {workload.runs} runs, {workload.points:,} points under {args.root} "
        f"in {time.perf_counter() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()
