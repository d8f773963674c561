"""The runs filter language, compiled to parameterised SQL.

`metrics.acc > 0.9 and (params.model = 'svm' or tags.stage = 'prod')` becomes a WHERE
fragment over the runs table (alias `r`) plus a dict of named parameters; user text is
never pasted into SQL. The language is documented in docs/cli.md ("Filter expressions").
`parse` has the fields, syntax tree, tokenizer and parser; `to_sql` the compiler.
"""

from __future__ import annotations

from workbench.catalog.filters.parse import (
    RUN_FIELDS,
    BoolOp,
    Compare,
    Field,
    InList,
    Missing,
    Node,
    Not,
    Value,
    parse_field_spec,
    parse_filter,
)
from workbench.catalog.filters.to_sql import (
    CompiledFilter,
    compile_filter,
    glob_to_like,
    parse_time,
)
from workbench.catalog.run_status import DURATION_SQL, STATUS_SQL, stale_before

__all__ = [
    "CompiledFilter",
    "Field",
    "Node",
    "BoolOp",
    "Compare",
    "InList",
    "Missing",
    "Not",
    "Value",
    "RUN_FIELDS",
    "STATUS_SQL",
    "stale_before",
    "DURATION_SQL",
    "compile_filter",
    "parse_filter",
    "parse_field_spec",
    "glob_to_like",
    "parse_time",
]
