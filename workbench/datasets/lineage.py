"""Lineage: the graph data -> runs -> models, walked up (where it came from) and down (what
came from it) from any node.

Nodes are named `kind:key`: `run:<run id>`, `dataset:<name>@<version>`,
`model:<run id>/<name>`. The edges come from EDGE_SOURCES, functions of an open catalog
connection; another domain (registry versions, drift reports) adds its kind of node by
appending one function with `add_edge_source`, and says how a user names such a node with
`add_node_resolver`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from workbench.catalog import lineage_store
from workbench.catalog.contract import CatalogLike
from workbench.errors import NotFoundError

#: A function of an open connection returning (up kind, up key, up label, down kind,
#: down key, down label, edge label) rows.
EdgeSource = Callable[[Any], Iterable[tuple[str, str, str, str, str, str, str]]]
EDGE_SOURCES: list[EdgeSource] = [lineage_store.dataset_run_edges, lineage_store.run_model_edges]
KINDS = ("run", "dataset", "model")
DIRECTIONS = ("both", "up", "down")

#: A function of an open connection and the text a user typed, returning the node id it
#: names, None when it names nothing of this kind, or raising NotFoundError with a sentence
#: when it names this kind of thing wrongly (a version that does not exist).
NodeResolver = Callable[[Any, str], "str | None"]
#: kind -> resolver of `kind:KEY` references.
NODE_RESOLVERS: dict[str, NodeResolver] = {}
#: Resolvers tried, in order, for a reference without a kind that no run, dataset or logged
#: model answers to.
BARE_RESOLVERS: list[NodeResolver] = []


def add_edge_source(source: EdgeSource) -> None:
    """Register the edges of another kind of node (the registry and drift reports do)."""
    if source not in EDGE_SOURCES:
        EDGE_SOURCES.append(source)


def add_node_resolver(kind: str, resolver: NodeResolver, *, bare: bool = False) -> None:
    """Say how `kind:KEY` names a node of another kind; with `bare`, the resolver is also
    tried for references written without a kind."""
    NODE_RESOLVERS[kind] = resolver
    if bare and resolver not in BARE_RESOLVERS:
        BARE_RESOLVERS.append(resolver)


@dataclass(frozen=True)
class Node:
    """One node: its id (`kind:key`), kind, key and a label for people."""

    id: str
    kind: str
    key: str
    label: str


@dataclass(frozen=True)
class Edge:
    """An edge from an upstream node to a downstream one (e.g. dataset -> run), labelled
    with the relation (the dataset's role, 'logged', ...)."""

    source: str
    target: str
    label: str


@dataclass
class Lineage:
    """The part of the graph reachable from `root` upwards and/or downwards."""

    root: str
    direction: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def upstream(self, node_id: str) -> list[Edge]:
        """Edges into `node_id` (what it came from)."""
        return [e for e in self.edges if e.target == node_id]

    def downstream(self, node_id: str) -> list[Edge]:
        """Edges out of `node_id` (what came from it)."""
        return [e for e in self.edges if e.source == node_id]

    def to_dict(self) -> dict[str, Any]:
        """{"root", "direction", "nodes": [...], "edges": [...]}: JSON-ready."""
        return {
            "root": self.root,
            "direction": self.direction,
            "nodes": [vars(n) for n in self.nodes.values()],
            "edges": [vars(e) for e in self.edges],
        }


def _graph(con: Any) -> tuple[dict[str, Node], list[Edge]]:
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    for source in EDGE_SOURCES:
        for up_kind, up_key, up_label, down_kind, down_key, down_label, label in source(con):
            up = Node(f"{up_kind}:{up_key}", up_kind, up_key, up_label)
            down = Node(f"{down_kind}:{down_key}", down_kind, down_key, down_label)
            nodes.setdefault(up.id, up)
            nodes.setdefault(down.id, down)
            edges.append(Edge(up.id, down.id, label))
    return nodes, edges


def _walk(root: str, edges: list[Edge], downwards: bool) -> list[Edge]:
    seen = {root}
    frontier = [root]
    kept: list[Edge] = []
    while frontier:
        here = set(frontier)
        frontier = []
        for edge in edges:
            near, far = (edge.source, edge.target) if downwards else (edge.target, edge.source)
            if near in here:
                kept.append(edge)
                if far not in seen:
                    seen.add(far)
                    frontier.append(far)
    return kept


def _resolve(con: Any, text: str, nodes: dict[str, Node]) -> str:
    """The node id a user's reference names: `kind:key`, `NAME@VERSION`, a run, a dataset
    name (its latest version), a model name (the most recently logged), or what another
    kind's resolver answers to."""
    text = text.strip()
    kind, sep, key = text.partition(":")
    if sep and kind in NODE_RESOLVERS:
        found = NODE_RESOLVERS[kind](con, key.strip())
        if found is None:
            raise NotFoundError(f"nothing in the lineage is called {text!r}")
        return found
    if sep and kind in {n.kind for n in nodes.values()} | set(KINDS):
        return _kind_node(con, kind, key)
    try:
        return _builtin_node(con, text)
    except NotFoundError as error:
        for resolve in BARE_RESOLVERS:
            found = resolve(con, text)
            if found is not None:
                return found
        if "@" in text and not _dataset_named(con, text):
            raise NotFoundError(
                f"nothing in the lineage is called {text!r}: no dataset or model of that name"
            ) from error
        raise


def _kind_node(con: Any, kind: str, key: str) -> str:
    from workbench.catalog.queries import resolve_ref
    from workbench.datasets.refs import parse_ref

    if kind == "run":
        return f"run:{resolve_ref(con, key).id}"
    if kind == "dataset":
        return _dataset_node(con, parse_ref(key))
    return f"{kind}:{key}"


def _dataset_named(con: Any, text: str) -> bool:
    from workbench.catalog import datasets_store

    return bool(datasets_store.versions(con, text.rpartition("@")[0]))


def _builtin_node(con: Any, text: str) -> str:
    from workbench.catalog import datasets_store
    from workbench.catalog.queries import resolve_ref
    from workbench.datasets.refs import parse_ref

    if "@" in text:
        return _dataset_node(con, parse_ref(text))
    try:
        return f"run:{resolve_ref(con, text).id}"
    except NotFoundError as run_error:
        if datasets_store.versions(con, text):
            return _dataset_node(con, parse_ref(text))
        models = lineage_store.models_named(con, text)
        if models:
            return f"model:{models[0]}"
        raise NotFoundError(
            f"nothing in the lineage is called {text!r}: no run, dataset or model of that name"
        ) from run_error


def _dataset_node(con: Any, ref: Any) -> str:
    from workbench.catalog import datasets_store

    versions = datasets_store.versions(con, ref.name)
    if not versions:
        raise NotFoundError(f"no dataset is named {ref.name!r}")
    wanted = ref.version or int(versions[-1]["version"])
    if wanted not in {int(v["version"]) for v in versions}:
        raise NotFoundError(f"dataset {ref.name!r} has no version {wanted}")
    return f"dataset:{ref.name}@{wanted}"


def lineage(cat: CatalogLike, ref: str, direction: str = "both") -> Lineage:
    """The lineage of a run, dataset version or model: upstream, downstream or both."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    with cat.connect(read_only=True) as con:
        nodes, edges = _graph(con)
        root = _resolve(con, ref, nodes)
    result = Lineage(root, direction)
    kept: list[Edge] = []
    if direction in ("both", "up"):
        kept += _walk(root, edges, downwards=False)
    if direction in ("both", "down"):
        kept += _walk(root, edges, downwards=True)
    result.edges = list(dict.fromkeys(kept))
    ids = {root} | {e.source for e in result.edges} | {e.target for e in result.edges}
    if root not in nodes:
        kind, _, key = root.partition(":")
        nodes[root] = Node(root, kind, key, key)
    result.nodes = {i: nodes[i] for i in sorted(ids, key=lambda i: (i != root, i))}
    return result
