"""Decisions, open questions and the last state of a thread, found by surface cues."""

from __future__ import annotations

import re

from keeper.model import Node

_DECISION = re.compile(
    r"\b(?:let'?s (?:go with|do|use|keep|stick)|i(?:'ll| will) (?:go with|use|do|take|try|keep)|"
    r"(?:we|i) (?:decided|chose|picked|settled)|decided to|decision|going with|final(?:ly)? "
    r"(?:version|answer|choice)|we agreed|plan is)\b|决定|就这样|にします|に決め",
)
_OPEN = re.compile(
    r"\b(?:not sure|still (?:need|have) to|todo|to-do|next time|later|haven'?t decided|"
    r"open question|what should i|should i|will get back|pick (?:this|it) up)\b|还没|まだ"
)
# Both patterns run on lower-cased text: case-insensitive alternations are several times
# slower in Python's re.


_DECISION_HINTS = (
    "let",
    "i'll",
    "i will",
    "decid",
    "decision",
    "chose",
    "picked",
    "settled",
    "going with",
    "final",
    "agreed",
    "plan is",
    "决定",
    "就这样",
    "にします",
    "に決め",
)


def _decides(text: str) -> bool:
    lowered = text.lower()
    # Plain substring checks first: they rule out most turns far faster than the regex.
    return any(h in lowered for h in _DECISION_HINTS) and bool(_DECISION.search(lowered))


def decisions(turns: list[Node], limit: int = 3) -> list[Node]:
    """The last ``limit`` turns that state a decision."""
    found = [t for t in turns if _decides(t.text)]
    return found[-limit:]


def open_questions(turns: list[Node], limit: int = 3) -> list[Node]:
    """User questions or to-dos from the last third of the thread, newest last."""
    tail = turns[len(turns) * 2 // 3 :] if len(turns) > 6 else turns
    found = [
        t
        for t in tail
        if t.role == "user" and ("?" in t.text or "？" in t.text or _OPEN.search(t.text.lower()))
    ]
    return found[-limit:]


def last_state(turns: list[Node]) -> list[Node]:
    """The final user turn and the final assistant turn, in order."""
    out: list[Node] = []
    for role in ("user", "assistant"):
        last = next((t for t in reversed(turns) if t.role == role), None)
        if last is not None:
            out.append(last)
    return sorted(out, key=lambda t: turns.index(t))
