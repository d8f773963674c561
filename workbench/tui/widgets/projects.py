"""The projects list: a collapsible tree with an 'all projects' root and run counts."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree


def _label(name: str, count: int, *, root: bool = False) -> Text:
    text = Text(name, style="bold" if root else "")
    text.append(f"  {count}", style="dim")
    return text


class ProjectsTree(Tree[str | None]):
    """Projects as tree nodes; selecting one posts ProjectChosen (None = all projects)."""

    DEFAULT_CSS = """
    ProjectsTree { width: 20; height: 1fr; border-right: vkey $primary 40%; padding: 0; }
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

    def set_projects(self, projects: list[tuple[str, int]], selected: str | None) -> None:
        """Rebuild the nodes (only when the list changed) and keep the selection."""
        if projects == self.projects and self.root.children:
            return
        self.projects = list(projects)
        total = sum(n for _, n in projects)
        self.root.set_label(_label("all projects", total, root=True))
        self.root.remove_children()
        cursor_node = self.root
        for name, count in projects:
            node = self.root.add_leaf(_label(name, count), data=name)
            if name == selected:
                cursor_node = node
        self.root.expand()
        self.move_cursor(cursor_node)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        self.post_message(self.ProjectChosen(event.node.data))
