"""Pushing registered model versions and aliases to an MLflow server (`push mlflow --models`).

A version is pushed when its run was pushed: it becomes an MLflow model version of the same
name whose source is the pushed run (`runs:/<id>/<path>`), tagged with its workbench version
number so a later push finds it; each alias is set on the matching MLflow version.
"""

from __future__ import annotations

from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.interop.mlflow_push import VERSION_TAG, PushReport
from workbench.registry import versions as registry


def push_models(
    cat: CatalogLike, client: Any, pushed: dict[str, str], report: PushReport
) -> None:
    """Create the registered models, versions and aliases the server lacks."""
    for model in registry.list_models(cat):
        versions = [v for v in registry.list_versions(cat, model.name) if v.run_id in pushed]
        if not versions:
            continue
        try:
            client.get_registered_model(model.name)
        except Exception:  # noqa: BLE001 - MLflow raises RESOURCE_DOES_NOT_EXIST
            client.create_registered_model(model.name)
        have = {
            v.tags.get(VERSION_TAG): v.version
            for v in client.search_model_versions(f"name = '{_quoted(model.name)}'")
        }
        for version in sorted(versions, key=lambda v: v.version):
            if str(version.version) in have:
                continue
            created = client.create_model_version(
                model.name, f"runs:/{pushed[version.run_id]}/{version.path}",
                run_id=pushed[version.run_id], tags={VERSION_TAG: str(version.version)},
                description=version.description,
            )  # fmt: skip
            have[str(version.version)] = created.version
            report.versions_created += 1
        current = client.get_registered_model(model.name).aliases
        for alias, number in model.aliases.items():
            target = have.get(str(number))
            if target is not None and str(current.get(alias)) != str(target):
                client.set_registered_model_alias(model.name, alias, target)
                report.aliases_set += 1


def _quoted(name: str) -> str:
    return name.replace("'", "\\'")
