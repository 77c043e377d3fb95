"""Key facts: short, information-dense sentences from the threads in a pack's scope.

A sentence scores for what a new model could not guess: rare words (IDF against the
archive), proper names, numbers and dates, and first-person statements ("I moved…",
"my sister…"). The user's own words count double; questions count half. Turns are ranked
first on their cached terms, and sentences are only split out of the turns that are
actually picked, so a 5,000-message thread costs a fraction of a second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from keeper.store.reader import NodeRow
from keeper.summarize.terms import terms

_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|my|we|our|me)\b|我|私|僕")  # lower-cased text
_PROPER = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+")
_NUMBER = re.compile(r"\d")
MAX_SENTENCES = 12  # per turn: facts sit early in a message; long answers are not scanned whole


@dataclass(slots=True)
class Fact:
    """A turn that may hold a key fact; ``text`` is its best sentence once picked."""

    score: float
    node: NodeRow
    conversation_id: str
    title: str
    text: str = ""
    terms: list[str] = field(default_factory=list)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(" ".join(text.split())) if s.strip()]


def _score(text: str, items: list[str], idf: dict[str, float], role: str | None) -> float:
    rarity = sum(idf.get(t, 1.0) for t in set(items)) / math.sqrt(len(items) + 2)
    score = rarity
    score += 1.0 if _FIRST_PERSON.search(text.lower()) else 0.0
    score += 0.5 * min(2, len(_PROPER.findall(text)))
    score += 0.5 if _NUMBER.search(text) else 0.0
    score *= 1.0 if role == "user" else 0.5
    if text.rstrip().endswith(("?", "？")):
        score *= 0.5  # a question is rarely a fact
    return score


def _ok(sentence: str) -> bool:
    words = sentence.count(" ") + 1
    return 5 <= words <= 45 or (not sentence.isascii() and len(sentence) >= 8)


def best_sentence(fact: Fact, idf: dict[str, float]) -> bool:
    """Fill ``fact.text``/``fact.terms`` with the turn's best sentence; False if none."""
    turn = fact.node
    limit = MAX_SENTENCES if turn.role == "user" else MAX_SENTENCES // 6
    best: tuple[float, str, list[str]] | None = None
    for sentence in _sentences(turn.text)[:limit]:
        if not _ok(sentence):
            continue
        items = terms(sentence)
        if not items:
            continue
        score = _score(sentence, items, idf, turn.role)
        if best is None or score > best[0]:
            best = (score, sentence, items)
    if best is None:
        return False
    fact.text, fact.terms = best[1], best[2]
    return True


def candidate_facts(
    turns: list[NodeRow], conversation_id: str, title: str, idf: dict[str, float]
) -> list[Fact]:
    """Every turn of one thread as a fact candidate, scored on its whole-turn terms."""
    out = []
    for turn in turns:
        items = terms(turn.text)
        if items:
            head = turn.text[:400]
            out.append(Fact(_score(head, items, idf, turn.role), turn, conversation_id, title))
    return out


def pick_facts(
    candidates: list[Fact], exclude_nodes: set[str], idf: dict[str, float], limit: int = 400
) -> list[Fact]:
    """Up to ``limit`` facts, best first, skipping cited turns and near-duplicates
    (more than 60% of terms shared with an already picked fact)."""
    picked: list[Fact] = []
    seen_terms: list[set[str]] = []
    for fact in sorted(candidates, key=lambda f: -f.score):
        if fact.node.node_id in exclude_nodes or not best_sentence(fact, idf):
            continue
        bag = set(fact.terms)
        if any(len(bag & other) > 0.6 * max(1, min(len(bag), len(other))) for other in seen_terms):
            continue
        seen_terms.append(bag)
        picked.append(fact)
        if len(picked) == limit:
            break
    return picked
