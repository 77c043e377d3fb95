"""Markdown for the model: search hits, conversation windows, lists and the profile.

Every piece names the ids a model needs for its next call (conversation ids in full,
message ids as the shortest unique prefix within their conversation, 8+ characters).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keeper import timefmt
from keeper.model import Conversation, Node
from keeper.render import speaker
from keeper.text import clip
from keeper.timefmt import display as format_time
from keeper.tree import ConversationTree

if TYPE_CHECKING:
    from keeper.search import Hit

SHORT_ID = 8


def day(epoch: float | None) -> str:
    """``YYYY-MM-DD`` (local) or "undated"."""
    return timefmt.day(epoch)


def short_ids(ids: list[str], minimum: int = SHORT_ID) -> dict[str, str]:
    """Each id's shortest prefix (at least ``minimum`` characters) that no other id in
    ``ids`` starts with."""
    unique = sorted(set(ids))
    out: dict[str, str] = {}
    for index, value in enumerate(unique):
        length = minimum
        # In sorted order the longest shared prefix is with a direct neighbour.
        for other in unique[max(0, index - 1) : index] + unique[index + 1 : index + 2]:
            common = next(
                (i for i, (a, b) in enumerate(zip(value, other, strict=False)) if a != b),
                min(len(value), len(other)),
            )
            length = max(length, common + 1)
        out[value] = value[:length]
    return out


def message_ref(node: Node) -> str:
    """The id a message is cited by: its message id, else its node id."""
    return node.message_id or node.node_id


def conversation_head(conv: Conversation, extra: str = "") -> str:
    """Title line and the facts about one conversation."""
    facts = [f"conversation `{conv.id}`"]
    if conv.create_time:
        facts.append(f"started {format_time(conv.create_time)}")
    if conv.update_time and day(conv.update_time) != day(conv.create_time):
        facts.append(f"last message {day(conv.update_time)}")
    facts.append(f"{conv.message_count} messages")
    if conv.model:
        facts.append(f"model {conv.model}")
    if conv.project:
        facts.append(f"project `{conv.project}`")
    if conv.is_archived:
        facts.append("archived")
    if conv.absent:
        facts.append("not in the latest export")
    head = f"# {conv.title or '(untitled)'}\n{' · '.join(facts)}"
    return f"{head}\n{extra}" if extra else head


def message_block(
    node: Node, tree: ConversationTree[Node], refs: dict[str, str], *, mark: bool = False
) -> str:
    """One message: who, when, which model, its short id, branch marker, then its text."""
    bits = [speaker(node)]
    if node.role == "assistant" and node.model:
        bits[0] += f" ({node.model})"
    if node.create_time is not None:
        bits.append(format_time(node.create_time))
    bits.append(f"msg `{refs.get(message_ref(node), message_ref(node))}`")
    index, count = tree.branch(node.node_id)
    heading = " · ".join(bits)
    if count > 1:
        parent = node.parent_id if node.parent_id in tree.nodes else None
        others = [
            refs.get(message_ref(tree.nodes[k]), message_ref(tree.nodes[k]))
            for k in tree.children.get(parent, [])
            if k != node.node_id
        ]
        listed = ", ".join(f"`{o}`" for o in others[:4]) + (" …" if len(others) > 4 else "")
        heading += f" · branch point ‹ {index}/{count} › other versions: {listed}"
    if mark:
        heading += " · ◀ requested message"
    body = node.text.strip() or "_(no text)_"
    return f"### {heading}\n\n{body}"


def hit_block(
    number: int,
    hit: Hit,
    neighbour: Node | None,
    *,
    snippet: str,
    neighbour_chars: int = 360,
) -> str:
    """One search hit with its conversation, ids, date, snippet and the neighbouring turn."""
    who = (hit.role or "message").capitalize()
    if hit.role == "assistant" and hit.model:
        who += f" ({hit.model})"
    lines = [
        f"{number}. **{hit.title or '(untitled)'}** — conversation `{hit.conversation_id}`",
        f"   {who} · {format_time(hit.create_time) or 'undated'} · msg `{hit.message_id}`",
        f"   > {snippet}",
    ]
    if neighbour is not None:
        label = "reply" if neighbour.role == "assistant" else "asked before"
        who_n = (neighbour.role or "?").capitalize()
        if neighbour.role == "assistant" and neighbour.model:
            who_n += f" ({neighbour.model})"
        lines.append(
            f"   {label} — {who_n}, {day(neighbour.create_time)}, msg "
            f"`{message_ref(neighbour)}`: {clip(neighbour.text, neighbour_chars)}"
        )
    return "\n".join(lines)


def list_line(conv: Conversation) -> str:
    """One conversation in a list."""
    when = day(conv.update_time or conv.create_time)
    bits = [f"`{conv.id}`", f"**{conv.title or '(untitled)'}**"]
    span = day(conv.create_time)
    bits.append(span if span == when else f"{span} → {when}")
    bits.append(f"{conv.message_count} messages")
    if conv.model:
        bits.append(conv.model)
    if conv.project:
        bits.append(f"project `{conv.project}`")
    if conv.is_archived:
        bits.append("archived")
    return "- " + " · ".join(bits)
