"""The lineage view: where a run, dataset version or model came from and what came from it,
as a tree walked with the arrow keys; enter re-centres the view on the highlighted node."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree
from textual.widgets.tree import TreeNode

from workbench.errors import WorkbenchError
from workbench.tui import service
from workbench.tui.messages import Loaded, WorkFailed

#: Levels drawn in each direction (a long chain is walked by re-centring with enter).
MAX_DEPTH = 6
KIND_STYLE = {"dataset": "bold cyan", "run": "bold", "model": "bold magenta"}


def node_label(node: Any, edge: str | None = None) -> Text:
    """`kind  label  (relation)`, the label shown literally."""
    text = Text(f"{node.kind} ", style=KIND_STYLE.get(node.kind, "bold"))
    text.append(node.label)
    if edge:
        text.append(f"  ({edge})", style="dim")
    return text


class LineageScreen(Screen):
    """The lineage around one node; c or enter walks to the highlighted node, b goes back."""

    HELP_TITLE = "Lineage"
    HELP_TEXT = (
        "Upstream: where it came from. Downstream: what came from it.\n"
        "Arrows move and fold; c (or enter) re-centres on the highlighted run, dataset or model."
    )
    DEFAULT_CSS = """
    LineageScreen #title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    LineageScreen Tree { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("c", "walk", "Centre here"),
        Binding("b", "previous", "Previous"),
        Binding("r", "reload", "Reload", show=False),
    ]
    COMMANDS_TABLE = [
        ("Centre lineage here", "Walk to the highlighted node (c or enter)", "walk"),
        ("Previous lineage node", "Back to the node viewed before (b)", "previous"),
    ]

    def __init__(self, catalog, ref: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.ref = ref
        self.graph: Any = None
        self.trail: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Lineage · {self.ref}"), id="title", markup=False)
        tree: Tree[str] = Tree(Text("loading…"), id="lineage")
        tree.auto_expand = False  # enter walks to the node instead of folding it
        yield tree
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load(self.ref)

    @work(thread=True, exclusive=True, group="lineage")
    def _load(self, ref: str) -> None:
        try:
            self.post_message(Loaded("lineage", service.lineage(self.catalog, ref)))
        except WorkbenchError as exc:
            self.post_message(WorkFailed("lineage", exc))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        graph = self.graph = message.value
        root_node = graph.nodes[graph.root]
        self.query_one("#title", Static).update(
            Text(f"Lineage · {root_node.kind} {root_node.label}")
        )
        tree = self.query_one(Tree)
        tree.clear()
        tree.root.set_label(node_label(root_node))
        tree.root.data = graph.root
        up = graph.upstream(graph.root)
        down = graph.downstream(graph.root)
        if up:
            branch = tree.root.add(Text("upstream (where it came from)", style="dim"), expand=True)
            self._grow(branch, graph.root, False, {graph.root}, 1)
        if down:
            branch = tree.root.add(Text("downstream (what came from it)", style="dim"), expand=True)
            self._grow(branch, graph.root, True, {graph.root}, 1)
        if not up and not down:
            tree.root.add_leaf(Text("no lineage recorded for it yet", style="dim"))
        tree.root.expand()
        tree.focus()

    def _grow(self, parent: TreeNode[str], node_id: str, down: bool, seen: set[str], depth: int) -> None:
        edges = self.graph.downstream(node_id) if down else self.graph.upstream(node_id)
        for edge in edges:
            far = edge.target if down else edge.source
            child = parent.add(node_label(self.graph.nodes[far], edge.label), data=far, expand=True)
            if far not in seen and depth < MAX_DEPTH:
                self._grow(child, far, down, seen | {far}, depth + 1)
            if not child.children:
                child.allow_expand = False

    @on(WorkFailed)
    def _failed(self, message: WorkFailed) -> None:
        self.query_one(Tree).root.set_label(Text(str(message.error)))

    @on(Tree.NodeSelected)
    def _selected(self, _event: Tree.NodeSelected[str]) -> None:
        self.action_walk()

    def action_walk(self) -> None:
        node = self.query_one(Tree).cursor_node
        if node is None or node.data is None or self.graph is None or node.data == self.graph.root:
            return
        self.trail.append(self.graph.root)
        self._load(node.data)

    def action_previous(self) -> None:
        if self.trail:
            self._load(self.trail.pop())

    def action_reload(self) -> None:
        if self.graph is not None:
            self._load(self.graph.root)

    def action_back(self) -> None:
        self.app.pop_screen()
