"""Parse one raw conversation dict into a typed, repaired tree of nodes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from keeper.errors import RecordError
from keeper.model import AnomalyKind, TreeNode
from keeper.parse.classify import classify, message_model, message_time, to_epoch
from keeper.parse.content import extract_content
from keeper.parse.content_types import MESSAGE, STRUCTURAL, AssetRef
from keeper.parse.profile import ProfileItem, profile_items
from keeper.tree import ConversationTree, TreeIssue

NO_MAPPING = AnomalyKind.NO_MAPPING
MALFORMED_NODE = AnomalyKind.MALFORMED_NODE
UNKNOWN_CONTENT = AnomalyKind.UNKNOWN_CONTENT_TYPE
MISSING_ID = AnomalyKind.MISSING_ID
FLAT_MESSAGES = AnomalyKind.FLAT_MESSAGES
UNREADABLE_TIME = AnomalyKind.UNREADABLE_TIME
# Keys under which some exports and converters hold a plain list of messages instead of a
# ``mapping`` tree.
_FLAT_KEYS = ("messages", "chat_messages")


@dataclass(frozen=True, slots=True)
class ParsedNode(TreeNode):
    """One node of the mapping as parsed, with what only the import needs: the message's
    status and channel, its raw JSON, and the files it refers to."""

    status: str | None
    channel: str | None
    raw: bytes
    assets: list[AssetRef]


@dataclass(slots=True)
class ParsedConversation:
    """A conversation ready for the store, plus what was wrong with it."""

    id: str
    title: str
    create_time: float | None
    update_time: float | None
    model: str | None
    gizmo_id: str | None
    gizmo_type: str | None
    is_archived: bool
    current_node: str | None
    meta_json: bytes  # the conversation object without "mapping"
    mapping_index: int  # where "mapping" sat among the keys (-1: no mapping)
    content_hash: bytes
    nodes: list[ParsedNode]
    issues: list[TreeIssue] = field(default_factory=list)
    profile: list[ProfileItem] = field(default_factory=list)

    @property
    def message_count(self) -> int:
        """Visible user and assistant turns on the visible thread."""
        return sum(1 for node in self.nodes if node.on_path and node.kind == MESSAGE)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def conversation_id(record: dict[str, Any]) -> tuple[str, bool]:
    """The record's id (``conversation_id``, then ``id``), or a stable synthetic one.

    Returns the id and whether it had to be synthesised.
    """
    for key in ("conversation_id", "id"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value, False
    basis = orjson.dumps(
        [record.get("title"), record.get("create_time"), sorted(_mapping_keys(record))[:8]]
    )
    return "synthetic-" + hashlib.blake2b(basis, digest_size=12).hexdigest(), True


def _mapping_keys(record: dict[str, Any]) -> list[str]:
    mapping = record.get("mapping")
    return [str(key) for key in mapping] if isinstance(mapping, dict) else []


def parse_conversation(record: object) -> ParsedConversation:
    """Parse one conversation object. Raises RecordError if it is not an object at all."""
    if not isinstance(record, dict):
        raise RecordError(f"expected a conversation object, found {type(record).__name__}")
    conv_id, synthetic = conversation_id(record)
    mapping = record.get("mapping")
    keys = list(record)
    mapping_index = keys.index("mapping") if isinstance(mapping, dict) else -1
    meta = {k: v for k, v in record.items() if k != "mapping" or mapping_index < 0}
    default_model = _str(record.get("default_model_slug"))
    issues: list[TreeIssue] = []
    if synthetic:
        issues.append(TreeIssue(MISSING_ID, None, "no conversation_id or id; synthesised one"))
    nodes: list[ParsedNode] = []
    profile: list[ProfileItem] = []
    flat = _flat_messages(record) if not isinstance(mapping, dict) else None
    if isinstance(mapping, dict) and mapping:
        nodes = _parse_nodes(mapping, record.get("current_node"), default_model, issues, profile)
    elif isinstance(mapping, dict):
        issues.append(TreeIssue(NO_MAPPING, None, "conversation has an empty mapping"))
    elif flat:
        key, chained = flat
        issues.append(
            TreeIssue(
                FLAT_MESSAGES,
                None,
                f"no mapping; read {len(chained)} messages from its {key!r} list as one thread",
            )
        )
        nodes = _parse_nodes(chained, None, default_model, issues, profile)
    else:
        issues.append(TreeIssue(NO_MAPPING, None, "conversation has no mapping (empty shell)"))
    create_time = _time_field(record, "create_time", issues)
    update_time = _time_field(record, "update_time", issues)
    return ParsedConversation(
        id=conv_id,
        title=_str(record.get("title")) or "",
        create_time=create_time,
        update_time=update_time,
        model=default_model or _first_model(nodes),
        gizmo_id=_str(record.get("gizmo_id")) or _str(record.get("conversation_template_id")),
        gizmo_type=_str(record.get("gizmo_type")),
        is_archived=record.get("is_archived") is True,
        current_node=_str(record.get("current_node")),
        meta_json=orjson.dumps(meta),
        mapping_index=mapping_index,
        content_hash=hashlib.blake2b(orjson.dumps(record), digest_size=16).digest(),
        nodes=nodes,
        issues=issues,
        profile=profile,
    )


def _time_field(record: dict[str, Any], key: str, issues: list[TreeIssue]) -> float | None:
    """A conversation time as epoch seconds (numbers, numeric or ISO strings); a value
    that is there but is no time is reported, not silently dropped."""
    value = record.get(key)
    when = to_epoch(value)
    if when is None and value is not None and value != "":
        issues.append(TreeIssue(UNREADABLE_TIME, None, f"{key} {value!r} is not a time"))
    return when


def _flat_messages(record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A list of messages (``messages``/``chat_messages``) as a mapping chained in list
    order, each message normalised to the export's shape; None when there is none."""
    for key in _FLAT_KEYS:
        items = record.get(key)
        if not isinstance(items, list) or not any(isinstance(m, dict) for m in items):
            continue
        mapping: dict[str, Any] = {}
        previous: str | None = None
        for index, item in enumerate(items):
            message = _as_message(item) if isinstance(item, dict) else None
            given = message.get("id") if message else None
            node_id = given if isinstance(given, str) and given and given not in mapping else None
            node_id = node_id or f"{key}-{index}"
            mapping[node_id] = {"id": node_id, "message": message, "parent": previous}
            previous = node_id
        return key, mapping
    return None


def _as_message(item: dict[str, Any]) -> dict[str, Any]:
    """One flat-list message in the export's own shape: ``author.role`` (from ``role`` or
    ``sender``), ``content`` (from a string, ``text`` or ``parts``), ``create_time``."""
    message = dict(item)
    if not isinstance(message.get("author"), dict):
        role = item.get("role") or item.get("sender")
        if isinstance(role, str):
            role = {"human": "user", "ai": "assistant", "bot": "assistant"}.get(role, role)
        message["author"] = {"role": role if isinstance(role, str) else None}
    content = item.get("content")
    if not isinstance(content, dict):
        if isinstance(content, str):
            parts: object = [content]
        elif isinstance(content, list):
            parts = [p.get("text", p) if isinstance(p, dict) else p for p in content]
        else:
            parts = item.get("parts") or [item.get("text") or ""]
        message["content"] = {"content_type": "text", "parts": parts}
    if message.get("create_time") is None:
        message["create_time"] = item.get("created_at") or item.get("timestamp")
    return message


def _first_model(nodes: list[ParsedNode]) -> str | None:
    for node in nodes:
        if node.kind == MESSAGE and node.role == "assistant" and node.model:
            return node.model
    return None


def _parse_nodes(
    mapping: dict[str, Any],
    current_node: object,
    default_model: str | None,
    issues: list[TreeIssue],
    profile: list[ProfileItem],
) -> list[ParsedNode]:
    order: list[str] = []
    raw_parent: dict[str, object] = {}
    listed: dict[str, list[str]] = {}
    times: dict[str, float | None] = {}
    messages: dict[str, object] = {}
    for key, node in mapping.items():
        node_id = str(key)
        order.append(node_id)
        if not isinstance(node, dict):
            issues.append(TreeIssue(MALFORMED_NODE, node_id, f"node is {type(node).__name__}"))
            raw_parent[node_id] = None
            messages[node_id] = None
            times[node_id] = None
            continue
        raw_parent[node_id] = node.get("parent")
        kids = node.get("children")
        if isinstance(kids, list):
            listed[node_id] = [kid for kid in kids if isinstance(kid, str)]
        message = node.get("message")
        if message is not None and not isinstance(message, dict):
            issues.append(
                TreeIssue(MALFORMED_NODE, node_id, f"message is {type(message).__name__}")
            )
        messages[node_id] = message
        times[node_id] = message_time(message) if isinstance(message, dict) else None
    tree = ConversationTree.repair(
        dict(zip(order, mapping.values(), strict=True)), raw_parent, listed, times, current_node
    )
    issues.extend(tree.issues)
    on_path = set(tree.path)
    parsed = []
    for position, (node_id, node) in enumerate(zip(order, mapping.values(), strict=True)):
        parsed.append(
            _parse_node(
                node_id,
                position,
                node,
                messages[node_id],
                tree.parent[node_id],
                node_id in on_path,
                times[node_id],
                default_model,
                issues,
                profile,
            )
        )
    return parsed


def _parse_node(
    node_id: str,
    position: int,
    node: object,
    message: object,
    parent_id: str | None,
    on_path: bool,
    when: float | None,
    default_model: str | None,
    issues: list[TreeIssue],
    profile: list[ProfileItem],
) -> ParsedNode:
    kind, hidden = classify(message)
    raw = orjson.dumps(node)
    if kind == STRUCTURAL or not isinstance(message, dict):
        return ParsedNode(
            node_id=node_id,
            parent_id=parent_id,
            position=position,
            message_id=None,
            role=None,
            author_name=None,
            content_type=None,
            kind=STRUCTURAL,
            hidden=True,
            on_path=on_path,
            model=None,
            create_time=when,
            recipient=None,
            text="",
            status=None,
            channel=None,
            raw=raw,
            assets=[],
        )
    content = extract_content(message)
    author = message.get("author")
    author = author if isinstance(author, dict) else {}
    body = message.get("content")
    content_type = _str(body.get("content_type")) if isinstance(body, dict) else None
    if not content.known:
        issues.append(TreeIssue(UNKNOWN_CONTENT, node_id, f"content_type {content_type!r}"))
    profile.extend(profile_items(message, kind, content.text, node_id, when))
    return ParsedNode(
        node_id=node_id,
        parent_id=parent_id,
        position=position,
        message_id=_str(message.get("id")),
        role=_str(author.get("role")),
        author_name=_str(author.get("name")),
        content_type=content_type,
        kind=kind,
        hidden=hidden,
        on_path=on_path,
        model=message_model(message, default_model),
        create_time=when,
        status=_str(message.get("status")),
        recipient=_str(message.get("recipient")),
        channel=_str(message.get("channel")),
        text=content.text,
        raw=raw,
        assets=content.assets,
    )
