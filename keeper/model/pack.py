"""What a finished context pack is: its text, real token count and the sources it cites."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Source:
    """One conversation the pack cites."""

    conversation_id: str
    title: str
    date: str
    message_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
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
