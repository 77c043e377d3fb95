"""The domain types every layer passes around: frozen dataclasses and their enums.

The store converts its rows into these at its boundary; the library returns them; only the
JSON edge (``as_dict``) turns them into dicts. The enums are ``StrEnum``: a member equals
its string, so stored values, JSON and SQL stay the plain strings they always were.

``core``: conversations, nodes, hits, search results and the enums; ``summary``: summaries
and persona cards; ``pack``: finished context packs; ``report``: what an import did.
"""

from keeper.model.core import (
    INCOMPLETE_SOURCE,
    AnomalyKind,
    Conversation,
    EmbeddingStatus,
    ForgetReport,
    Hit,
    ImportStatus,
    Node,
    NodeKind,
    SearchResult,
    TreeNode,
)
from keeper.model.pack import Pack, Source
from keeper.model.report import ImportReport
from keeper.model.summary import Chapter, Persona, PersonaTrait, Quote, Summary, TimelineEntry

__all__ = [
    "INCOMPLETE_SOURCE",
    "AnomalyKind",
    "Chapter",
    "Conversation",
    "EmbeddingStatus",
    "ForgetReport",
    "Hit",
    "ImportReport",
    "ImportStatus",
    "Node",
    "NodeKind",
    "Pack",
    "Persona",
    "PersonaTrait",
    "Quote",
    "SearchResult",
    "Source",
    "Summary",
    "TimelineEntry",
    "TreeNode",
]
