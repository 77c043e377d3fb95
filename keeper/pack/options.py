"""What a context pack is asked for and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TARGETS = ("generic", "chatgpt", "claude", "gemini", "system-prompt")
MIN_BUDGET = 300
"""The smallest token budget a pack can be built in (CLI and TUI alike)."""


@dataclass(frozen=True, slots=True)
class PackOptions:
    """The scope, size and shape of a context pack. No scope means the whole archive."""

    conversations: tuple[str, ...] = ()
    search: str | None = None
    project: str | None = None
    since: float | None = None
    model: str | None = None
    budget: int = 8000
    target: str = "generic"
    redact: bool = False
    redact_names: bool = False  # with redact: also mask the names in the people sheet
    llm_url: str | None = None


@dataclass(slots=True)
class Source:
    """One conversation the pack cites."""

    conversation_id: str
    title: str
    date: str
    message_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Pack:
    """A finished context pack: its text, real token count (``tokenizer``), sources with
    every quoted message, what was masked, target fields, and what citations cost."""

    text: str
    tokens: int
    budget: int
    target: str
    tokenizer: str
    sources: list[Source]
    redactions: list[dict[str, Any]]
    fields: dict[str, str] = field(default_factory=dict)
    citation_tokens: int = 0
    llm: dict[str, int] = field(default_factory=dict)  # cards polished / left extractive

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "text": self.text,
            "tokens": self.tokens,
            "budget": self.budget,
            "target": self.target,
            "tokenizer": self.tokenizer,
            "citation_tokens": self.citation_tokens,
            "llm": self.llm,
            "sources": [
                {
                    "conversation_id": s.conversation_id,
                    "title": s.title,
                    "date": s.date,
                    "message_ids": s.message_ids,
                }
                for s in self.sources
            ],
            "redactions": self.redactions,
            "fields": self.fields,
        }
