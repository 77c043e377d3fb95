"""Walk a stored conversation: the visible thread, siblings at branch points, subtrees."""

from __future__ import annotations

from dataclasses import dataclass

from keeper.model import NodeKind
from keeper.store.reader import NodeRow


@dataclass(slots=True)
class ConversationTree:
    """Stored nodes of one conversation with parent and ordered-children links."""

    nodes: dict[str, NodeRow]
    children: dict[str | None, list[str]]

    @classmethod
    def build(cls, rows: list[NodeRow]) -> ConversationTree:
        """Index ``rows`` (every node of one conversation)."""
        nodes = {row.node_id: row for row in rows}
        children: dict[str | None, list[str]] = {}
        for row in rows:
            parent = row.parent_id if row.parent_id in nodes else None
            children.setdefault(parent, []).append(row.node_id)
        for kids in children.values():
            kids.sort(key=lambda k: (_time(nodes[k]), nodes[k].position))
        return cls(nodes, children)

    def thread(self) -> list[NodeRow]:
        """The visible thread, root to leaf."""
        on_path = [row for row in self.nodes.values() if row.on_path]
        if not on_path:
            return []
        current = next(
            (
                r
                for r in on_path
                if r.parent_id is None
                or r.parent_id not in self.nodes
                or not self.nodes[r.parent_id].on_path
            ),
            on_path[0],
        )
        path = [current]
        seen = {current.node_id}
        while True:
            nxt = [k for k in self.children.get(current.node_id, ()) if self.nodes[k].on_path]
            if not nxt or nxt[0] in seen:
                return path
            current = self.nodes[nxt[0]]
            seen.add(current.node_id)
            path.append(current)

    def branch(self, node_id: str) -> tuple[int, int]:
        """(1-based index, count) of ``node_id`` among its siblings."""
        parent = self.nodes[node_id].parent_id
        siblings = self.children.get(parent if parent in self.nodes else None, [node_id])
        return siblings.index(node_id) + 1, len(siblings)

    def off_path_roots(self) -> list[str]:
        """Nodes off the visible thread whose parent is on it: where other branches start."""
        return [
            row.node_id
            for row in sorted(self.nodes.values(), key=lambda r: (_time(r), r.position))
            if not row.on_path
            and (
                row.parent_id is None
                or row.parent_id not in self.nodes
                or self.nodes[row.parent_id].on_path
            )
        ]

    def subtree(self, node_id: str) -> list[NodeRow]:
        """``node_id`` and its descendants in depth-first order (iterative)."""
        out: list[NodeRow] = []
        stack = [node_id]
        seen: set[str] = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            out.append(self.nodes[current])
            stack.extend(reversed(self.children.get(current, [])))
        return out


def visible_turns(rows: list[NodeRow]) -> list[NodeRow]:
    """User and assistant messages of the visible thread that have text."""
    return [
        n
        for n in ConversationTree.build(rows).thread()
        if n.kind == NodeKind.MESSAGE
        and not n.hidden
        and n.role in ("user", "assistant")
        and n.text.strip()
    ]


def _time(row: NodeRow) -> float:
    return row.create_time if row.create_time is not None else float("-inf")
