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


def versions_trained_on(
    cat: CatalogLike, sha256: str, registry: RegistryDir = None
) -> list[dict[str, object]]:
    """Registered versions whose run used the dataset with this fingerprint, with its role:
    the registry's side of the lineage graph (dataset version -> model versions)."""
    sync(cat, registry)
    with cat.connect(read_only=True) as con:
        return store.versions_by_fingerprint(con, sha256)
