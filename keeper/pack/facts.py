"""Key facts: whole sentences a new model could not guess, the user's own first.

A sentence scores for rare words (IDF against the archive), names, numbers and dates,
and statements about someone's life ("I moved…", "my sister…"); advice ("you could try…")
and questions score low, and the assistant's sentences count for less than the user's.
With a query (``--search``) the sentences that share its words rank first. Sentences come
from ``keeper.summarize.sentences``, so "4.6 kilos" or "Dr. Lee" stay whole; fragments
and near-repeats (most words shared with a picked fact) are skipped. Each turn's best
sentence is chosen once per thread content (``FactSeed``, kept in the thread's digest);
the rarity of its words and the query are weighed when a pack is built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import NamedTuple

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


@dataclass(frozen=True, slots=True)
class FactSeed:
    """The best sentence of one turn, with what its score owes to the sentence alone
    (``bonus`` and ``factor``); the rarity of its words is added when a pack is built,
    against the archive's term statistics of that moment (see :meth:`score`)."""

    node_id: str
    message_id: str | None
    role: str | None
    text: str
    terms: tuple[str, ...]
    bonus: float
    factor: float
    # Derived once (a pack weighs tens of thousands of seeds): distinct terms, length norm.
    _distinct: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _norm: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # In first-seen order, not a set's: a float sum's last bit depends on the order,
        # and hash order changes from run to run (equal scores would swap at random).
        object.__setattr__(self, "_distinct", tuple(dict.fromkeys(self.terms)))
        object.__setattr__(self, "_norm", 1.0 / math.sqrt(len(self.terms) + 3))

    def score(self, idf: dict[str, float]) -> float:
        """How much a new model would learn from this sentence (see module docstring);
        a pack's ``--search`` words raise it further (``ThreadDigest.fact_scores``)."""
        lookup = idf.get
        rare = sum(lookup(t, 1.0) for t in self._distinct) * self._norm
        return (rare + self.bonus) * self.factor

    def shared_terms(self, query: set[str]) -> int:
        """How many of ``query``'s terms this sentence has."""
        return len(query.intersection(self._distinct))

    def as_list(self) -> list[object]:
        """Compact JSON-ready form (a thread digest holds hundreds of these)."""
        return [
            self.node_id,
            self.message_id,
            self.role,
            self.text,
            list(self.terms),
            self.bonus,
            self.factor,
        ]

    @classmethod
    def from_list(cls, item: list[object]) -> FactSeed:
        """Inverse of :meth:`as_list`."""
        node_id, message_id, role, text, items, bonus, factor = item
        return cls(
            str(node_id),
            None if message_id is None else str(message_id),
            None if role is None else str(role),
            str(text),
            tuple(str(t) for t in items),  # type: ignore[attr-defined]
            float(bonus),  # type: ignore[arg-type]
            float(factor),  # type: ignore[arg-type]
        )


class Fact(NamedTuple):
    """One candidate sentence, scored for this pack (a tuple: a pack scores tens of
    thousands of them)."""

    score: float
    seed: FactSeed
    conversation_id: str


def _ok(sentence: str) -> bool:
    if len(sentence) > MAX_CHARS:
        return False
    if sentence.isascii():
        return len(sentence.split()) >= MIN_WORDS
    return len(sentence) >= 6


def sentence_weights(sentence: str, role: str | None) -> tuple[float, float]:
    """What a sentence's score owes to itself: (bonus added to its rarity, factor applied
    after): first person, names and numbers add; advice, questions and the other side's
    voice scale it down."""
    lowered = sentence.lower()
    bonus = 1.0 if _FIRST_PERSON.search(lowered) else 0.0
    bonus += 0.5 * min(2, len(_PROPER.findall(sentence)))
    bonus += 0.5 if _NUMBER.search(sentence) else 0.0
    factor = 0.4 if _ADVICE.search(lowered) else 1.0
    if sentence.rstrip().endswith(("?", "？")):
        factor *= 0.4
    factor *= 1.0 if role == "user" else ASSISTANT_WEIGHT
    return bonus, factor


def fact_seeds(turns: list[Node], idf: dict[str, float]) -> list[FactSeed]:
    """The best sentence of every turn of one thread. In a long thread only the
    ``TURN_POOL`` turns that score best as a whole (on their cached terms) are split into
    sentences, so a 5,000-message thread costs a fraction of a second."""
    out = []
    if len(turns) > TURN_POOL:

        def whole(turn: Node) -> float:
            items = dict.fromkeys(terms(turn.text))  # ordered, as in FactSeed
            score = sum(idf.get(t, 1.0) for t in items) / math.sqrt(len(items) + 3)
            return score * (1.0 if turn.role == "user" else ASSISTANT_WEIGHT)

        turns = sorted(turns, key=whole, reverse=True)[:TURN_POOL]
    for turn in turns:
        limit = MAX_SENTENCES if turn.role == "user" else MAX_SENTENCES // 2
        best: FactSeed | None = None
        best_score = 0.0
        for sentence in split_sentences(turn.text)[:limit]:
            if not _ok(sentence):
                continue
            items = tuple(terms(sentence))
            if len(items) < 2:
                continue
            bonus, factor = sentence_weights(sentence, turn.role)
            seed = FactSeed(
                turn.node_id, turn.message_id, turn.role, sentence, items, bonus, factor
            )
            score = seed.score(idf)
            if best is None or score > best_score:
                best, best_score = seed, score
        if best is not None:
            out.append(best)
    return out


def ranked(pool: Sequence[tuple[str, Sequence[FactSeed], Sequence[float]]]) -> Iterator[Fact]:
    """The candidates of every (conversation id, seeds, their scores) in ``pool``, best
    first (equal scores in pool order), each made only when it is taken: a pack over a
    large archive weighs tens of thousands and takes a few dozen."""
    seeds = list(chain.from_iterable(items for _, items, _ in pool))
    owners = list(chain.from_iterable(repeat(cid, len(items)) for cid, items, _ in pool))
    scores = list(chain.from_iterable(values for _, _, values in pool))
    for i in sorted(range(len(scores)), key=scores.__getitem__, reverse=True):
        yield Fact(scores[i], seeds[i], owners[i])


def pick_facts(
    candidates: Iterable[Fact], exclude_nodes: set[str], limit: int = 600
) -> Iterator[Fact]:
    """Up to ``limit`` of ``candidates`` (best first), skipping quoted turns and
    near-duplicates (more than 60% of terms shared with an already picked fact). Lazy: a
    pack stops taking facts when its budget is spent, long before the limit."""
    picked = 0
    bags: list[set[str]] = []
    holders: dict[str, list[int]] = {}  # term -> picked facts that have it
    for fact in candidates:
        if fact.seed.node_id in exclude_nodes:
            continue
        bag = set(fact.seed.terms)
        shared: dict[int, int] = {}
        for term in bag:
            for i in holders.get(term, ()):
                shared[i] = shared.get(i, 0) + 1
        if any(n > 0.6 * max(1, min(len(bag), len(bags[i]))) for i, n in shared.items()):
            continue
        for term in bag:
            holders.setdefault(term, []).append(len(bags))
        bags.append(bag)
        yield fact
        picked += 1
        if picked == limit:
            return
