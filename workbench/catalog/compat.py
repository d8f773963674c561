"""The one place where workbench bridges DuckDB API differences (1.4 LTS, 1.5 and 2.x).

Code elsewhere calls these functions instead of testing DuckDB versions itself.
"""

from __future__ import annotations

from typing import Any


def finish_pending(con: Any) -> None:
    """Finish any half-read `execute()` result on `con` so the next query can run.

    DuckDB 2.x refuses new work on a connection whose last `execute()` result was not read
    to its end, and offers `complete()` to finish it. DuckDB 1.x has no `complete()`: a
    new query there simply discards the unread result, so there is nothing to do.
    """
    complete = getattr(con, "complete", None)
    if complete is not None:
        complete()


def arrow_reader(relation: Any, batch_size: int) -> Any:
    """A pyarrow RecordBatchReader streaming a relation's rows in batches.

    DuckDB 1.5 and 2.x name it `to_arrow_reader`; 1.4 has only `fetch_record_batch`.
    """
    method = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
    return method(batch_size)
