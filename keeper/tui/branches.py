"""Which version of a conversation the reader shows, and switching versions.

:class:`~keeper.tree.ConversationTree` knows the stored visible thread and the siblings
at every branch point. The reader starts on that thread; choosing another sibling at a
branch point follows that sibling down (its own visible child, else its newest child).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keeper.model import Node
from keeper.tree import ConversationTree


@dataclass
class BranchView:
    """The tree plus the reader's choices: parent id (None for roots) -> chosen child."""

    tree: ConversationTree[Node]
    choices: dict[str | None, str] = field(default_factory=dict)

    def thread(self) -> list[Node]:
        """Root to leaf along the chosen branches (the stored thread when none are chosen)."""
        if not self.choices:
            return self.tree.thread()
        stored = self.tree.thread()
        current = self.choices.get(None) or (stored[0].node_id if stored else self._next(None))
        path: list[Node] = []
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            path.append(self.tree.nodes[current])
            current = self._next(current)
        return path

    def _next(self, node_id: str | None) -> str | None:
        kids = self.tree.children.get(node_id, [])
        if not kids:
            return None
        chosen = self.choices.get(node_id)
        if chosen in kids:
            return chosen
        on_path = [k for k in kids if self.tree.nodes[k].on_path]
        return on_path[0] if on_path else kids[-1]

    def parent_key(self, node_id: str) -> str | None:
        """The key of ``node_id``'s sibling group (its parent, or None for a root)."""
        return self.tree.parent[node_id]

    def switch(self, node_id: str, step: int) -> str | None:
        """Show the sibling ``step`` away from ``node_id`` (wrapping); its id, or None when
        ``node_id`` has no siblings."""
        key = self.parent_key(node_id)
        siblings = self.tree.children.get(key, [node_id])
        if len(siblings) < 2:
            return None
        chosen = siblings[(siblings.index(node_id) + step) % len(siblings)]
        self.choices[key] = chosen
        return chosen

    def reveal(self, node_id: str) -> None:
        """Choose the branches that lead to ``node_id`` so the thread passes through it."""
        current: str | None = node_id
        seen: set[str] = set()
        while current is not None and current in self.tree.nodes and current not in seen:
            seen.add(current)
            key = self.parent_key(current)
            self.choices[key] = current
            current = key
