"""A thread's state card: what it is, dated chapters, where we left off, open, decided.

Built from a summary's chapters (or the thread's sessions when it has none) and the
visible turns, all extractive:

- a chapter's line is its best *user* sentences (the person's own words say what the
  chapter was about; the assistant's say what it suggested);
- *still open*: a user question the assistant could not settle and the user never came
  back to, the user's deferral ("tomorrow", "not sure yet"), or a plan ("I'll…",
  "I want to…") never reported done later (a later user turn sharing most of its words);
- *decided*: the user accepting a proposal ("I'm using that. Exactly as it is.",
  "Kinako. Perfect.") or stating their own decision ("I decided…", "决定…").

A question answered later is never open: a question counts only when no later user turn
takes it up and the reply did not close it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from keeper import timefmt
from keeper.model import Node, Quote, Summary
from keeper.summarize.sentences import split_sentences
from keeper.summarize.terms import terms

SESSION_GAP_S = 6 * 3600  # a pause this long starts a new session
_ACCEPT = re.compile(
    r"\b(?:perfect|exactly|i'?m using (?:that|it|this)|i'?ll (?:use|take|go with) (?:that|it|this)|"
    r"let'?s (?:do|go with|use) (?:that|it|this)|sounds good|deal|love (?:it|that)|that'?s it|"
    r"yes,? (?:that|this)|i'?ll take it|done deal|agreed|good idea|that works)\b"
    r"|就这样|就用|就叫|好主意|决定了|決めた|それにする|いいね"
)
_OWN_DECISION = re.compile(
    r"\b(?:i(?:'ve)? decided|i'?m going with|i chose|i picked|i settled on|we decided|"
    r"i'?ll go with|final answer|my decision|i'?m (?:definitely|really) going to)\b"
    r"|我决定|决定了|に決め|ことにした"
)
_DEFER = re.compile(
    r"\b(?:tomorrow|not sure|haven'?t decided|undecided|later|next (?:week|time|month)|"
    r"i'?ll think|still need to|still have to|not yet|someday|one day)\b"
    r"|还没想好|以后再|明天再|下次再|また今度|あとで|明日また|そのうち"
)
_PLAN = re.compile(
    r"\b(?:i'?ll|i will|i'?m going to|i want to|i need to|i plan to|i'?m planning|"
    r"i hope to|new idea|next project|thinking of starting)\b|打算|计划|新的想法|つもり|予定"
)
_PROPOSAL = re.compile(
    r"\?|？|\b(?:try|how about|what if|you could|maybe|option|suggest|here'?s|want me to)\b"
    r"|可以|试试|要不|建议|不如|怎么样|どう|してみ"
)


@dataclass(slots=True)
class ChapterLine:
    """One dated chapter of a thread and the user's own sentences about it."""

    start: str
    end: str
    title: str
    lines: list[Quote]


@dataclass(slots=True)
class ThreadState:
    """A thread as a state card (every line is a quote with its message)."""

    conversation_id: str
    title: str
    start: str
    end: str
    sessions: int
    user_turns: int
    what: list[Quote] = field(default_factory=list)
    chapters: list[ChapterLine] = field(default_factory=list)
    left_off: list[Quote] = field(default_factory=list)
    still_open: list[Quote] = field(default_factory=list)
    decided: list[tuple[Quote, Quote | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (kept in the thread's digest)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThreadState:
        """Inverse of :meth:`as_dict`."""

        def quotes(items: list[dict[str, Any]]) -> list[Quote]:
            return [Quote(**q) for q in items]

        return cls(
            conversation_id=data["conversation_id"],
            title=data["title"],
            start=data["start"],
            end=data["end"],
            sessions=data["sessions"],
            user_turns=data["user_turns"],
            what=quotes(data["what"]),
            chapters=[
                ChapterLine(c["start"], c["end"], c["title"], quotes(c["lines"]))
                for c in data["chapters"]
            ],
            left_off=quotes(data["left_off"]),
            still_open=quotes(data["still_open"]),
            decided=[
                (Quote(**ask), None if answer is None else Quote(**answer))
                for ask, answer in data["decided"]
            ],
        )


def day(epoch: float | None) -> str:
    """The local day (``YYYY-MM-DD``, as everywhere keeper shows dates), or ``undated``."""
    return timefmt.day(epoch)


def _quote(summary: Summary, node: Node, text: str) -> Quote:
    return Quote(
        node.node_id,
        node.message_id,
        node.role,
        node.create_time,
        text,
        summary.conversation_id,
        summary.title,
    )


def best_sentences(text: str, count: int = 1, width: int = 200) -> str:
    """The ``count`` most informative sentences of ``text`` (in their order), each whole."""
    sentences = [s for s in split_sentences(text) if len(s) <= width * 2]
    if not sentences:
        return ""
    scored = sorted(
        range(len(sentences)),
        key=lambda i: -(len(set(terms(sentences[i]))) + (0.5 if i == 0 else 0.0)),
    )
    keep = sorted(scored[:count])
    return " ".join(sentences[i] for i in keep)


def sessions(turns: list[Node]) -> list[list[Node]]:
    """The thread cut wherever the user came back after a long pause."""
    out: list[list[Node]] = []
    last: float | None = None
    for turn in turns:
        when = turn.create_time
        if not out or (when is not None and last is not None and when - last > SESSION_GAP_S):
            out.append([])
        out[-1].append(turn)
        if when is not None:
            last = when
    return out


def _says(turn: Node) -> bool:
    return len(set(terms(turn.text))) >= 4 or not turn.text.isascii()


def _is_question(text: str) -> bool:
    return text.rstrip().endswith(("?", "？")) or "?" in text[-80:]


def _answered_later(turn_terms: set[str], postings: dict[str, list[int]], after: int) -> bool:
    """Whether a user turn after position ``after`` shares a third of ``turn_terms``."""
    if not turn_terms:
        return True
    need = max(1, len(turn_terms) // 3)
    shared: dict[int, int] = {}
    for term in turn_terms:
        for pos in postings.get(term, ()):
            if pos > after:
                shared[pos] = shared.get(pos, 0) + 1
                if shared[pos] >= need:
                    return True
    return False


def thread_state(summary: Summary, turns: list[Node], chapters: int = 6) -> ThreadState:
    """The state card of one thread from its summary and visible turns."""
    groups = sessions(turns)
    user = [t for t in turns if t.role == "user"]
    state = ThreadState(
        summary.conversation_id,
        summary.title,
        day(turns[0].create_time if turns else summary.create_time),
        day(turns[-1].create_time if turns else summary.update_time),
        len(groups),
        len(user),
    )
    if not turns:
        return state
    # What it is: the most telling of the user's first turns (not a greeting).
    opening = [t for t in turns if t.role == "user"][:3] or turns[:1]
    first_user = max(opening, key=lambda t: len(set(terms(t.text))))
    state.what = [_quote(summary, first_user, best_sentences(first_user.text, 2))]
    state.chapters = _chapter_lines(summary, turns, groups, chapters)
    index = {t.node_id: i for i, t in enumerate(turns)}
    tail = groups[-1]
    subject = max(
        (t for t in tail if t.role == "user"), key=lambda t: len(set(terms(t.text))), default=None
    )
    # The last turns that say something (a "Take care!" is not where we left off).
    last_user = next((t for t in reversed(tail) if t.role == "user" and _says(t)), None)
    last_reply = next((t for t in reversed(tail) if t.role == "assistant" and _says(t)), None)
    seen: set[str] = set()
    for node in (subject, last_user, last_reply):
        if node is not None and node.node_id not in seen and node is not first_user:
            seen.add(node.node_id)
            state.left_off.append(_quote(summary, node, best_sentences(node.text, 2)))
    state.left_off.sort(key=lambda q: index.get(q.node_id, 0))
    last_start = len(turns) - len(groups[-1])
    state.still_open = _open(summary, turns, last_start)
    state.decided = _decided(summary, turns)
    return state


def _chapter_lines(
    summary: Summary, turns: list[Node], groups: list[list[Node]], limit: int
) -> list[ChapterLine]:
    index = {t.node_id: i for i, t in enumerate(turns)}
    spans: list[tuple[str, list[Node]]] = []
    if summary.chapters:
        for chapter in summary.chapters:
            start = index.get(chapter.start_node)
            end = index.get(chapter.end_node)
            if start is not None and end is not None:
                spans.append((chapter.title, turns[start : end + 1]))
    elif len(groups) > 1:
        spans = [("", group) for group in groups]
    out = []
    for title, span in spans:
        mine = [t for t in span if t.role == "user"] or span
        # The user's most telling turn: the most distinct terms, the longer the better.
        best = max(mine, key=lambda t: len(set(terms(t.text))))
        line = best_sentences(best.text, 2)
        if not line:
            continue
        out.append(
            ChapterLine(
                day(span[0].create_time),
                day(span[-1].create_time),
                title,
                [_quote(summary, best, line)],
            )
        )
    if len(out) > limit:
        # Keep the first and the latest chapters and evenly spaced ones between.
        step = (len(out) - 1) / (limit - 1)
        out = [out[round(i * step)] for i in range(limit)]
    return out


def _open(summary: Summary, turns: list[Node], last_session: int, limit: int = 3) -> list[Quote]:
    user_terms = [(i, set(terms(t.text))) for i, t in enumerate(turns) if t.role == "user"]
    postings: dict[str, list[int]] = {}
    for pos, (_, mine) in enumerate(user_terms):
        for term in mine:
            postings.setdefault(term, []).append(pos)
    found: list[Quote] = []
    for pos, (i, mine) in enumerate(user_terms):
        turn = turns[i]
        lowered = turn.text.lower()
        asks = _is_question(turn.text)
        if not asks and not _PLAN.search(lowered):
            continue
        reply = turns[i + 1] if i + 1 < len(turns) and turns[i + 1].role == "assistant" else None
        next_user = turns[user_terms[pos + 1][0]] if pos + 1 < len(user_terms) else None
        if asks:
            # Open only when nobody settled it: no reply at all, or the user's next turn
            # put it off ("Tomorrow, I'm too tired"), and no later turn took it up again.
            deferred = (
                next_user is not None
                and len(next_user.text) <= 120
                and bool(_DEFER.search(next_user.text.lower()))
                and not _ACCEPT.search(next_user.text.lower())
            )
            unanswered = reply is None and pos == len(user_terms) - 1
            if (unanswered or deferred) and not _answered_later(mine, postings, pos + 1):
                asked = [s for s in split_sentences(turn.text) if _is_question(s)]
                found.append(_quote(summary, turn, asked[-1] if asked else turn.text))
        elif _PLAN.search(lowered) and (i >= last_session or _DEFER.search(lowered)):
            plan = next(
                (s for s in split_sentences(turn.text) if _PLAN.search(s.lower())), turn.text
            )
            if not _answered_later(set(terms(plan)), postings, pos):
                found.append(_quote(summary, turn, plan))
    return found[-limit:]


def _decided(
    summary: Summary, turns: list[Node], limit: int = 3
) -> list[tuple[Quote, Quote | None]]:
    found: list[tuple[Quote, Quote | None]] = []
    for i, turn in enumerate(turns):
        if turn.role != "user":
            continue
        lowered = turn.text.lower()
        previous = turns[i - 1] if i and turns[i - 1].role == "assistant" else None
        short = len(turn.text.split()) <= 20 or len(turn.text) <= 40
        if (
            short
            and previous is not None
            and _ACCEPT.search(lowered)
            and _PROPOSAL.search(previous.text.lower())
        ):
            proposal = _quote(summary, previous, best_sentences(previous.text, 1))
            found.append((_quote(summary, turn, best_sentences(turn.text, 2)), proposal))
        elif _OWN_DECISION.search(lowered) and not _is_question(turn.text):
            sentence = next(
                (s for s in split_sentences(turn.text) if _OWN_DECISION.search(s.lower())),
                turn.text,
            )
            found.append((_quote(summary, turn, sentence), None))
    return found[-limit:]
