"""Who the user is: custom instructions and saved memories found in conversation nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from keeper import timefmt
from keeper.parse.content_types import CONTEXT, MEMORY, TOOL_CALL

ABOUT_USER = "about_user"
ABOUT_MODEL = "about_model"
MEMORY_ITEM = "memory"

_FENCED = re.compile(r"```(.*?)```", re.DOTALL)
_MEMORY_LINE = re.compile(r"^\s*(?:\d+[.)]\s*)?(?:\[(\d{4}-\d{2}-\d{2})\][.:]?\s*)?(.*\S)\s*$")


@dataclass(slots=True)
class ProfileItem:
    """One custom-instruction text or one remembered fact, with where it came from."""

    kind: str  # ABOUT_USER | ABOUT_MODEL | MEMORY_ITEM
    text: str
    item_time: float | None  # when it was written, as best known
    node_id: str
    source: str  # custom_instructions | user_context_message_data | memory_snapshot | bio


def _unwrap(text: object) -> str:
    """Drop OpenAI's preamble around custom instructions: keep the fenced user text."""
    if not isinstance(text, str):
        return ""
    fenced = _FENCED.search(text)
    return (fenced.group(1) if fenced else text).strip()


def _date(value: str) -> float | None:
    try:
        return timefmt.day_start(value)
    except ValueError:
        return None


def _memory_lines(snapshot: str, node_id: str, when: float | None) -> list[ProfileItem]:
    items = []
    for line in snapshot.splitlines():
        match = _MEMORY_LINE.match(line)
        if not match:
            continue
        dated, text = match.groups()
        item_time = _date(dated) if dated else when
        items.append(ProfileItem(MEMORY_ITEM, text, item_time, node_id, "memory_snapshot"))
    return items


def _custom_instructions(
    message: dict[str, Any], node_id: str, when: float | None
) -> list[ProfileItem]:
    items = []
    content = message.get("content")
    if isinstance(content, dict) and content.get("content_type") == "user_editable_context":
        for key, kind in (("user_profile", ABOUT_USER), ("user_instructions", ABOUT_MODEL)):
            text = _unwrap(content.get(key))
            if text:
                items.append(ProfileItem(kind, text, when, node_id, "custom_instructions"))
    metadata = message.get("metadata")
    data = metadata.get("user_context_message_data") if isinstance(metadata, dict) else None
    if isinstance(data, dict):
        for key, kind in (("about_user_message", ABOUT_USER), ("about_model_message", ABOUT_MODEL)):
            text = _unwrap(data.get(key))
            if text:
                items.append(ProfileItem(kind, text, when, node_id, "user_context_message_data"))
    return items


def profile_items(
    message: object, kind: str, text: str, node_id: str, when: float | None
) -> list[ProfileItem]:
    """Profile items carried by one node of kind ``kind`` (readable text ``text``)."""
    if not isinstance(message, dict):
        return []
    if kind == CONTEXT:
        return _custom_instructions(message, node_id, when)
    if kind == MEMORY:
        content = message.get("content")
        snapshot = content.get("model_set_context") if isinstance(content, dict) else None
        return _memory_lines(snapshot, node_id, when) if isinstance(snapshot, str) else []
    if kind == TOOL_CALL and message.get("recipient") == "bio":
        fact = _bio_fact(message.get("content")) or text.strip()
        return [ProfileItem(MEMORY_ITEM, fact, when, node_id, "bio")] if fact else []
    return []


def _bio_fact(content: object) -> str:
    """The fact a ``bio`` call asked to remember, without code fences."""
    if not isinstance(content, dict):
        return ""
    if isinstance(content.get("text"), str):
        return str(content["text"]).strip()
    parts = content.get("parts")
    if isinstance(parts, list):
        return "\n".join(p for p in parts if isinstance(p, str)).strip()
    return ""
