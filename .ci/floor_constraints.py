"""Print a pip constraints file pinning every direct dependency to its declared lower bound.

Reads `pyproject.toml`'s `[project].dependencies` and the optional-dependency groups named
on the command line (default: `test`). Each requirement must carry a `>=` lower bound (or an
`==` pin); one without is an error, so an unbounded dependency cannot slip in untested.
CI installs the package with `pip install -c <this output>` on the oldest supported Python.

Usage: python3 .ci/floor_constraints.py [pyproject.toml] [group ...] > floor.txt
(needs Python 3.11+ for tomllib; CI runs it with the main interpreter).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

# name[extras] then the version specifiers, up to an environment marker.
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)")


def floor_pin(requirement: str) -> str:
    """`name==X` for a requirement `name>=X[,<Y]` (or `name==X`); ValueError without a floor."""
    match = _REQUIREMENT.match(requirement)
    if not match:
        raise ValueError(f"cannot read requirement {requirement!r}")
    name, specifiers = match.group(1), match.group(3)
    for spec in specifiers.split(","):
        spec = spec.strip()
        if spec.startswith(">=") or spec.startswith("=="):
            return f"{name}=={spec[2:].strip()}"
    raise ValueError(f"requirement {requirement!r} has no lower bound (>=) to test")


def floor_constraints(pyproject: Path, groups: list[str]) -> list[str]:
    """The pins for the project's dependencies plus the named optional groups."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for group in groups:
        requirements.extend(optional[group])
    return [floor_pin(requirement) for requirement in requirements]


def main(argv: list[str]) -> int:
    pyproject = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "pyproject.toml"
    groups = argv[1:] or ["test"]
    try:
        pins = floor_constraints(pyproject, groups)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(pins))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
