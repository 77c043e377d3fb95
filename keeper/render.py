"""Render stored conversations for reading: Markdown and JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from keeper.model import Conversation, Node
from keeper.parse.content_types import MESSAGE, STRUCTURAL
from keeper.timefmt import display as format_time
from keeper.timefmt import iso_utc as iso_time
from keeper.tree import ConversationTree

__all__ = ["conversation_json", "conversation_markdown", "format_time", "iso_time", "speaker"]


def speaker(node: Node) -> str:
    """A heading label: "User", "Assistant", "Tool (python)", "Custom instructions"."""
    if node.kind == MESSAGE:
        return (node.role or "unknown").capitalize()
    labels = {
        "context": "Custom instructions",
        "memory": "Memory",
        "reasoning": "Reasoning",
        "system": "System",
        "tool_call": f"Tool call → {node.recipient or 'tool'}",
        "tool_result": f"Tool ({node.author_name or 'tool'})",
    }
    return labels.get(node.kind, node.kind)


def _heading(node: Node, tree: ConversationTree[Node], level: str = "###") -> str:
    bits = [speaker(node)]
    if node.create_time is not None:
        bits.append(format_time(node.create_time))
    if node.model and node.role == "assistant":
        bits.append(node.model)
    index, count = tree.branch(node.node_id)
    marker = f"  ‹ {index}/{count} ›" if count > 1 else ""
    return f"{level} {' · '.join(bits)}{marker}"


def _show(node: Node, hidden: bool) -> bool:
    if node.kind == STRUCTURAL:
        return False
    return hidden or (node.kind == MESSAGE and not node.hidden)


def _node_block(
    node: Node, tree: ConversationTree[Node], files: Mapping[str, list[str]] | None = None
) -> str:
    body = node.text.strip() or "_(no text)_"
    attached = (files or {}).get(node.node_id)
    if attached:
        body += "\n\n" + "\n".join(attached)
    return f"{_heading(node, tree)}\n\n{body}\n"


def file_lines(
    refs: list[dict[str, Any]], link: Callable[[dict[str, Any]], str | None]
) -> dict[str, list[str]]:
    """Per node id, one line per file its message holds: ``[image: name](where)`` with
    ``link(ref)`` (None: the export lacked the file). For ``files=`` below."""
    lines: dict[str, list[str]] = {}
    for ref in refs:
        label = f"{ref['kind'] or 'file'}: {ref['name'] or ref['pointer'].rsplit('/', 1)[-1]}"
        where = link(ref)
        embed = "!" if where and (ref.get("mime") or "").startswith("image/") else ""
        line = f"{embed}[{label}]({where})" if where else f"[{label}] _(not in the export)_"
        lines.setdefault(ref["node_id"], []).append(line)
    return lines


def conversation_markdown(
    conv: Conversation,
    rows: list[Node],
    *,
    all_branches: bool = False,
    hidden: bool = False,
    files: Mapping[str, list[str]] | None = None,
) -> str:
    """The visible thread as Markdown; with ``all_branches`` every other branch follows.
    ``files`` (from :func:`file_lines`) adds each message's images and files below it."""
    tree = ConversationTree.of_stored(rows)
    header = [f"# {conv.title or '(untitled)'}", ""]
    facts = [f"id `{conv.id}`"]
    if conv.create_time:
        facts.append(f"started {format_time(conv.create_time)}")
    if conv.model:
        facts.append(f"model {conv.model}")
    if conv.project:
        facts.append(f"project `{conv.project}`")
    if conv.is_archived:
        facts.append("archived")
    header.append(" · ".join(facts))
    header.append("")
    blocks = [_node_block(n, tree, files) for n in tree.thread() if _show(n, hidden)]
    if not rows:
        blocks.append("_This conversation has no messages in the export._\n")
    text = "\n".join(header) + "\n" + "\n".join(blocks)
    if all_branches:
        text += _branches_markdown(tree, hidden, files)
    elif any(tree.branch(n.node_id)[1] > 1 for n in tree.thread()):
        text += (
            "\n_Messages marked ‹ i/n › have other versions: "
            f"`keeper show {conv.id} --all-branches`._\n"
        )
    return text


def _branches_markdown(
    tree: ConversationTree[Node], hidden: bool, files: Mapping[str, list[str]] | None = None
) -> str:
    parts = []
    for root in tree.off_path_roots():
        nodes = [n for n in tree.subtree(root) if _show(n, hidden)]
        if not nodes:
            continue
        parent = tree.nodes[root].parent_id
        after = ""
        if parent in tree.nodes:
            after = f" after “{' '.join(tree.nodes[parent].text.split())[:60]}”"
        index, count = tree.branch(root)
        parts.append(f"\n## Branch {index}/{count}{after}\n")
        parts.extend(_node_block(n, tree, files) for n in nodes)
    return "".join(parts) if not parts else "\n---\n" + "\n".join(parts)


def node_dict(node: Node, tree: ConversationTree[Node]) -> dict[str, Any]:
    """A node as JSON for ``keeper show --format json``."""
    index, count = tree.branch(node.node_id)
    return {
        "node_id": node.node_id,
        "message_id": node.message_id,
        "parent_id": node.parent_id,
        "role": node.role,
        "author_name": node.author_name,
        "kind": node.kind,
        "content_type": node.content_type,
        "hidden": node.hidden,
        "on_path": node.on_path,
        "in_latest": node.in_latest,
        "model": node.model,
        "create_time": node.create_time,
        "time": iso_time(node.create_time),
        "branch": [index, count],
        "text": node.text,
    }


def conversation_json(conv: Conversation, rows: list[Node]) -> dict[str, Any]:
    """The conversation, its visible thread and every node, as one JSON object."""
    tree = ConversationTree.of_stored(rows)
    return {
        "conversation_id": conv.id,
        "title": conv.title,
        "create_time": conv.create_time,
        "update_time": conv.update_time,
        "model": conv.model,
        "project": conv.project,
        "is_archived": conv.is_archived,
        "thread": [node.node_id for node in tree.thread()],
        "nodes": [node_dict(node, tree) for node in rows],
    }
