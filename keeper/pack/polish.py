"""Optional LLM polish of state cards (``--llm URL``), checked against the evidence.

The model sees only what keeper selected for a card: its quotes, each numbered ``#k`` as in
the pack. It is asked for two to four sentences on where the thread stands, citing ``#k``
after each claim and putting any quotation in “…”. keeper then checks the answer: every
cited ``#k`` must be one the card gave, and every quotation must appear word for word in
the quotes it was shown. An answer that fails a check, or an endpoint that fails, leaves
the extractive card as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keeper.config import LlmEndpoint
from keeper.errors import KeeperError
from keeper.summarize.llm import chat

_QUOTE_IN_CARD = re.compile(r"“([^”]+)” #(\d+)")
_CITED = re.compile(r"#(\d+)\b")
_QUOTED = re.compile(r"[“\"]([^”\"]{4,})[”\"]")
SYSTEM = (
    "You summarise where a conversation thread stands for the assistant who will continue "
    "it. Use only the numbered quotes given. Cite the quote number (#3) after every claim. "
    "Quote only exact words, in “curly quotes”. Two to four sentences, no lists."
)


@dataclass(slots=True)
class PolishResult:
    """What the polish did: cards rewritten and cards left extractive."""

    polished: int = 0
    fell_back: int = 0


def evidence(card: str) -> dict[str, str]:
    """The card's quotes by their ``#k`` number."""
    out: dict[str, str] = {}
    for text, number in _QUOTE_IN_CARD.findall(card):
        out.setdefault(number, text.rstrip("…"))
    return out


def verified(answer: str, quotes: dict[str, str]) -> bool:
    """Every cited number is one of the card's, at least one is cited, and every
    quotation appears in a quote the model was shown."""
    cited = set(_CITED.findall(answer))
    if not cited or not cited <= set(quotes):
        return False
    shown = " ".join(quotes.values())
    return all(q.strip() in shown for q in _QUOTED.findall(answer))


def polish_card(endpoint: LlmEndpoint, title: str, card: str) -> str | None:
    """A checked few-sentence summary of ``card``, or None (then the card stays as is)."""
    quotes = evidence(card)
    if not quotes:
        return None
    listing = "\n".join(f"#{k}: “{v}”" for k, v in quotes.items())
    prompt = f"Thread: {title}\n\nQuotes:\n{listing}\n\nWhere does this thread stand?"
    try:
        answer = " ".join(chat(endpoint, SYSTEM, prompt).split())
    except KeeperError:
        return None
    return answer if verified(answer, quotes) else None
