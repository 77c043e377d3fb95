"""Node kind, hidden flag, model and time of one message (export-format.md §2.2, §3).

Nothing is dropped here: hidden nodes are kept and only flagged, so a reader can show the
visible thread and the store still holds custom instructions, memory, reasoning and tools.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from keeper.parse.content_types import (
    CONTEXT,
    MEMORY,
    MESSAGE,
    REASONING,
    STRUCTURAL,
    SYSTEM,
    TOOL_CALL,
    TOOL_RESULT,
)

__all__ = ["classify", "message_model", "message_time", "to_epoch"]

_BY_CONTENT_TYPE = {
    "user_editable_context": CONTEXT,
    "model_editable_context": MEMORY,
    "thoughts": REASONING,
    "reasoning_recap": REASONING,
}
# "developer" is the newer name of the system role in OpenAI's message format.
_BY_ROLE = {"system": SYSTEM, "developer": SYSTEM, "tool": TOOL_RESULT, "function": TOOL_RESULT}
_TO_EVERYONE = (None, "all")


def classify(message: object) -> tuple[str, bool]:
    """``(kind, hidden)`` for a node's message; kinds are in ``content_types``.

    Every kind but MESSAGE is hidden. A MESSAGE is hidden too when the export flags it
    (``is_visually_hidden_from_conversation``), when its ``weight`` is 0, or when it is on
    the ``commentary`` channel: commentary is the model's intermediate preamble around tool
    use ("Let me look that up…"), which ChatGPT shows only transiently. It is kept and
    searchable; it is just not part of the visible thread.
    """
    if not isinstance(message, dict):
        return STRUCTURAL, True
    content = message.get("content")
    ctype = content.get("content_type") if isinstance(content, dict) else None
    metadata = message.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    by_type = _BY_CONTENT_TYPE.get(ctype) if isinstance(ctype, str) else None
    if by_type is not None:
        return by_type, True
    if metadata.get("is_user_system_message") or metadata.get("user_context_message_data"):
        return CONTEXT, True
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    by_role = _BY_ROLE.get(role) if isinstance(role, str) else None
    if by_role == TOOL_RESULT and _generated_image(message, content):
        # The picture an image tool made is the answer the person saw, not scaffolding.
        return MESSAGE, _hidden_message(message, metadata)
    if by_role is not None:
        return by_role, True
    if role == "assistant" and message.get("recipient") not in _TO_EVERYONE:
        return TOOL_CALL, True
    return MESSAGE, _hidden_message(message, metadata)


def _generated_image(message: dict[str, Any], content: object) -> bool:
    """A tool message that carries an image it generated: on the ``final`` channel, or
    with the image tools' generation metadata (DALL-E's ``dalle``, 4o's ``generation``)."""
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list):
        return False
    images = [
        p for p in parts if isinstance(p, dict) and p.get("content_type") == "image_asset_pointer"
    ]
    if not images:
        return False
    if message.get("channel") == "final":
        return True
    for part in images:
        metadata = part.get("metadata")
        if isinstance(metadata, dict) and (metadata.get("dalle") or metadata.get("generation")):
            return True
    return False


def _hidden_message(message: dict[str, Any], metadata: dict[str, Any]) -> bool:
    if metadata.get("is_visually_hidden_from_conversation"):
        return True
    weight = message.get("weight")
    if type(weight) in (int, float) and weight == 0:
        return True
    return message.get("channel") == "commentary"


def message_model(message: object, default: str | None) -> str | None:
    """The model that wrote a message: ``metadata.model_slug``, then
    ``metadata.default_model_slug``, then ``default`` (the conversation's model)."""
    if isinstance(message, dict):
        metadata = message.get("metadata")
        if isinstance(metadata, dict):
            for key in ("model_slug", "default_model_slug"):
                slug = metadata.get(key)
                if isinstance(slug, str) and slug:
                    return slug
    return default


def message_time(message: object) -> float | None:
    """``create_time`` as epoch seconds; numbers, numeric strings and ISO strings are
    accepted, anything else (``None``, NaN, garbage) gives ``None``."""
    if not isinstance(message, dict):
        return None
    return to_epoch(message.get("create_time"))


def to_epoch(value: object) -> float | None:
    """Epoch seconds from a number, a numeric string or an ISO-8601 string; else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str):
        seconds = _parse_time_text(value.strip())
    else:
        return None
    return seconds if math.isfinite(seconds) else None


def _parse_time_text(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return math.nan
    if parsed.tzinfo is None:
        # Export times are UTC; a naive ISO string (model_comparisons.json) is read as UTC.
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        return math.nan
