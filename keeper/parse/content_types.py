"""Shared value types for content extraction (the contract between parse and store)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Node kinds. A node is exactly one of these; only MESSAGE nodes are chat turns.
STRUCTURAL = "structural"  # no message (root placeholder) or a non-object message
MESSAGE = "message"  # a user or assistant turn meant to be read
SYSTEM = "system"  # system prompt scaffolding
CONTEXT = "context"  # custom instructions (user_editable_context, user system message)
MEMORY = "memory"  # model_editable_context memory snapshot
REASONING = "reasoning"  # thoughts, reasoning_recap
TOOL_CALL = "tool_call"  # assistant message addressed to a tool (recipient != all)
TOOL_RESULT = "tool_result"  # a tool's reply

NODE_KINDS = (STRUCTURAL, MESSAGE, SYSTEM, CONTEXT, MEMORY, REASONING, TOOL_CALL, TOOL_RESULT)


@dataclass(slots=True)
class AssetRef:
    """A pointer to a file (image, audio, video, upload) referenced by a message."""

    pointer: (
        str  # as written in the export, e.g. "file-service://file-abc", "sediment://file_00..."
    )
    kind: str  # "image" | "audio" | "video" | "file"
    name: str | None = None  # original file name when the export says it
    mime: str | None = None


@dataclass(slots=True)
class Content:
    """What a message says, in readable form."""

    text: str  # readable text: citations rendered, private-use markers stripped; "" if none
    known: bool = True  # False when the content_type is not in the catalogue
    assets: list[AssetRef] = field(default_factory=list)
    untranscribed_audio: bool = False  # voice message whose transcription is empty
