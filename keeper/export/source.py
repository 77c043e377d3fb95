"""The read interface exporters get: the few archive reads they need, nothing that writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from keeper.model import Conversation, Node
    from keeper.store.filters import Filters


class ExportSource(Protocol):
    """What an exporter reads. ``keeper.library.Library`` provides it."""

    def conversations(self, filters: Filters = ..., *, sort: str = "updated") -> list[Conversation]:
        """Conversations matching ``filters``, in ``sort`` order."""
        ...

    def conversation(self, conversation_id: str) -> tuple[Conversation, list[Node]]:
        """One conversation and all its nodes."""
        ...

    def assets(self, conversation_id: str) -> list[dict[str, Any]]:
        """Files the conversation references, with absolute paths where copied."""
        ...

    def raw_conversations(self, filters: Filters = ...) -> Iterator[dict[str, Any]]:
        """The conversations as imported (ChatGPT JSON), for the round trip."""
        ...
