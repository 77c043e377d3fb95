"""Build a conversation tree from ``parent`` pointers and pick the visible thread.

Everything here is iterative: real exports hold cycles and chains 20,000 nodes deep.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from keeper.model import AnomalyKind

# Anomaly kinds reported by the tree builder.
CYCLE = AnomalyKind.CYCLE
DANGLING_PARENT = AnomalyKind.DANGLING_PARENT
MULTIPLE_ROOTS = AnomalyKind.MULTIPLE_ROOTS
BAD_CURRENT_NODE = AnomalyKind.CURRENT_NODE_INVALID
UNLINKED = AnomalyKind.UNLINKED_NODES


@dataclass(slots=True)
class TreeIssue:
    """Something structurally wrong with a conversation's tree, and where."""

    kind: AnomalyKind
    node_id: str | None
    detail: str


@dataclass(slots=True)
class Tree:
    """The repaired tree: effective parents, ordered children, roots and the visible path."""

    parent: dict[str, str | None]
    children: dict[str, list[str]]
    roots: list[str]
    active_path: list[str]
    issues: list[TreeIssue] = field(default_factory=list)


def build_tree(
    order: list[str],
    raw_parent: dict[str, object],
    listed_children: dict[str, list[str]],
    times: dict[str, float | None],
    current_node: object,
) -> Tree:
    """Repair the parent links of ``order`` (node ids in mapping order) and find the path.

    ``raw_parent`` holds each node's ``parent`` field as found; ``listed_children`` the
    ``children`` lists where a node had one (2026 exports drop them), used only for
    nodes whose own ``parent`` is missing and for sibling order; ``times`` message times.
    """
    known = set(order)
    issues: list[TreeIssue] = []
    parent = _effective_parents(order, known, raw_parent, listed_children, issues)
    if len(order) > 1 and all(up is None for up in parent.values()):
        _chain_by_time(order, parent, times, issues)
    _break_cycles(order, parent, issues)
    children = _children(order, parent, listed_children, times)
    roots = [node for node in order if parent[node] is None]
    if len(roots) > 1:
        issues.append(TreeIssue(MULTIPLE_ROOTS, None, f"{len(roots)} roots"))
    path = _active_path(order, parent, children, times, current_node, issues)
    return Tree(parent, children, roots, path, issues)


def _effective_parents(
    order: list[str],
    known: set[str],
    raw_parent: dict[str, object],
    listed_children: dict[str, list[str]],
    issues: list[TreeIssue],
) -> dict[str, str | None]:
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
                issues.append(TreeIssue(DANGLING_PARENT, node, f"parent {value!r} not in mapping"))
                parent[node] = None
        else:
            parent[node] = claimed.get(node)
    return parent


def _chain_by_time(
    order: list[str],
    parent: dict[str, str | None],
    times: dict[str, float | None],
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
            UNLINKED,
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
            issues.append(TreeIssue(CYCLE, closer, f"parent link to {node!r} closes a cycle"))
            parent[closer] = None
        for visited in walk:
            state[visited] = 2


def _children(
    order: list[str],
    parent: dict[str, str | None],
    listed_children: dict[str, list[str]],
    times: dict[str, float | None],
) -> dict[str, list[str]]:
    """Children in the order ChatGPT shows branches: as listed, else by time, else mapping order."""
    position = {node: index for index, node in enumerate(order)}
    children: dict[str, list[str]] = {}
    for node in order:
        up = parent[node]
        if up is not None:
            children.setdefault(up, []).append(node)
    for up, kids in children.items():
        if len(kids) < 2:
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
    children: dict[str, list[str]],
    times: dict[str, float | None],
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
                TreeIssue(BAD_CURRENT_NODE, None, f"current_node {current_node!r} not in mapping")
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
    order: list[str], children: dict[str, list[str]], times: dict[str, float | None]
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
