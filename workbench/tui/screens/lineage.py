"""The lineage view: where a run, dataset version, model, registered model version or drift
report came from and what came from it, as a tree walked with the arrow keys; enter re-centres
the view on the highlighted node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import Worker

from workbench.errors import WorkbenchError
from workbench.formatting import printable
from workbench.tui import service
from workbench.tui.keys import refresh_binding
from workbench.tui.messages import LineageLoaded
from workbench.tui.screens.base import WorkbenchScreen, error_sentence
from workbench.tui.theme import resolve

if TYPE_CHECKING:
    from workbench.tui.service import Catalog

#: Levels drawn in each direction (a long chain is walked by re-centring with enter).
MAX_DEPTH = 6
#: Style of each kind of node's name, with theme variables (`theme.resolve`).
KIND_STYLE = {"dataset": "bold $text-accent", "run": "bold", "model": "bold $text-secondary",
              "version": "bold $text-success", "drift": "bold $text-warning"}


def node_label(node: Any, edge: str | None = None, kind_style: str | None = None) -> Text:
    """`kind  label  (relation)`, the label shown literally; `kind_style` colours the kind."""
    text = Text(f"{node.kind} ", style=kind_style or "bold")
    text.append(printable(node.label))
    if edge:
        text.append(f"  ({printable(edge)})", style="dim")
    return text


class LineageScreen(WorkbenchScreen):
    """The lineage around one node; c or enter walks to the highlighted node, b goes back."""

    CSS_PATH = "lineage.tcss"
    HELP_TITLE = "Lineage"
    HELP_TEXT = (
        "Upstream: where it came from. Downstream: what came from it.\n"
        "Arrows move and fold; enter also re-centres on the highlighted node.\n"
        "Nodes: dataset versions, runs, logged models, registered model versions\n"
        "(version), production batches (datasets a version made) and drift reports."
    )
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the screen before"),
        Binding("c", "walk", "Centre here", tooltip="Walk to the highlighted node"),
        Binding("b", "previous", "Previous", tooltip="Back to the node viewed before"),
        refresh_binding("Read the lineage from the catalog again"),
    ]

    def __init__(self, catalog: Catalog, ref: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.ref = ref
        self.graph: Any = None
        self.trail: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(printable(f"Lineage · {self.ref}")), id="title", classes="title-bar", markup=False)
        tree: Tree[str] = Tree(Text("loading…"), id="lineage")
        tree.auto_expand = False  # enter walks to the node instead of folding it
        yield tree
        yield Footer()

    def on_mount(self) -> None:
        self._load(self.ref)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Previous is offered (in the footer too) only once there is a node to go back to."""
        return bool(self.trail) if action == "previous" else True

    @work(thread=True, exclusive=True, group="lineage", exit_on_error=False,
          name="load the lineage")
    def _load(self, ref: str) -> None:
        self.post_message(LineageLoaded(service.lineage(self.catalog, ref)))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """The error takes the tree's root label."""
        self.query_one(Tree).root.set_label(Text(error_sentence(error)))
        return isinstance(error, WorkbenchError)

    def _label(self, node: Any, edge: str | None = None) -> Text:
        return node_label(node, edge, resolve(self, KIND_STYLE.get(node.kind, "bold")))

    @on(LineageLoaded)
    def _loaded(self, message: LineageLoaded) -> None:
        graph = self.graph = message.graph
        root_node = graph.nodes[graph.root]
        self.query_one("#title", Static).update(
            Text(printable(f"Lineage · {root_node.kind} {root_node.label}"))
        )
        tree = self.query_one(Tree)
        tree.clear()
        tree.root.set_label(self._label(root_node))
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
            child = parent.add(self._label(self.graph.nodes[far], edge.label), data=far, expand=True)
            if far not in seen and depth < MAX_DEPTH:
                self._grow(child, far, down, seen | {far}, depth + 1)
            if not child.children:
                child.allow_expand = False

    @on(Tree.NodeSelected)
    def _selected(self, _event: Tree.NodeSelected[str]) -> None:
        self.action_walk()

    def action_walk(self) -> None:
        node = self.query_one(Tree).cursor_node
        if node is None or node.data is None or self.graph is None or node.data == self.graph.root:
            return
        self.trail.append(self.graph.root)
        self.refresh_bindings()
        self._load(node.data)

    def action_previous(self) -> None:
        if self.trail:
            self._load(self.trail.pop())
            self.refresh_bindings()

    def action_reload(self) -> None:
        if self.graph is not None:
            self._load(self.graph.root)

    def action_back(self) -> None:
        self.app.pop_screen()
