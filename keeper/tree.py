"""One conversation tree: parent links, ordered children and the visible thread.

The same class serves both ends of keeper. The importer *repairs* a tree from an export's
raw ``parent``/``children`` fields (cycles, dangling parents, unlinked nodes, a bad
``current_node``) and stores the result; everything that reads the archive rebuilds it
*from the stored nodes*, whose links are already repaired, to walk the visible thread,
the siblings at a branch point and the branches off it.

Everything here is iterative: real exports hold cycles and chains 20,000 nodes deep.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from keeper.model import AnomalyKind, NodeKind, TreeNode

N = TypeVar("N")
S = TypeVar("S", bound=TreeNode)


@dataclass(slots=True)
class TreeIssue:
    """Something structurally wrong with a conversation, and where."""

    kind: AnomalyKind
    node_id: str | None
    detail: str


@dataclass(slots=True)
class ConversationTree(Generic[N]):
    """``nodes`` (by id, in mapping order) with effective parent links, children in the
    order ChatGPT shows branches (``children[None]``: the roots) and the visible ``path``.

    ``issues`` lists what :meth:`repair` had to fix; a tree rebuilt from stored nodes has
    none.
    """

    nodes: dict[str, N]
    parent: dict[str, str | None]
    children: dict[str | None, list[str]]
    path: list[str]
    issues: list[TreeIssue] = field(default_factory=list)

    @classmethod
    def repair(
        cls,
        nodes: Mapping[str, N],
        raw_parent: Mapping[str, object],
        listed_children: Mapping[str, list[str]],
        times: Mapping[str, float | None],
        current_node: object,
    ) -> ConversationTree[N]:
        """Repair the links of an export's ``nodes`` (by id, in mapping order) and find the
        visible path.

        ``raw_parent`` holds each node's ``parent`` field as found; ``listed_children`` the
        ``children`` lists where a node had one (2026 exports drop them), used only for
        nodes whose own ``parent`` is missing and for sibling order; ``times`` message
        times.
        """
        order = list(nodes)
        issues: list[TreeIssue] = []
        parent = _effective_parents(order, raw_parent, listed_children, issues)
        if len(order) > 1 and all(up is None for up in parent.values()):
            _chain_by_time(order, parent, times, issues)
        _break_cycles(order, parent, issues)
        children = _children(order, parent, listed_children, times)
        roots = children.get(None, [])
        if len(roots) > 1:
            issues.append(TreeIssue(AnomalyKind.MULTIPLE_ROOTS, None, f"{len(roots)} roots"))
        path = _active_path(order, parent, children, times, current_node, issues)
        return cls(dict(nodes), parent, children, path, issues)

    @classmethod
    def of_stored(cls, rows: list[S]) -> ConversationTree[S]:
        """The tree of one conversation's stored nodes: their links as stored, siblings by
        time then mapping position, and the visible thread their ``on_path`` flags mark."""
        nodes = {row.node_id: row for row in rows}
        parent = {row.node_id: row.parent_id if row.parent_id in nodes else None for row in rows}
        children: dict[str | None, list[str]] = {}
        for row in rows:
            children.setdefault(parent[row.node_id], []).append(row.node_id)
        for kids in children.values():
            kids.sort(key=lambda k: (_time_key(nodes[k].create_time), nodes[k].position))
        tree = ConversationTree(nodes, parent, children, [])
        tree.path = _stored_path(tree)
        return tree

    @property
    def roots(self) -> list[str]:
        """Nodes without a parent, in sibling order."""
        return self.children.get(None, [])

    def thread(self) -> list[N]:
        """The visible thread, root to leaf."""
        return [self.nodes[node_id] for node_id in self.path]

    def branch(self, node_id: str) -> tuple[int, int]:
        """(1-based index, count) of ``node_id`` among its siblings."""
        siblings = self.children.get(self.parent[node_id], [node_id])
        return siblings.index(node_id) + 1, len(siblings)

    def off_path_roots(self) -> list[str]:
        """Nodes off the visible thread whose parent is on it (or that have none): where
        the other branches start, in order of time then mapping position."""
        on_path = set(self.path)
        starts = [
            node_id
            for node_id, up in self.parent.items()
            if node_id not in on_path and (up is None or up in on_path)
        ]
        return sorted(starts, key=self._sibling_key)

    def path_through(self, node_id: str) -> list[N]:
        """Root to leaf through ``node_id``, on down its newest (last) children."""
        upward: list[str] = []
        seen: set[str] = set()
        current: str | None = node_id
        while current is not None and current not in seen:
            seen.add(current)
            upward.append(current)
            current = self.parent[current]
        path = upward[::-1]
        kids = self.children.get(node_id, [])
        while kids and kids[-1] not in seen:
            seen.add(kids[-1])
            path.append(kids[-1])
            kids = self.children.get(kids[-1], [])
        return [self.nodes[k] for k in path]

    def subtree(self, node_id: str) -> list[N]:
        """``node_id`` and its descendants in depth-first order (iterative)."""
        out: list[N] = []
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

    def _sibling_key(self, node_id: str) -> tuple[float, int]:
        node = self.nodes[node_id]
        if isinstance(node, TreeNode):
            return _time_key(node.create_time), node.position
        return float("-inf"), 0


def _stored_path(tree: ConversationTree[S]) -> list[str]:
    """Follow the ``on_path`` flags from the first flagged node whose parent is not."""
    flagged = [node_id for node_id, row in tree.nodes.items() if row.on_path]
    if not flagged:
        return []
    current = next((k for k in flagged if not _parent_on_path(tree, k)), flagged[0])
    path = [current]
    seen = {current}
    while True:
        nxt = [k for k in tree.children.get(current, ()) if tree.nodes[k].on_path]
        if not nxt or nxt[0] in seen:
            return path
        current = nxt[0]
        seen.add(current)
        path.append(current)


def _parent_on_path(tree: ConversationTree[S], node_id: str) -> bool:
    up = tree.parent[node_id]
    return up is not None and tree.nodes[up].on_path


def _effective_parents(
    order: list[str],
    raw_parent: Mapping[str, object],
    listed_children: Mapping[str, list[str]],
    issues: list[TreeIssue],
) -> dict[str, str | None]:
    known = set(order)
    claimed: dict[str, str] = {}
    for node, kids in listed_children.items():
        for kid in kids:
            if kid in known and kid != node:
                claimed.setdefault(kid, node)
    parent: dict[str, str | None] = {}
    for node in order:
        value = raw_parent.get(node)
        if isinstance(value, str) and value:
            if value in known:
                parent[node] = value
            else:
                issues.append(
                    TreeIssue(AnomalyKind.DANGLING_PARENT, node, f"parent {value!r} not in mapping")
                )
                parent[node] = None
        else:
            parent[node] = claimed.get(node)
    return parent


def _chain_by_time(
    order: list[str],
    parent: dict[str, str | None],
    times: Mapping[str, float | None],
    issues: list[TreeIssue],
) -> None:
    """Nodes with no parent or children links at all: read them as one thread, ordered by
    ``create_time``, then mapping order."""
    # An untimed node keeps its place after the timed node before it in mapping order.
    carried: dict[str, tuple[float, int]] = {}
    latest = float("-inf")
    for index, node in enumerate(order):
        value = times.get(node)
        if value is not None:
            latest = value
        carried[node] = (latest if value is None else value, index)
    ordered = sorted(order, key=carried.__getitem__)
    for before, node in itertools.pairwise(ordered):
        parent[node] = before
    issues.append(
        TreeIssue(
            AnomalyKind.UNLINKED_NODES,
            None,
            f"{len(order)} nodes have no parent or children links; read as one thread "
            "ordered by create_time, then mapping order",
        )
    )


def _break_cycles(order: list[str], parent: dict[str, str | None], issues: list[TreeIssue]) -> None:
    """Cut each cycle at the node whose parent link closes the loop (it becomes a root)."""
    state: dict[str, int] = {}  # 1: on the walk in progress, 2: known to reach a root
    for start in order:
        if state.get(start) == 2:
            continue
        walk: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = parent[node]
        if node is not None and state[node] == 1:
            closer = walk[-1]
            issues.append(
                TreeIssue(AnomalyKind.CYCLE, closer, f"parent link to {node!r} closes a cycle")
            )
            parent[closer] = None
        for visited in walk:
            state[visited] = 2


def _children(
    order: list[str],
    parent: dict[str, str | None],
    listed_children: Mapping[str, list[str]],
    times: Mapping[str, float | None],
) -> dict[str | None, list[str]]:
    """Children in the order ChatGPT shows branches: as listed, else by time, else mapping
    order. Roots sit under ``None`` in mapping order."""
    position = {node: index for index, node in enumerate(order)}
    children: dict[str | None, list[str]] = {}
    for node in order:
        children.setdefault(parent[node], []).append(node)
    for up, kids in children.items():
        if up is None or len(kids) < 2:
            continue
        listed = {kid: rank for rank, kid in enumerate(listed_children.get(up, ()))}
        kids.sort(
            key=lambda kid: (
                listed.get(kid, len(listed)),
                _time_key(times.get(kid)),
                position[kid],
            )
        )
    return children


def _time_key(value: float | None) -> float:
    return value if value is not None else float("-inf")


def _active_path(
    order: list[str],
    parent: dict[str, str | None],
    children: dict[str | None, list[str]],
    times: Mapping[str, float | None],
    current_node: object,
    issues: list[TreeIssue],
) -> list[str]:
    """Root-to-leaf path through ``current_node``; the newest leaf when it is unusable.

    If ``current_node`` has children (a merged or hand-edited export), the path continues
    down through the newest child so it always ends at a leaf.
    """
    if not order:
        return []
    if isinstance(current_node, str) and current_node in parent:
        end = current_node
    else:
        if current_node is not None:
            issues.append(
                TreeIssue(
                    AnomalyKind.CURRENT_NODE_INVALID,
                    None,
                    f"current_node {current_node!r} not in mapping",
                )
            )
        end = _newest_leaf(order, children, times)
    upward: list[str] = []
    node: str | None = end
    while node is not None:
        upward.append(node)
        node = parent[node]
    upward.reverse()
    node = end
    while node in children:
        kids = children[node]
        newest = max(range(len(kids)), key=lambda i: (_time_key(times.get(kids[i])), i))
        node = kids[newest]
        upward.append(node)
    return upward


def _newest_leaf(
    order: list[str], children: dict[str | None, list[str]], times: Mapping[str, float | None]
) -> str:
    best = order[0]
    best_key = (float("-inf"), -1)
    for index, node in enumerate(order):
        if node in children:
            continue
        key = (_time_key(times.get(node)), index)
        if key > best_key:
            best, best_key = node, key
    return best


def visible_turns(rows: list[S]) -> list[S]:
    """User and assistant messages of the visible thread that have text."""
    return [
        n
        for n in ConversationTree.of_stored(rows).thread()
        if n.kind == NodeKind.MESSAGE
        and not n.hidden
        and n.role in ("user", "assistant")
        and n.text.strip()
    ]
