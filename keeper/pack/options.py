"""What a context pack is asked for and what comes back."""

from __future__ import annotations

from dataclasses import dataclass

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
