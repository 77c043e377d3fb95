"""Conversations, nodes, hits and search results, with the enums for node and anomaly kinds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, overload


class NodeKind(StrEnum):
    """What a stored node is. Only MESSAGE nodes are chat turns."""

    STRUCTURAL = "structural"  # no message (root placeholder) or a non-object message
    MESSAGE = "message"  # a user or assistant turn meant to be read
    SYSTEM = "system"  # system prompt scaffolding
    CONTEXT = "context"  # custom instructions (user_editable_context, user system message)
    MEMORY = "memory"  # model_editable_context memory snapshot
    REASONING = "reasoning"  # thoughts, reasoning_recap
    TOOL_CALL = "tool_call"  # assistant message addressed to a tool (recipient != all)
    TOOL_RESULT = "tool_result"  # a tool's reply


class ImportStatus(StrEnum):
    """What an import did with one conversation."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class AnomalyKind(StrEnum):
    """Something odd about an input that did not stop the import (the report's kinds)."""

    # the container: zip or folder
    UNREADABLE_MEMBER = "unreadable_member"
    UNSAFE_MEMBER = "unsafe_member"
    ENCRYPTED_MEMBER = "encrypted_member"
    ZIP_BOMB = "zip_bomb"
    TRUNCATED_ZIP = "truncated_zip"
    TRUNCATED_MEMBER = "truncated_member"
    CRC_ERROR = "crc_error"
    # the export's layout
    MISSING_SHARD = "missing_shard"
    UNLISTED_SHARD = "unlisted_shard"
    BAD_MANIFEST = "bad_manifest"
    UNKNOWN_FILE = "unknown_file"
    AUX_TOO_LARGE = "aux_too_large"
    HTML_FALLBACK = "html_fallback"
    # the conversations file
    TRUNCATED_JSON = "truncated_json"
    TRAILING_DATA = "trailing_data"
    NOT_JSON = "not_json"
    RECORD_TOO_LARGE = "record_too_large"
    FAILED_RECORD = "failed_record"
    # one conversation
    MISSING_ID = "missing_id"
    NO_MAPPING = "no_mapping"
    MALFORMED_NODE = "malformed_node"
    UNKNOWN_CONTENT_TYPE = "unknown_content_type"
    CYCLE = "cycle"
    DANGLING_PARENT = "dangling_parent"
    MULTIPLE_ROOTS = "multiple_roots"
    CURRENT_NODE_INVALID = "current_node_invalid"
    UNLINKED_NODES = "unlinked_nodes"  # no parent/children links: ordered by time
    FLAT_MESSAGES = "flat_messages"  # a list of messages instead of a mapping
    UNREADABLE_TIME = "unreadable_time"  # a create/update time that is not a time
    # files
    UNREADABLE_ASSET = "unreadable_asset"


INCOMPLETE_SOURCE = frozenset(
    {
        AnomalyKind.MISSING_SHARD,
        AnomalyKind.TRUNCATED_ZIP,
        AnomalyKind.TRUNCATED_JSON,
        AnomalyKind.UNREADABLE_MEMBER,
    }
)
"""Anomalies after which a source may lack conversations (nothing is marked absent)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """One conversation as listed."""

    id: str
    title: str
    create_time: float | None
    update_time: float | None
    model: str | None
    project: str | None
    gizmo_type: str | None
    is_archived: bool
    message_count: int
    absent: bool


@dataclass(frozen=True, slots=True)
class TreeNode:
    """What every node of a conversation tree carries, parsed from an export or stored.

    The parser's node adds the raw JSON and assets it hands the store; the stored
    :class:`Node` adds its row id and whether the latest export still held it.
    """

    node_id: str
    parent_id: str | None
    position: int  # place in the export's mapping
    message_id: str | None
    role: str | None
    author_name: str | None
    content_type: str | None
    kind: str  # a NodeKind value
    hidden: bool
    on_path: bool
    model: str | None
    create_time: float | None
    recipient: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Node(TreeNode):
    """One stored node of a conversation tree (a message or scaffolding), without raw JSON."""

    rowid: int
    in_latest: bool


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching message, with the turns next to it (``context``: ``before`` is the
    message it answers, ``after`` the reply it got, each ``{message_id, role, text}``;
    either may be missing)."""

    conversation_id: str
    message_id: str
    node_id: str
    title: str
    role: str | None
    model: str | None
    create_time: float | None
    score: float
    snippet: str
    highlights: list[list[int]] = field(default_factory=list)
    rowid: int = 0
    context: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of a hit (``keeper search --json``)."""
        data = asdict(self)
        data.pop("rowid")
        return data


@dataclass(frozen=True, slots=True)
class SearchResult(Sequence[Hit]):
    """The hits of one search, best first, and a note on how it ran ("" when it ran as
    asked): why semantic retrieval fell back to keywords, or how much is embedded.

    A sequence of its hits, so callers that only want the hits iterate it directly."""

    hits: tuple[Hit, ...] = ()
    note: str = ""

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | Sequence[Hit]:
        return self.hits[index]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __bool__(self) -> bool:
        return bool(self.hits)


@dataclass(frozen=True, slots=True)
class EmbeddingStatus:
    """How much of the archive has vectors from its active model."""

    model: str | None
    embeddable: int
    embedded: int
    chunks: int

    @property
    def complete(self) -> bool:
        """Every embeddable message has vectors."""
        return self.embedded >= self.embeddable

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``keeper doctor --json``'s ``embeddings``)."""
        return {
            "model": self.model,
            "embeddable": self.embeddable,
            "embedded": self.embedded,
            "chunks": self.chunks,
            "complete": self.complete,
        }


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What forgetting one conversation removed."""

    conversation_id: str
    title: str
    nodes: int
    asset_files: int
    profile_items: int
    other_rows: dict[str, int]
    scrubbed: bool  # False: another process kept the database from being compacted

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``keeper forget --json``)."""
        return asdict(self)
