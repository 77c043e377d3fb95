"""Key facts: whole sentences a new model could not guess, the user's own first.

A sentence scores for rare words (IDF against the archive), names, numbers and dates,
and statements about someone's life ("I moved…", "my sister…"); advice ("you could try…")
and questions score low, and the assistant's sentences count for less than the user's.
With a query (``--search``) the sentences that share its words rank first. Sentences come
from ``keeper.summarize.sentences``, so "4.6 kilos" or "Dr. Lee" stay whole; fragments
and near-repeats (most words shared with a picked fact) are skipped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from keeper.model import Node
from keeper.summarize.sentences import split_sentences
from keeper.summarize.terms import terms

_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i was|my|we|we're|our|me)\b|我|私|僕|俺")
_ADVICE = re.compile(
    r"^(?:you (?:could|can|might|should)|try|consider|make sure|remember to|here'?s|let'?s|"
    r"if you|feel free|don'?t forget)\b|\b(?:i'?d suggest|i recommend)\b"
)
_PROPER = re.compile(r"(?<=[\w,;:] )[A-Z][a-z]+")
_NUMBER = re.compile(r"\d")
MAX_SENTENCES = 14  # per turn: facts sit early in a message; long answers are not scanned whole
MIN_WORDS = 4
MAX_CHARS = 260
TURN_POOL = 300
ASSISTANT_WEIGHT = 0.9  # the other side's statements count too; its advice is penalised above


@dataclass(slots=True)
class Fact:
    """One candidate sentence with its turn."""

    score: float
    node: Node
    conversation_id: str
    text: str
    terms: list[str] = field(default_factory=list)


def _ok(sentence: str) -> bool:
    if len(sentence) > MAX_CHARS:
        return False
    if sentence.isascii():
        return len(sentence.split()) >= MIN_WORDS
    return len(sentence) >= 6


def score_sentence(
    sentence: str, items: list[str], idf: dict[str, float], role: str | None, query: set[str]
) -> float:
    """How much a new model would learn from ``sentence`` (see module docstring)."""
    rarity = sum(idf.get(t, 1.0) for t in set(items)) / math.sqrt(len(items) + 3)
    lowered = sentence.lower()
    score = rarity
    score += 1.0 if _FIRST_PERSON.search(lowered) else 0.0
    score += 0.5 * min(2, len(_PROPER.findall(sentence)))
    score += 0.5 if _NUMBER.search(sentence) else 0.0
    if _ADVICE.search(lowered):
        score *= 0.4
    if sentence.rstrip().endswith(("?", "？")):
        score *= 0.4
    score *= 1.0 if role == "user" else ASSISTANT_WEIGHT
    if query:
        shared = len(query & set(items))
        score *= 1.0 + 2.0 * shared / len(query)
    return score


def candidate_facts(
    turns: list[Node],
    conversation_id: str,
    idf: dict[str, float],
    query: set[str] | None = None,
) -> list[Fact]:
    """The best sentence of every turn of one thread, scored. In a long thread only the
    ``TURN_POOL`` turns that score best as a whole (on their cached terms) are split into
    sentences, so a 5,000-message thread costs a fraction of a second."""
    out = []
    wanted = query or set()
    if len(turns) > TURN_POOL:

        def whole(turn: Node) -> float:
            items = set(terms(turn.text))
            rarity = sum(idf.get(t, 1.0) for t in items) / math.sqrt(len(items) + 3)
            shared = len(wanted & items) / len(wanted) if wanted else 0.0
            return rarity * (1.0 if turn.role == "user" else ASSISTANT_WEIGHT) * (1 + 2 * shared)

        turns = sorted(turns, key=whole, reverse=True)[:TURN_POOL]
    for turn in turns:
        limit = MAX_SENTENCES if turn.role == "user" else MAX_SENTENCES // 2
        best: Fact | None = None
        for sentence in split_sentences(turn.text)[:limit]:
            if not _ok(sentence):
                continue
            items = terms(sentence)
            if len(items) < 2:
                continue
            score = score_sentence(sentence, items, idf, turn.role, wanted)
            if best is None or score > best.score:
                best = Fact(score, turn, conversation_id, sentence, items)
        if best is not None:
            out.append(best)
    return out


def pick_facts(candidates: list[Fact], exclude_nodes: set[str], limit: int = 600) -> list[Fact]:
    """Up to ``limit`` facts, best first, skipping quoted turns and near-duplicates (more
    than 60% of terms shared with an already picked fact)."""
    picked: list[Fact] = []
    bags: list[set[str]] = []
    holders: dict[str, list[int]] = {}  # term -> picked facts that have it
    for fact in sorted(candidates, key=lambda f: -f.score):
        if fact.node.node_id in exclude_nodes:
            continue
        bag = set(fact.terms)
        shared: dict[int, int] = {}
        for term in bag:
            for i in holders.get(term, ()):
                shared[i] = shared.get(i, 0) + 1
        if any(n > 0.6 * max(1, min(len(bag), len(bags[i]))) for i, n in shared.items()):
            continue
        for term in bag:
            holders.setdefault(term, []).append(len(bags))
        bags.append(bag)
        picked.append(fact)
        if len(picked) == limit:
            break
    return picked
