"""The audit trail: every registry event of one model (or all), newest first, from the catalog."""

from __future__ import annotations

from workbench.catalog import registry_store as store
from workbench.catalog.contract import CatalogLike
from workbench.errors import NotFoundError
from workbench.registry.events import RegistryEvent
from workbench.registry.sync import RegistryDir, sync


def history(
    cat: CatalogLike, name: str | None = None, registry: RegistryDir = None
) -> list[RegistryEvent]:
    """Every event of model `name` (every model when None), newest first."""
    sync(cat, registry)
    with cat.connect(read_only=True) as con:
        rows = store.model_events(con, name)
    if name is not None and not rows:
        raise NotFoundError(f"no model named {name!r} is registered")
    return [RegistryEvent.from_dict(row) for row in rows]


def production_batches(
    cat: CatalogLike, name: str, version: int | None = None
) -> list[dict[str, object]]:
    """Production data logged with `log_predictions` for this model (and version)."""
    with cat.connect(read_only=True) as con:
        return store.production_batches(con, name, version)
