"""What a context pack needs of one thread, computed once per conversation content.

A pack over a large archive gives state cards to its 60 most meaningful threads and looks
for key facts in 200; reading and summarizing that many threads from their stored nodes
takes tens of seconds at 100k messages. A thread's digest holds what the pack takes from
it: the state card, how personal the user's turns are, the row ids of its visible user
turns (the life sheet reads a spread of them) and the best sentence of every turn
(``FactSeed``: the archive-wide rarity of its words is weighed when a pack is built). It
is kept per conversation content hash and ``DIGEST_VERSION``, in the archive
(``thread_digests``; in memory on a read-only connection), and filled for every
conversation after an import (:func:`prepare_digests`), so packs and the MCP server read
digests instead of threads.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keeper.pack.facts import FactSeed, fact_seeds
from keeper.store import continuity, reader
from keeper.summarize.engine import summarize_conversation, visible_turns
from keeper.summarize.keywords import TermWeights, term_weights
from keeper.summarize.state import ThreadState, thread_state
from keeper.text import ANALYSIS_CHARS

if TYPE_CHECKING:
    from keeper.pack.source import PackSource

# Bump when what a digest holds or how it is computed changes: older ones are recomputed.
DIGEST_VERSION = 1
BATCH = 50  # digests computed and stored per transaction while preparing
_PARSED_MAX = 4000  # parsed digests a process keeps (a read-only server asks again and again)
_PERSONAL = re.compile(
    r"\b(?:i feel|i felt|i'm (?:sad|happy|tired|scared|proud|nervous)|my (?:mom|mum|dad|"
    r"sister|brother|partner|cat|dog|friend|life)|i love|i miss|i'm worried|cry|crying)\b"
    r"|我觉得|难过|开心|想念|寂しい|嬉しい|悲しい"
)


@dataclass(frozen=True, slots=True)
class ThreadDigest:
    """One thread as a pack uses it."""

    conversation_id: str
    title: str
    message_count: int  # visible turns
    state: ThreadState | None  # None for a thread with no visible turn
    personal: float  # share of the user's turns about feelings, family, pets
    user_turns: tuple[int, ...]  # node rowids of the visible user turns, in order
    facts: tuple[FactSeed, ...]
    # Fact scores by the term weights' fingerprint: a server scores the same digests for
    # pack after pack while the archive stays the same.
    _scores: dict[str, tuple[float, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def fact_scores(self, weights: TermWeights, query: set[str] | None = None) -> Sequence[float]:
        """The score of each of :attr:`facts` against ``weights``, boosted for the words of
        ``query`` they share (``FactSeed.score``, with the archive part kept)."""
        scores = self._scores.get(weights.fingerprint)
        if scores is None:
            self._scores.clear()
            scores = self._scores[weights.fingerprint] = tuple(
                seed.score(weights.idf) for seed in self.facts
            )
        if not query:
            return scores
        size = len(query)
        return [
            score * (1.0 + 2.0 * seed.shared_terms(query) / size)
            for score, seed in zip(scores, self.facts, strict=True)
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (as stored)."""
        return {
            "conversation_id": self.conversation_id,
            "title": self.title,
            "message_count": self.message_count,
            "state": None if self.state is None else self.state.as_dict(),
            "personal": self.personal,
            "user_turns": list(self.user_turns),
            "facts": [f.as_list() for f in self.facts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThreadDigest:
        """Inverse of :meth:`as_dict`."""
        state = data["state"]
        return cls(
            conversation_id=str(data["conversation_id"]),
            title=str(data["title"]),
            message_count=int(data["message_count"]),
            state=None if state is None else ThreadState.from_dict(state),
            personal=float(data["personal"]),
            user_turns=tuple(int(r) for r in data["user_turns"]),
            facts=tuple(FactSeed.from_list(f) for f in data["facts"]),
        )


def build_digest(source: PackSource, conversation_id: str, weights: TermWeights) -> ThreadDigest:
    """Compute one thread's digest from its stored nodes (its summary is cached too)."""
    rows = reader.conversation_nodes(source.conn, conversation_id, text_chars=ANALYSIS_CHARS)
    summary = summarize_conversation(source.conn, conversation_id, rows=rows)
    turns = visible_turns(rows)
    user = [t for t in turns if t.role == "user"]
    personal = sum(1 for t in user if _PERSONAL.search(t.text.lower())) / max(1, len(user))
    return ThreadDigest(
        conversation_id=conversation_id,
        title=summary.title or "(untitled)",
        message_count=summary.message_count,
        state=thread_state(summary, turns) if summary.message_count else None,
        personal=personal,
        user_turns=tuple(t.rowid for t in user),
        facts=tuple(fact_seeds(turns, weights.idf)),
    )


_PARSED: OrderedDict[tuple[str, str, bytes], ThreadDigest] = OrderedDict()


def digests(source: PackSource, conversation_ids: Sequence[str]) -> dict[str, ThreadDigest]:
    """The digest of each conversation (unknown ids are left out): read where one is
    kept for its current content, else computed and kept."""
    conn = source.conn
    hashes = continuity.content_hashes(conn, conversation_ids)
    where = conn.db_filename("main")
    out: dict[str, ThreadDigest] = {}
    for cid, digest in hashes.items():
        parsed = _PARSED.get((where, cid, digest))
        if parsed is not None:
            _PARSED.move_to_end((where, cid, digest))
            out[cid] = parsed
    wanted = {cid: digest for cid, digest in hashes.items() if cid not in out}
    for cid, data in continuity.cached_digests(conn, wanted, DIGEST_VERSION).items():
        out[cid] = _remember(where, cid, wanted[cid], ThreadDigest.from_dict(data))
    missing = [cid for cid in wanted if cid not in out]
    if missing:
        weights = term_weights(conn)
        built = [build_digest(source, cid, weights) for cid in missing]
        continuity.store_digests(
            conn,
            [(d.conversation_id, hashes[d.conversation_id], d.as_dict()) for d in built],
            DIGEST_VERSION,
        )
        for made in built:
            out[made.conversation_id] = _remember(
                where, made.conversation_id, hashes[made.conversation_id], made
            )
    return {cid: out[cid] for cid in conversation_ids if cid in out}


def _remember(where: str, cid: str, digest: bytes, parsed: ThreadDigest) -> ThreadDigest:
    _PARSED[(where, cid, digest)] = parsed
    while len(_PARSED) > _PARSED_MAX:
        _PARSED.popitem(last=False)
    return parsed


def prepare_digests(source: PackSource, progress: Callable[[int, int], None] | None = None) -> int:
    """Compute and keep the digest of every conversation that lacks a current one (after
    an import, or in a read-only server's warm-up); the number computed. ``progress`` is
    called with (done, total) after each batch."""
    pending = continuity.undigested(source.conn, DIGEST_VERSION)
    if not pending:
        return 0
    for start in range(0, len(pending), BATCH):
        digests(source, pending[start : start + BATCH])
        if progress is not None:
            progress(min(len(pending), start + BATCH), len(pending))
    return len(pending)
