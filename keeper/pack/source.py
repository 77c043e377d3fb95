"""The read interface a pack builder gets from ``Library`` (the builder never imports it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import apsw

    from keeper.config import Settings
    from keeper.model import Conversation, Node
    from keeper.search import Hit
    from keeper.store.filters import Filters


class PackSource(Protocol):
    """What building a pack reads: the open archive, its settings, search and conversations."""

    @property
    def conn(self) -> apsw.Connection:
        """The archive's connection, for the store's read functions."""
        ...

    @property
    def settings(self) -> Settings:
        """The resolved settings (the LLM endpoint's model and key)."""
        ...

    def conversation(self, conversation_id: str) -> tuple[Conversation, list[Node]]:
        """One conversation and all its nodes; UsageError for an unknown id."""
        ...

    def assistant_models(self) -> list[tuple[str, int]]:
        """(model, assistant messages) for every model that replied, most used first."""
        ...

    def search(
        self,
        query: str,
        filters: Filters = ...,
        *,
        mode: str | None = None,
        limit: int = 20,
        context: bool = True,
    ) -> Sequence[Hit]:
        """Message-level hits for ``query`` (``mode`` "keyword" never loads a model)."""
        ...
