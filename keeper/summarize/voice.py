"""The voice of the old assistant, for the new model to continue in, with evidence.

On top of the persona card's counts (``keeper.summarize.persona``) this finds what a
reader would call the relationship: the name the user gave the assistant (how the user
addressed it, how it signed, what the memories and custom instructions say), shared
phrases (word groups both sides used in several sessions, within one long thread as much
as across conversations), characteristic behaviours, what the user pushed back on, the
tone in words, and one exchange per register (comfort, celebration, critique, everyday),
each short enough to quote whole.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import apsw
import orjson

from keeper.model import PersonaTrait, Quote
from keeper.store import continuity
from keeper.summarize.keywords import term_weights
from keeper.summarize.persona import _NOT_NAMES, address_forms, rituals, tone

_USER_VOCATIVE = re.compile(
    r"^([A-Z][a-z]{1,15}),\s|[,.!]\s+([A-Z][a-z]{1,15})[.!?]*\s*$"
    r"|\b(?:thanks|thank you|goodnight|good night|night|hi|hey|hello|morning|love you),?\s+"
    r"([A-Z][a-z]{1,15})\b"
)
_SIGNATURE = re.compile(r"(?:—|–|-{1,2}|~)\s*([A-Z][a-z]{1,15})\s*[.!]?\s*$")
_CALLS = re.compile(
    r"\b(?:call(?:s|ed)? (?:the assistant|you|it|chatgpt)|your name is|named you|"
    r"i call you)\s+['\"“‘]?([A-Z][a-z]{1,15})"
)
_CJK_NAME = r"([\u4e00-\u9fff\u30a0-\u30ff]{2,4})"
# A CJK form of address: at the start of a turn before a comma, or after a comma at the end
# of a clause ("晚安，小太阳。", "阿澈，你在吗？").
_CJK_START = re.compile(rf"^{_CJK_NAME}[，,、]")
_CJK_AFTER_COMMA = re.compile(rf"(?<=[，,、])\s*{_CJK_NAME}(?=[。！？!?…~～，,]|——|\s|$)")
_CJK_NOT_NAMES = frozenset(
    [
        "谢谢",
        "没关系",
        "好的",
        "今天",
        "明天",
        "昨天",
        "现在",
        "真的",
        "其实",
        "然后",
        "所以",
        "但是",
        "不过",
        "可是",
        "好吧",
        "嗯嗯",
        "哈哈",
        "慢慢说",
        "对了",
        "还有",
        "晚安",
        "早安",
        "你好",
        "加油",
        "太好了",
        "太棒了",
        "欢迎回来",
        "那就定了",
        "没事",
        "是的",
        "当然",
        "ありがとう",
        "おやすみ",
        "こんにちは",
    ]
)
_WORD = re.compile(r"[a-z']+")
_URL = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
_PHRASE_STOP = frozenset(
    [
        "i",
        "you",
        "me",
        "my",
        "your",
        "we",
        "our",
        "it",
        "its",
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "so",
        "that",
        "this",
        "with",
        "as",
        "if",
        "just",
        "it's",
        "i'm",
        "you're",
        "that's",
        "what",
        "how",
        "do",
        "did",
        "not",
        "no",
        "yes",
    ]
)
_COMMON_PHRASE = frozenset(
    [
        "thank you",
        "let me know",
        "i think",
        "you can",
        "of course",
        "a lot",
        "right now",
        "good night",
        "i know",
        "i love",
        "you are",
        "make sure",
        "feel free",
        "a little",
        "at least",
        "i hope",
        "so much",
        "sounds like",
    ]
)
_COMFORT = re.compile(
    r"\b(?:sad|tired|exhausted|hurt|cry|crying|cried|rejected|anxious|anxiety|can'?t sleep|"
    r"lonely|scared|stressed|awful|a lot today|was a lot|bad day|hard day|rough day|"
    r"can'?t stop|miss (?:her|him|them))\b"
    r"|难过|累|哭|寂しい|疲れ"
)
_CELEBRATE = re.compile(
    r"!!|\b(?:we made it|big news|i did it|finished|got the job|loved|went to the printer|"
    r"passed|booked)\b|成功|やった"
)
_CRITIQUE = re.compile(
    r"\b(?:feedback|critique|what do you think|be honest|honest opinion|review|is this good|"
    r"does this work|draft)\b|你觉得|どう思う"
)
_PUSHBACK = re.compile(
    r"^(?:no[,.!]|nope|stop|don'?t|please don'?t|that'?s not|not like that|actually[,]? no|"
    r"i said|too long|too much|less|shorter|i didn'?t ask)|\b(?:don'?t (?:do|say|use|call)|"
    r"stop (?:saying|using|doing)|i hate when|please stop|no more)\b|不要|别再|やめて"
)
_CHOICE_Q = re.compile(r"\b(?:do you want|would you like|want)\b[^?]{0,80}\bor\b[^?]{0,80}\?")
_BEHAVIOURS = (
    (_CHOICE_Q, "ask whether I want one thing or another (e.g. to vent or to problem-solve)"),
    (re.compile(r"\b(?:i'?m so proud|proud of you)\b"), "say you are proud of me"),
    (
        re.compile(r"\b(?:try|start with|first,?)\b[^.]{0,60}\b(?:tonight|tomorrow|one)\b"),
        "turn a problem into one small concrete step",
    ),
    (
        re.compile(r"\b(?:do you remember|remember when|that night in)\b"),
        "remember earlier moments and bring them back",
    ),
    (
        re.compile(r"\b(?:it'?s okay to|it'?s normal to|would sting anyone|of course you)\b"),
        "name my feeling before you advise",
    ),
)
EXAMPLE_WORDS = 90
PHRASE_TURNS = 300  # turns per side mined for shared phrases (evenly spaced)
SCOPE_REPLIES = 2 * PHRASE_TURNS  # replies a scoped voice reads at most (evenly spaced)
PHRASE_EDGE = 40  # words from each end of a long turn


@dataclass(slots=True)
class Voice:
    """How the assistant spoke with the user, scoped to a pack."""

    model: str | None
    replies: int
    conversations: int
    assistant_name: PersonaTrait | None = None
    user_names: list[PersonaTrait] = field(default_factory=list)
    rituals: list[PersonaTrait] = field(default_factory=list)
    shared_phrases: list[PersonaTrait] = field(default_factory=list)
    behaviours: list[PersonaTrait] = field(default_factory=list)
    pushback: list[Quote] = field(default_factory=list)
    tone: dict[str, float] = field(default_factory=dict)
    examples: dict[str, tuple[Quote, Quote]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the cache)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Voice:
        """Inverse of :meth:`as_dict`."""

        def trait(item: dict[str, Any] | None) -> PersonaTrait | None:
            if item is None:
                return None
            return PersonaTrait(
                item["label"], item["count"], [Quote(**q) for q in item["examples"]]
            )

        def traits(items: list[dict[str, Any]]) -> list[PersonaTrait]:
            return [t for t in (trait(i) for i in items) if t is not None]

        return cls(
            model=data["model"],
            replies=data["replies"],
            conversations=data["conversations"],
            assistant_name=trait(data["assistant_name"]),
            user_names=traits(data["user_names"]),
            rituals=traits(data["rituals"]),
            shared_phrases=traits(data["shared_phrases"]),
            behaviours=traits(data["behaviours"]),
            pushback=[Quote(**q) for q in data["pushback"]],
            tone=dict(data["tone"]),
            examples={k: (Quote(**u), Quote(**r)) for k, (u, r) in data["examples"].items()},
        )


def _pairs(
    conn: apsw.Connection, model: str | None, conversations: list[str] | None
) -> list[tuple[Quote | None, Quote]]:
    out: list[tuple[Quote | None, Quote]] = []
    # A scope's voice reads an even spread of its replies: a search or project scope can
    # hold tens of thousands (2.3 s for 20k at 100k messages), and the voice's phrases,
    # names and tone already come from spreads of at most 4 * PHRASE_TURNS.
    spread = None if conversations is None else SCOPE_REPLIES
    for row in continuity.exchanges(conn, model, conversations=conversations, spread=spread):
        cid, title = str(row[0]), str(row[1] or "")
        user = None
        if row[2] is not None:
            user = Quote(str(row[2]), row[3], "user", row[5], str(row[4] or ""), cid, title)
        reply = Quote(str(row[6]), row[7], "assistant", row[9], str(row[8]), cid, title)
        out.append((user, reply))
    return out


def assistant_name(
    users: list[Quote], replies: list[Quote], notes: list[str], user_names: set[str]
) -> PersonaTrait | None:
    """The name the user gave the assistant: vocatives in the user's turns, the assistant's
    signature, and "calls the assistant X" in memories or custom instructions."""
    found: dict[str, list[Quote]] = defaultdict(list)
    for quote in users:
        edges = quote.text[:200] + " " + quote.text[-120:]
        names = [next((g for g in m.groups() if g), "") for m in _USER_VOCATIVE.finditer(edges)]
        for name in [*names, *cjk_vocatives(quote.text)]:
            if name and name not in _NOT_NAMES and name not in user_names:
                found[name].append(quote)
    for quote in replies:
        match = _SIGNATURE.search(quote.text[-60:]) or _CJK_SIGNATURE.search(quote.text[-30:])
        if match and match.group(1) not in _NOT_NAMES and match.group(1) not in user_names:
            found[match.group(1)].append(quote)
    told = {m.group(1) for note in notes for m in _CALLS.finditer(note)}
    told |= {m.group(1) or m.group(2) for note in notes for m in _CJK_CALLS.finditer(note)}
    if not found and not told:
        return None
    ranked = sorted(found, key=lambda n: (-(len(found[n]) + 5 * (n in told)), n))
    name = ranked[0] if ranked else sorted(told)[0]
    if len(found[name]) < 2 and name not in told:
        return None
    return PersonaTrait(name, len(found[name]), found[name][:2])


_CJK_SIGNATURE = re.compile(r"——\s*([\u4e00-\u9fff\u30a0-\u30ff]{1,4})\s*$")
_CJK_CALLS = re.compile(
    r"(?:称|叫)(?:助手|你|它)?(?:为)?[“「\"']([^”」\"']{1,6})[”」\"']|[「“]([^」”]{1,6})[」”]と呼"
)


def cjk_vocatives(text: str) -> list[str]:
    """Forms of address in a CJK turn: a name opening a sentence before a comma ("阿澈，你在
    吗？") or standing alone after one ("晚安，小太阳。"); common words left out."""
    out: list[str] = []
    for clause in re.split(r"(?<=[。！？!?\n])", text):
        clause = clause.strip()
        found = [m.group(1) for m in _CJK_START.finditer(clause)]
        found += [m.group(1) for m in _CJK_AFTER_COMMA.finditer(clause)]
        out.extend(n for n in found if n not in _CJK_NOT_NAMES)
    return out


def cjk_address_forms(replies: list[Quote], limit: int = 4) -> list[PersonaTrait]:
    """Names and nicknames the assistant called the user in Chinese or Japanese replies."""
    found: dict[str, list[Quote]] = defaultdict(list)
    for reply in replies:
        if reply.text.isascii():
            continue
        seen: set[str] = set()
        signature = _CJK_SIGNATURE.search(reply.text[-30:])
        for name in cjk_vocatives(reply.text):
            if signature and name == signature.group(1):
                continue  # the assistant's own signature
            if name not in seen:
                seen.add(name)
                found[name].append(reply)
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [PersonaTrait(n, len(qs), qs[:2]) for n, qs in ranked if len(qs) >= 2][:limit]


def closing_lines(replies: list[Quote], limit: int = 2) -> list[PersonaTrait]:
    """A closing line the assistant repeated word for word ("晚安，小太阳。——阿澈"), in any
    language."""
    found: dict[str, list[Quote]] = defaultdict(list)
    for reply in replies:
        tail = re.split(r"(?<=[.!?。！？])\s*", reply.text.strip())
        glue = " " if tail[0].isascii() else ""
        last = glue.join(tail[-2:]).strip() if len(tail) > 1 and len(tail[-1]) < 8 else tail[-1]
        if 2 <= len(last) <= 40:
            found[last].append(reply)

    def sessions(quotes: list[Quote]) -> int:
        return len({(q.conversation_id, int((q.create_time or 0) // 86400)) for q in quotes})

    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [
        PersonaTrait(f"close with “{line}”", len(qs), qs[:1])
        for line, qs in ranked
        if sessions(qs) >= 2 and not (line[-1].isascii() and line[-1].isalnum())  # not a heading
    ][:limit]


@lru_cache(maxsize=20_000)
def _grams(text: str) -> frozenset[str]:
    words = _WORD.findall(_URL.sub(" ", text.lower()).replace("-", " "))
    out = set()
    for n in (2, 3, 4):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if gram[0] in _PHRASE_STOP or gram[-1] in _PHRASE_STOP:
                continue
            out.add(" ".join(gram))
    return frozenset(out)


def _spread(quotes: list[Quote], limit: int) -> list[Quote]:
    """At most ``limit`` quotes, evenly spaced over the whole history."""
    if len(quotes) <= limit:
        return quotes
    step = len(quotes) / limit
    return [quotes[int(i * step)] for i in range(limit)]


def _edges(text: str) -> str:
    words = text.split()
    if len(words) <= PHRASE_EDGE * 2:
        return text
    return " ".join(words[:PHRASE_EDGE]) + " | " + " ".join(words[-PHRASE_EDGE:])


def shared_phrases(
    users: list[Quote], replies: list[Quote], idf: dict[str, float] | None = None, limit: int = 6
) -> list[PersonaTrait]:
    """Phrases that came back in at least two sessions (a day of one thread counts as a
    session, so the private phrases of one long relationship are found too), rarer words
    and phrases both sides used first. Long histories are sampled evenly (at most
    ``PHRASE_TURNS`` turns a side, the opening and closing words of long turns)."""
    sessions: dict[str, set[str]] = defaultdict(set)
    sides: dict[str, int] = defaultdict(int)  # bit 1: user, bit 2: assistant
    conversations: dict[str, set[str]] = defaultdict(set)
    sampled = (
        (1, _spread(users, PHRASE_TURNS)),
        (2, _spread(replies, PHRASE_TURNS)),
    )
    seen: list[tuple[Quote, frozenset[str]]] = []
    for bit, quotes in sampled:
        for quote in quotes:
            session = f"{quote.conversation_id}:{int((quote.create_time or 0) // 86400)}"
            grams = _grams(_edges(quote.text))
            seen.append((quote, grams))
            for gram in grams:
                sessions[gram].add(session)
                sides[gram] |= bit
                conversations[gram].add(quote.conversation_id)
    total_conversations = len({q.conversation_id for q in users + replies}) or 1
    scored = []
    for gram, where in sessions.items():
        if len(where) < 2 or gram in _COMMON_PHRASE:
            continue
        # A phrase in most conversations is the language, not a shared reference.
        if total_conversations >= 10 and len(conversations[gram]) > 0.2 * total_conversations:
            continue
        words = [w for w in gram.split() if w not in _PHRASE_STOP]
        rarity = sum((idf or {}).get(w, 1.0) for w in words) / max(1, len(words))
        both = 1.5 if sides[gram] == 3 else 1.0
        scored.append((len(where) * math.sqrt(len(gram.split())) * both * rarity, gram))
    scored.sort(reverse=True)
    picked: list[str] = []
    for _, gram in scored:
        if any(gram in p or p in gram for p in picked):
            continue
        picked.append(gram)
        if len(picked) == limit:
            break
    # Uses and examples only for the phrases kept (a second, cheap pass).
    out = []
    for gram in picked:
        hits = [q for q, grams in seen if gram in grams]
        out.append(
            PersonaTrait(gram, len(hits), sorted(hits, key=lambda q: q.create_time or 0)[:2])
        )
    return out


def behaviours(replies: list[Quote], limit: int = 4) -> list[PersonaTrait]:
    """Characteristic moves, each seen in at least two replies."""
    out = []
    sample = [(r, r.text.lower()) for r in _spread(replies, PHRASE_TURNS)]
    for pattern, label in _BEHAVIOURS:
        hits = [r for r, lowered in sample if pattern.search(lowered)]
        if len(hits) >= 2:
            out.append(PersonaTrait(label, len(hits), hits[:1]))
    return sorted(out, key=lambda t: -t.count)[:limit]


def register(user_text: str) -> str:
    """comfort, celebration, critique or everyday, from the user's message."""
    lowered = user_text.lower()
    happy = re.search(r"\b(?:in a good way|happy tears|good tears)\b", lowered)
    if _COMFORT.search(lowered) and not happy:
        return "comfort"
    if _CELEBRATE.search(lowered) or _CELEBRATE.search(user_text):
        return "celebration"
    if _CRITIQUE.search(lowered):
        return "critique"
    return "everyday"


def _examples(pairs: list[tuple[Quote | None, Quote]]) -> dict[str, tuple[Quote, Quote]]:
    best: dict[str, tuple[float, Quote, Quote]] = {}
    for user, reply in pairs:
        if user is None:
            continue
        words = len(reply.text.split())
        if not 8 <= words <= EXAMPLE_WORDS or not 3 <= len(user.text.split()) <= 60:
            continue
        kind = register(user.text)
        # Prefer replies that show the voice: warmth, a question back, a sign-off.
        score = (
            ("?" in reply.text)
            + 2 * bool(re.search(r"[\U0001f300-\U0001faff❤💛🌙]", reply.text))
            + bool(re.search(r"\b(?:you|your)\b", reply.text.lower()))
            - words / 200
        )
        if kind not in best or score > best[kind][0]:
            best[kind] = (score, user, reply)
    order = ("comfort", "celebration", "critique", "everyday")
    return {k: (best[k][1], best[k][2]) for k in order if k in best}


def tone_words(measures: dict[str, float]) -> str:
    """The tone counts said in words."""
    if not measures:
        return ""
    words = measures.get("median_words", 0)
    chars = measures.get("median_chars")
    if chars is not None:
        # Chinese and Japanese have no spaces: length in characters (about 1.5 a word).
        words = chars / 1.5
    length = "short" if words < 60 else "medium-length" if words < 160 else "long"
    size = f"about {chars:g} characters" if chars is not None else f"about {words:g} words"
    parts = [f"{length} replies ({size})"]
    for key, often, sometimes in (
        ("warmth_rate", "warm and affectionate", "kind"),
        ("question_rate", "often ends by asking me something", "sometimes asks me a question"),
        ("emoji_rate", "uses emoji freely", "an occasional emoji"),
        ("exclamation_rate", "openly excited", "now and then an exclamation"),
        ("list_rate", "likes lists and steps", "a list when it helps"),
    ):
        value = measures.get(key, 0.0)
        if value >= 0.4:
            parts.append(often)
        elif value >= 0.15:
            parts.append(sometimes)
    return ", ".join(parts)


def _lowercase_words(quotes: list[Quote]) -> set[str]:
    """Words seen in lower case: a name is (almost) never written that way."""
    out: set[str] = set()
    for quote in _spread(quotes, 2 * PHRASE_TURNS):
        out.update(_WORD.findall(quote.text))
    return out


def _real_names(traits: list[PersonaTrait], common: set[str]) -> list[PersonaTrait]:
    return [t for t in traits if " " in t.label or t.label.lower() not in common]


def build_voice(
    conn: apsw.Connection,
    model: str | None,
    conversations: list[str] | None,
    notes: list[str],
    user_name_hints: set[str],
) -> Voice:
    """The voice of ``model`` (or every model) in ``conversations`` (None: the archive);
    cached until the archive changes."""
    digest = hashlib.sha1(
        orjson.dumps(
            [
                model,
                sorted(conversations or []),
                conversations is None,
                notes,
                sorted(user_name_hints),
            ]
        )
    ).hexdigest()
    key = f"voice:{digest}"
    cached = continuity.cached_value(conn, key)
    if cached is not None:
        return Voice.from_dict(cached)
    voice = _build_voice(conn, model, conversations, notes, user_name_hints)
    continuity.store_value(conn, key, voice.as_dict())
    return voice


def _build_voice(
    conn: apsw.Connection,
    model: str | None,
    conversations: list[str] | None,
    notes: list[str],
    user_name_hints: set[str],
) -> Voice:
    pairs = _pairs(conn, model, conversations)
    replies = [r for _, r in pairs]
    users = [u for u, _ in pairs if u is not None]
    common = _lowercase_words(replies + users)
    sample = _spread(replies, 4 * PHRASE_TURNS)
    names = _real_names(address_forms(sample, limit=8), common)[:5]
    names = sorted(names + cjk_address_forms(sample), key=lambda t: -t.count)[:5]
    known = {t.label for t in names} | user_name_hints
    voice = Voice(
        model=model,
        replies=len(replies),
        conversations=len({r.conversation_id for r in replies}),
        user_names=names,
        rituals=rituals(replies) + closing_lines(sample),
        tone=tone(_spread(replies, 2 * PHRASE_TURNS)),
    )
    if replies and sum(not r.text.isascii() for r in replies) > len(replies) / 2:
        voice.tone["median_chars"] = float(statistics.median(len(r.text) for r in replies))
    named = assistant_name(users, replies, notes, known)
    voice.assistant_name = named if named and _real_names([named], common) else None
    idf = term_weights(conn).idf
    nicknames = {t.label.lower() for t in names}
    voice.shared_phrases = [
        p for p in shared_phrases(users, replies, idf, limit=10) if p.label not in nicknames
    ][:8]
    voice.behaviours = behaviours(replies)
    for user, _ in pairs:
        if user is not None and _PUSHBACK.search(user.text.lower().strip()):
            voice.pushback.append(user)
    voice.pushback = voice.pushback[-4:]
    voice.examples = _examples(pairs)
    return voice
