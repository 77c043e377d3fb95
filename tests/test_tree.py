"""The tree builder: parents, cycles, dangling links, deep chains, the visible thread."""

from __future__ import annotations

import itertools

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from keeper.model import AnomalyKind
from keeper.tree import ConversationTree

BAD_CURRENT_NODE = AnomalyKind.CURRENT_NODE_INVALID
CYCLE = AnomalyKind.CYCLE
DANGLING_PARENT = AnomalyKind.DANGLING_PARENT
MULTIPLE_ROOTS = AnomalyKind.MULTIPLE_ROOTS
Tree = ConversationTree[str]


def build_tree(
    order: list[str],
    raw_parent: dict[str, object],
    children: dict[str, list[str]],
    times: dict[str, float | None],
    current: object,
) -> Tree:
    """Repair a tree whose nodes are just their ids."""
    return ConversationTree.repair({n: n for n in order}, raw_parent, children, times, current)


def tree_of(
    parents: dict[str, str | None],
    current: object = None,
    times: dict[str, float | None] | None = None,
    children: dict[str, list[str]] | None = None,
) -> Tree:
    order = list(parents)
    return build_tree(order, dict(parents), children or {}, times or {}, current)


def assert_valid_path(tree: Tree) -> None:
    path = tree.path
    assert path, "a non-empty tree has a visible thread"
    assert tree.parent[path[0]] is None, "the thread starts at a root"
    for up, down in itertools.pairwise(path):
        assert tree.parent[down] == up, "each step goes from a parent to its child"
    assert path[-1] not in tree.children, "the thread ends at a leaf"
    assert len(set(path)) == len(path)


def test_linear_thread_follows_current_node() -> None:
    tree = tree_of({"root": None, "a": "root", "b": "a"}, current="b")
    assert tree.path == ["root", "a", "b"]
    assert tree.issues == []


def test_current_node_selects_the_second_branch() -> None:
    parents = {"root": None, "u": "root", "a1": "u", "a2": "u"}
    tree = tree_of(parents, current="a2", times={"a1": 2.0, "a2": 1.0})
    assert tree.path == ["root", "u", "a2"]


def test_children_key_order_is_not_trusted_for_structure() -> None:
    # Child listed before its parent, as in real exports.
    tree = tree_of({"b": "a", "a": "root", "root": None}, current="b")
    assert tree.path == ["root", "a", "b"]


def test_missing_current_node_falls_back_to_newest_leaf() -> None:
    parents = {"root": None, "u": "root", "old": "u", "new": "u"}
    tree = tree_of(parents, current="nowhere", times={"old": 5.0, "new": 9.0})
    assert tree.path == ["root", "u", "new"]
    assert [i.kind for i in tree.issues] == [BAD_CURRENT_NODE]


def test_null_current_node_is_not_an_anomaly() -> None:
    tree = tree_of({"root": None, "a": "root"}, current=None)
    assert tree.path == ["root", "a"]
    assert tree.issues == []


def test_children_lists_fill_in_missing_parent_fields() -> None:
    parents: dict[str, str | None] = {"root": None, "a": None, "b": None}
    tree = tree_of(parents, current="b", children={"root": ["a"], "a": ["b"]})
    assert tree.path == ["root", "a", "b"]
    assert tree.roots == ["root"]


def test_dangling_parent_becomes_a_root_and_is_reported() -> None:
    tree = tree_of({"root": None, "a": "root", "x": "ghost"}, current="a")
    assert tree.parent["x"] is None
    kinds = {i.kind for i in tree.issues}
    assert DANGLING_PARENT in kinds and MULTIPLE_ROOTS in kinds


def test_cycle_is_broken_where_it_closes() -> None:
    tree = tree_of({"a": "c", "b": "a", "c": "b"}, current="c")
    assert [i.kind for i in tree.issues].count(CYCLE) == 1
    assert_valid_path(tree)


def test_self_parent_is_a_cycle() -> None:
    tree = tree_of({"a": "a"}, current="a")
    assert tree.path == ["a"]
    assert tree.issues[0].kind == CYCLE


def test_cycle_through_the_root() -> None:
    tree = tree_of({"root": "b", "a": "root", "b": "a"}, current="b")
    assert_valid_path(tree)
    assert any(i.kind == CYCLE for i in tree.issues)


def test_twenty_thousand_deep_chain_is_iterative() -> None:
    n = 20_000
    parents: dict[str, str | None] = {"n0": None}
    parents.update({f"n{i}": f"n{i - 1}" for i in range(1, n)})
    tree = tree_of(parents, current=f"n{n - 1}")
    assert len(tree.path) == n
    assert tree.path[0] == "n0"


def test_current_node_with_children_extends_to_a_leaf() -> None:
    tree = tree_of({"root": None, "a": "root", "b": "a"}, current="a")
    assert tree.path == ["root", "a", "b"]


def test_empty_mapping() -> None:
    tree = tree_of({})
    assert tree.path == []


node_ids = st.sampled_from([f"n{i}" for i in range(12)])


@st.composite
def random_trees(draw: st.DrawFn) -> tuple[dict[str, object], object, dict[str, float | None]]:
    ids = draw(st.lists(node_ids, min_size=1, max_size=12, unique=True))
    parents: dict[str, object] = {}
    for node in ids:
        parents[node] = draw(
            st.one_of(st.none(), st.sampled_from(ids), st.just("ghost"), st.integers(), st.just(""))
        )
    current = draw(st.one_of(st.none(), st.sampled_from(ids), st.just("ghost"), st.integers()))
    times = {node: draw(st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False))) for node in ids}
    return parents, current, times


@settings(max_examples=400, deadline=None)
@given(random_trees())
def test_random_trees_never_crash_and_thread_is_root_to_leaf(case) -> None:  # type: ignore[no-untyped-def]
    parents, current, times = case
    tree = build_tree(list(parents), parents, {}, times, current)
    assert_valid_path(tree)
    # The repaired parent graph is acyclic: every node reaches a root.
    for node in parents:
        steps = 0
        cursor: str | None = node
        while cursor is not None:
            cursor = tree.parent[cursor]
            steps += 1
            assert steps <= len(parents)
    if isinstance(current, str) and current in parents:
        assert current in tree.path


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1000, max_value=20_000), st.integers(min_value=0, max_value=999))
def test_deep_chains_with_a_back_link(length: int, back: int) -> None:
    parents: dict[str, object] = {"n0": f"n{length - 1}"}  # root links to the last node
    parents.update({f"n{i}": f"n{i - 1}" for i in range(1, length)})
    tree = build_tree(list(parents), parents, {}, {}, f"n{back}")
    assert_valid_path(tree)


def _record(parents: dict[str, object], current: object, times: dict[str, float]) -> object:
    mapping = {
        node_id: {
            "id": node_id,
            "parent": up,
            "message": {
                "id": node_id,
                "author": {"role": "user" if i % 2 else "assistant"},
                "create_time": times.get(node_id),
                "content": {"content_type": "text", "parts": [f"text of {node_id}"]},
            },
        }
        for i, (node_id, up) in enumerate(parents.items())
    }
    return {"id": "c1", "title": "t", "mapping": mapping, "current_node": current}


@given(random_trees())
@settings(max_examples=150, deadline=None)
def test_stored_nodes_rebuild_the_tree_the_import_repaired(case) -> None:  # type: ignore[no-untyped-def]
    """Readers rebuild the tree from stored links and on_path flags; it must be the tree the
    importer repaired: same parents, same visible thread, same branch counts."""
    from keeper.parse.conversation import parse_conversation

    parents, current, times = case
    # Records come from JSON, which keeper reads as 64-bit integers at most.
    assume(all(not isinstance(v, int) or abs(v) < 2**63 for v in [current, *parents.values()]))
    parsed = parse_conversation(_record(parents, current, times))
    repaired = {n.node_id: n.parent_id for n in parsed.nodes}
    stored = ConversationTree.of_stored(parsed.nodes)
    assert stored.parent == repaired
    assert set(stored.path) == {n.node_id for n in parsed.nodes if n.on_path}
    assert_valid_path(stored)
    for node_id in stored.path:
        index, count = stored.branch(node_id)
        assert 1 <= index <= count == len(stored.children[stored.parent[node_id]])
    assert sorted(
        n.node_id for root in stored.off_path_roots() for n in stored.subtree(root)
    ) == sorted(set(repaired) - set(stored.path))
    for node_id in repaired:
        through = [n.node_id for n in stored.path_through(node_id)]
        assert node_id in through and stored.parent[through[0]] is None
        assert all(stored.parent[b] == a for a, b in itertools.pairwise(through))
        assert through[-1] not in stored.children
