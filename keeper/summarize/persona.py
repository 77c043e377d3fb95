"""The persona card: how one assistant model spoke with this user, with quoted evidence.

Everything is counted from the archive: names the assistant called the user (vocative
forms "…, Mika." and names from the profile), phrases (2–4 word n-grams) it used in
several conversations and far more than the other models did, its tone (reply length,
questions, emoji, warmth words, lists), and rituals (how replies open and close).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import apsw

from keeper.model import Persona, PersonaTrait, Quote
from keeper.store import continuity

_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]")
_WARM = re.compile(
    r"\b(?:glad|proud|love|dear|sweet|gentle|hug|care|wonderful|lovely|happy for you|"
    r"so excited|i'm here|be kind|sleep (?:well|soft)|take care)\b|❤|🥰|☺|🌙"
)  # matched against lower-cased text
_VOCATIVE = re.compile(
    r"(?:^|[,.!?…]\s*)(?:(?:hi|hey|hello|oh|goodnight|good night|morning|thank you|thanks),?\s+)?"
    r"([A-Z][a-z]{2,15})(?=[,.!?—]|\s*$)"
    r"|,\s+([A-Z][a-z]{2,15})[.!?]"
)
_NICKNAME = re.compile(
    r"(?:^|[,.!?]\s*)(?:goodnight|good night|night|morning|hey|hi|oh|okay|sleep well|sleep soft)"
    r",\s+((?:little|my|dear|sweet|silly|brave)\s+[a-z]{3,12})\b"
    r"|,\s+((?:little|my dear|dear|sweet|silly|brave)\s+[a-z]{3,12})[.!?]",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:hi|hey|hello|good (?:morning|evening|night)|goodnight|oh|ahh+|welcome back)\b",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"(?:—|-{1,2}|~)\s*([A-Z][\w ]{1,20})\s*$|(goodnight|sleep (?:well|soft)|"
    r"take care|talk soon|see you)[^.!?]*[.!?]?\s*\S*\s*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z']+")
_LIST_ITEM = re.compile(r"\n[ \t]*(?:[-*•]|\d+[.)])\s")
EDGE_WORDS = 20
PHRASE_REPLIES = 1_000  # newest replies mined for phrases (per side)
_NOT_NAMES = frozenset(
    [
        "The",
        "This",
        "That",
        "Then",
        "There",
        "What",
        "When",
        "Where",
        "Why",
        "How",
        "Yes",
        "Yeah",
        "Okay",
        "Sure",
        "Good",
        "Great",
        "Perfect",
        "Always",
        "Never",
        "Also",
        "And",
        "But",
        "Sorry",
        "Thanks",
        "Thank",
        "Hello",
        "Goodnight",
        "Obviously",
        "Absolutely",
        "Exactly",
        "Oof",
        "Wow",
        "Ahh",
        "Day",
        "Step",
        "Tip",
        "Note",
        "First",
        "Second",
        "Third",
        "Finally",
        "Otherwise",
        "Honestly",
        "Totally",
    ]
)


@dataclass(slots=True)
class _Exchange:
    user: Quote | None
    reply: Quote


def _exchanges(
    conn: apsw.Connection, model: str | None, *, exclude: bool = False, limit: int = 20_000
) -> list[_Exchange]:
    out = []
    for row in continuity.exchanges(conn, model, exclude=exclude, limit=limit):
        cid, title = str(row[0]), str(row[1] or "")
        user = None
        if row[2] is not None:
            user = Quote(str(row[2]), row[3], "user", row[5], str(row[4] or ""), cid, title)
        reply = Quote(str(row[6]), row[7], "assistant", row[9], str(row[8]), cid, title)
        out.append(_Exchange(user, reply))
    return out


def build_persona(conn: apsw.Connection, model: str | None = None) -> Persona:
    """The persona card for ``model`` (default: the assistant model with most messages).

    Cached until the archive changes."""
    counts = continuity.assistant_model_counts(conn)
    if model is None and counts:
        model = counts[0][0]
    key = f"persona:{model or ''}"
    cached = continuity.cached_value(conn, key)
    if cached is not None:
        return Persona.from_dict(cached)
    persona = _build(conn, model)
    continuity.store_value(conn, key, persona.as_dict())
    return persona


def _build(conn: apsw.Connection, model: str | None) -> Persona:
    mine = _exchanges(conn, model)
    others = [] if model is None else _exchanges(conn, model, exclude=True, limit=5_000)
    replies = [e.reply for e in mine]
    return Persona(
        model=model,
        conversations=len({q.conversation_id for q in replies}),
        messages=len(replies),
        address_forms=address_forms(replies),
        phrases=distinctive_phrases(replies, [e.reply for e in others]),
        tone=tone(replies),
        rituals=rituals(replies),
        exchanges=_examples(mine),
    )


def address_forms(replies: list[Quote], limit: int = 5) -> list[PersonaTrait]:
    """Names and nicknames the assistant addressed the user with, most frequent first."""
    found: dict[str, list[Quote]] = defaultdict(list)
    for reply in replies:
        seen = set()
        # Forms of address sit at the start or end of a reply.
        text = (
            reply.text if len(reply.text) <= 600 else reply.text[:300] + " … " + reply.text[-300:]
        )
        matches = [*_VOCATIVE.finditer(text), *_NICKNAME.finditer(text)]
        for match in matches:
            name = match.group(1) or match.group(2)
            if name and name not in _NOT_NAMES and name not in seen:
                seen.add(name)
                found[name].append(reply)
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [PersonaTrait(name, len(qs), qs[:2]) for name, qs in ranked if len(qs) >= 2][:limit]


def _ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) > 2 * EDGE_WORDS:
        # Style lives in how replies open and close; the middle is mostly topic.
        words = [*words[:EDGE_WORDS], "|", *words[-EDGE_WORDS:]]
    out = set()
    for n in sizes:
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if gram[0] in _EDGE or gram[-1] in _EDGE or "|" in gram:
                continue
            out.add(" ".join(gram))
    return out


_EDGE = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "is",
        "it's",
        "it",
        "that",
        "this",
        "with",
        "but",
        "so",
        "as",
    ]
)


def distinctive_phrases(
    replies: list[Quote], others: list[Quote], limit: int = 8
) -> list[PersonaTrait]:
    """Phrases this model used in several conversations, weighted against other models."""
    replies = replies[-PHRASE_REPLIES:]
    others = others[-PHRASE_REPLIES:]
    per_conv: dict[str, set[str]] = defaultdict(set)
    uses: Counter[str] = Counter()
    grams_of: list[set[str]] = []
    for reply in replies:
        grams = _ngrams(reply.text)
        grams_of.append(grams)
        per_conv[reply.conversation_id] |= grams
        uses.update(grams)
    spread: Counter[str] = Counter()
    for grams in per_conv.values():
        spread.update(grams)
    other_uses: Counter[str] = Counter()
    for reply in others:
        other_uses.update(_ngrams(reply.text))
    total_mine = max(1, len(replies))
    total_other = max(1, len(others))
    scored = []
    for gram, count in uses.items():
        if count < 3:
            continue
        ratio = (count / total_mine) / ((other_uses[gram] + 1) / total_other)
        scored.append((math.log1p(count) * math.log1p(ratio) * len(gram.split()), gram))
    scored.sort(reverse=True)
    picked: list[PersonaTrait] = []
    several = len(per_conv) > 1
    for _, gram in scored:
        if several and spread[gram] < 2:
            continue
        if any(gram in p.label or p.label in gram for p in picked):
            continue
        examples = [r for r, grams in zip(replies, grams_of, strict=True) if gram in grams][:2]
        picked.append(PersonaTrait(gram, uses[gram], examples))
        if len(picked) == limit:
            break
    return picked


def tone(replies: list[Quote]) -> dict[str, float]:
    """Reply length and the share of replies with questions, emoji, warmth words, lists."""
    if not replies:
        return {}
    n = len(replies)

    def share(test: Callable[[str], bool]) -> float:
        return round(sum(1 for r in replies if test(r.text)) / n, 3)

    return {
        "median_words": float(statistics.median(len(r.text.split()) for r in replies)),
        "question_rate": share(lambda t: "?" in t or "？" in t),
        "emoji_rate": share(lambda t: bool(_EMOJI.search(t))),
        "exclamation_rate": share(lambda t: "!" in t or "！" in t),
        "warmth_rate": share(lambda t: bool(_WARM.search(t.lower()))),
        "list_rate": share(lambda t: bool(_LIST_ITEM.search("\n" + t))),
    }


def rituals(replies: list[Quote], limit: int = 4) -> list[PersonaTrait]:
    """Recurring openings (greetings) and closings (sign-offs, signatures)."""
    found: dict[str, list[Quote]] = defaultdict(list)
    for reply in replies:
        text = reply.text.strip()
        opening = _GREETING.match(text)
        if opening:
            found[f"opens with “{opening.group(0).capitalize()}”"].append(reply)
        closing = _SIGNOFF.search(text[-120:])
        if closing:
            label = closing.group(1) or closing.group(2)
            found[f"signs off “{label.strip().capitalize()}”"].append(reply)
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [PersonaTrait(label, len(qs), qs[:2]) for label, qs in ranked if len(qs) >= 2][:limit]


def _examples(exchanges: list[_Exchange], limit: int = 4) -> list[tuple[Quote, Quote]]:
    """Short, warm-ish exchanges from different conversations."""
    pool = [
        e
        for e in exchanges
        if e.user is not None
        and 3 <= len(e.user.text.split()) <= 60
        and 5 <= len(e.reply.text.split()) <= 90
    ]
    pool.sort(
        key=lambda e: (
            -len(_WARM.findall(e.reply.text.lower())) - len(_EMOJI.findall(e.reply.text)),
            e.reply.create_time or 0,
        )
    )
    picked: list[tuple[Quote, Quote]] = []
    used: set[str] = set()
    for e in pool:
        if e.reply.conversation_id in used or e.user is None:
            continue
        used.add(e.reply.conversation_id)
        picked.append((e.user, e.reply))
        if len(picked) == limit:
            break
    if len(picked) < limit:
        for e in pool:
            pair = (e.user, e.reply)
            if e.user is not None and pair not in picked:
                picked.append((e.user, e.reply))
            if len(picked) == limit:
                break
    return picked
