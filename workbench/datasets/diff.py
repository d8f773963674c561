"""`dataset diff`: what changed between two versions: columns added, removed, retyped, rows,
and per-column changes of the profile (null rate, mean, distinct count)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.datasets.profile import DatasetProfile
from workbench.datasets.profiles import cached_profile, profile_version
from workbench.datasets.versions import Column, DatasetVersion, get_version
from workbench.errors import DataFileError


@dataclass(frozen=True)
class ColumnChange:
    """One column present in both versions, with its profile statistics on each side."""

    name: str
    type_a: str | None
    type_b: str | None
    null_rate_a: float | None
    null_rate_b: float | None
    mean_a: float | None
    mean_b: float | None
    distinct_a: int | None
    distinct_b: int | None


@dataclass
class DatasetDiff:
    """The difference between versions `a` and `b` of datasets (usually of one name)."""

    a: str
    b: str
    rows_a: int | None
    rows_b: int | None
    added: list[Column] = field(default_factory=list)
    removed: list[Column] = field(default_factory=list)
    retyped: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    columns: list[ColumnChange] = field(default_factory=list)
    profiled: bool = True
    note: str | None = None

    @property
    def rows_change(self) -> int | None:
        """Rows of b minus rows of a (None if either is unknown)."""
        if self.rows_a is None or self.rows_b is None:
            return None
        return self.rows_b - self.rows_a

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        out["rows_change"] = self.rows_change
        out["retyped"] = [{"name": n, "type_a": a, "type_b": b} for n, a, b in self.retyped]
        return out


_TYPE_NAMES = {
    "large_string": "string", "string_view": "string", "utf8": "string", "large_utf8": "string",
    "str": "string", "double": "float64", "float": "float32", "halffloat": "float16",
    "boolean": "bool", "date32[day]": "date", "date64[ms]": "date", "null": "null",
}  # fmt: skip


def canonical_type(name: str | None) -> str | None:
    """A type name in one vocabulary whether it came from Arrow (`large_string`, `double`)
    or polars (`String`, `Float64`), so the two compare."""
    if name is None:
        return None
    lowered = name.lower()
    if lowered.startswith(("timestamp", "datetime")):
        return "datetime"
    return _TYPE_NAMES.get(lowered, lowered)


def _schema(
    version: DatasetVersion, profile: DatasetProfile | None, both_profiled: bool
) -> list[Column]:
    """The version's schema in canonical type names: the profile's types when both sides
    have a profile (or the format gives none), else the file metadata's."""
    if profile is not None and (
        both_profiled or not version.schema or not any(c.type for c in version.schema)
    ):
        return [Column(c.name, canonical_type(c.dtype)) for c in profile.columns]
    return [Column(c.name, canonical_type(c.type)) for c in version.schema]


def _profile(cat: CatalogLike, version: DatasetVersion, compute: bool) -> DatasetProfile | None:
    found = cached_profile(cat, version.fingerprint)
    if found is not None or not compute:
        return found
    try:
        return profile_version(cat, version.ref)[1]
    except DataFileError:
        return None


def diff_versions(cat: CatalogLike, ref_a: str, ref_b: str, compute: bool = True) -> DatasetDiff:
    """Compare two versions (`NAME@A`, `NAME@B`); profiles are computed if not cached and
    `compute` is true (a version whose file is gone is compared by schema and rows only)."""
    a, b = get_version(cat, ref_a), get_version(cat, ref_b)
    pa_, pb = _profile(cat, a, compute), _profile(cat, b, compute)
    both = pa_ is not None and pb is not None
    schema_a, schema_b = _schema(a, pa_, both), _schema(b, pb, both)
    types_a = {c.name: c.type for c in schema_a}
    types_b = {c.name: c.type for c in schema_b}
    diff = DatasetDiff(a.ref, b.ref, a.rows, b.rows)
    diff.added = [c for c in schema_b if c.name not in types_a]
    diff.removed = [c for c in schema_a if c.name not in types_b]
    diff.retyped = [
        (c.name, types_a[c.name], c.type)
        for c in schema_b
        if c.name in types_a and types_a[c.name] and c.type and types_a[c.name] != c.type
    ]
    diff.profiled = both
    if not diff.profiled:
        missing = [v.ref for v, p in ((a, pa_), (b, pb)) if p is None]
        diff.note = f"no profile of {' and '.join(missing)} (its file is gone or unreadable)"
    for column in schema_b:
        if column.name not in types_a:
            continue
        ca = pa_.column(column.name) if pa_ is not None else None
        cb = pb.column(column.name) if pb is not None else None
        diff.columns.append(
            ColumnChange(
                column.name, types_a[column.name], column.type,
                ca.null_rate if ca else None, cb.null_rate if cb else None,
                ca.mean if ca else None, cb.mean if cb else None,
                ca.distinct_count if ca else None, cb.distinct_count if cb else None,
            )  # fmt: skip
        )
    return diff
