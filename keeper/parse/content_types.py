"""Shared value types for content extraction (the contract between parse and store)."""

from __future__ import annotations

from dataclasses import dataclass, field

from keeper.model import NodeKind

# Node kinds (keeper.model.NodeKind), under the names parse has always used.
STRUCTURAL = NodeKind.STRUCTURAL
MESSAGE = NodeKind.MESSAGE
SYSTEM = NodeKind.SYSTEM
CONTEXT = NodeKind.CONTEXT
MEMORY = NodeKind.MEMORY
REASONING = NodeKind.REASONING
TOOL_CALL = NodeKind.TOOL_CALL
TOOL_RESULT = NodeKind.TOOL_RESULT

NODE_KINDS = tuple(NodeKind)


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
