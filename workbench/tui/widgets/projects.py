"""The projects list: a collapsible tree with an 'all projects' root and run counts."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.message import Message
from textual.widgets import Tree

from workbench.formatting import printable

#: Cells left of a label: the root's toggle icon, or a leaf's guide (both 2 wide).
LABEL_INDENT = 2
#: The label width used before the tree has a size.
DEFAULT_LABEL_WIDTH = 17


def fit_label(name: str, count: int, width: int, *, root: bool = False) -> Text:
    """`name` and its run count in `width` cells: the name ends in '…' when too long and the
    count is right-aligned (the name is shown literally, never as markup)."""
    name = printable(name)
    count_text = str(count)
    room = max(width - cell_len(count_text) - 1, 1)
    shown = name if cell_len(name) <= room else set_cell_size(name, max(room - 1, 0)) + "…"
    text = Text(shown, style="bold" if root else "")
    text.append(" " * max(width - cell_len(shown) - cell_len(count_text), 1))
    text.append(count_text, style="dim")
    return text


class ProjectsTree(Tree[str | None]):
    """Projects as tree nodes; selecting one posts ProjectChosen (None = all projects)."""

    DEFAULT_CSS = """
    ProjectsTree {
        width: 20; height: 1fr; border-right: vkey $primary 40%; padding: 0;
        overflow-x: hidden;
    }
    """

    class ProjectChosen(Message):
        def __init__(self, project: str | None) -> None:
            super().__init__()
            self.project = project

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(Text("all projects"), data=None, id=id)
        self.show_root = True
        self.guide_depth = 2
        self.auto_expand = False
        self.root.expand()
        self.projects: list[tuple[str, int]] = []

    @property
    def label_width(self) -> int:
        """Cells available to a label (name, gap, count) at the current width."""
        width = self.scrollable_content_region.width
        return width - LABEL_INDENT if width > LABEL_INDENT + 4 else DEFAULT_LABEL_WIDTH

    def set_projects(self, projects: list[tuple[str, int]], selected: str | None) -> None:
        """Rebuild the nodes (only when the list changed) and keep the selection."""
        if projects == self.projects and self.root.children:
            return
        self.projects = list(projects)
        self.root.remove_children()
        cursor_node = self.root
        for name, _count in projects:
            node = self.root.add_leaf(Text(printable(name)), data=name)
            if name == selected:
                cursor_node = node
        self._relabel()
        self.root.expand()
        self.move_cursor(cursor_node)

    def _relabel(self) -> None:
        width = self.label_width
        counts = dict(self.projects)
        self.root.set_label(fit_label("all projects", sum(counts.values()), width, root=True))
        for node in self.root.children:
            node.set_label(fit_label(str(node.data), counts.get(node.data, 0), width))

    def on_resize(self) -> None:
        self._relabel()

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        self.post_message(self.ProjectChosen(event.node.data))
