"""Who the user is, current and dated: instruction versions, memories, a life sheet.

- Custom instructions keep every version, with the period each was in effect.
- Memories are deduplicated (same words, or nearly), and a memory is *superseded* when a
  later memory says the same thing differently, or when the user later reports the plan
  done or the state changed ("wants to visit Kyoto" → "I'm back from Kyoto"; "lives in
  Portland" → "we moved to Seattle"; "forget that I…").
- The sheet of people, pets, places and projects comes from the user's own turns only:
  "my sister Ana", "my cat Mochi", "a cat named Kinako", "back from Kyoto", "my novel…".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from keeper.model import Quote
from keeper.summarize.sentences import split_sentences
from keeper.summarize.terms import terms

_PLAN = re.compile(
    r"\b(?:wants? to|plans? to|planning to|hopes? to|is going to|will|would like to|"
    r"dreams? of|is looking for|is considering)\b|想去|想要|打算|计划|希望|したい|つもり|予定"
)
_STATE = re.compile(
    r"\b(?:lives? in|is based in|works? (?:at|as|for)|is (?:a|an) [a-z]+ (?:at|in)|"
    r"is studying|is learning|is dating|is married to|has a (?:job|partner))\b"
)
_DONE = re.compile(
    r"\b(?:back from|came back from|returned from|went to|visited|been to|got back|"
    r"finished|done with|moved to|moved out|quit|left my|started (?:at|my new)|new job|"
    r"no longer|not anymore|anymore|broke up|graduated|passed)\b"
    r"|回来了|回来啦|去过了|搬到|搬家了|辞职|毕业了|不再|已经不|帰ってきた|行ってきた|引っ越した"
)
_FORGET = re.compile(
    r"\b(?:forget (?:that|what i said|about)|that'?s no longer true|not true anymore|"
    r"please forget)\b|忘掉|别记|忘れて"
)
_NAME = re.compile(r"\b[A-Z][a-z]{2,}(?:\s[A-Z][a-z]{2,})?\b")
_RELATION = re.compile(
    r"\bmy (?P<rel>mom|mum|mother|dad|father|sister|brother|partner|husband|wife|boyfriend|"
    r"girlfriend|friend|best friend|son|daughter|neighbou?r|boss|grandma|grandmother|"
    r"grandpa|grandfather|aunt|uncle|cousin|therapist|cat|dog|kitten|puppy|bird|rabbit|"
    r"colleague|roommate|teacher|editor|client)\b(?:,?\s+(?P<name>[A-Z][a-z]{2,}))?"
)
_NAMED = re.compile(
    r"\b(?P<rel>cat|dog|kitten|puppy|bird|rabbit|hamster|fish|baby|daughter|son)\s+"
    r"(?:named|called)\s+(?P<name>[A-Z][a-z]{2,})"
    r"|\bmy (?P<rel2>cat|dog)\s+(?P<name2>[A-Z][a-z]{2,})"
)
_PLACE = re.compile(
    r"\b(?:in|to|from|visit|visiting|around|near|at)\s+(?P<name>[A-Z][a-z]{2,}(?:\s[A-Z][a-z]{2,})?)"
)
_PROJECT = re.compile(
    r"\bmy (?P<rel>novel|book|thesis|dissertation|project|shop|business|podcast|app|"
    r"startup|album|comic|picture book|game|course|blog)\b"
)
_CJK_RELATION = re.compile(
    r"(?:我的|我家的?|私の|うちの)(?P<rel>猫|狗|妈妈|爸爸|姐姐|妹妹|哥哥|弟弟|朋友|男朋友|女朋友|"
    r"丈夫|妻子|老公|老婆|孩子|母|父|姉|妹|兄|弟|友達|彼氏|彼女|夫|妻|子供|ねこ|犬)"
    r"(?:[，,、]?(?:叫|は|の名前は)?(?P<name>[\u4e00-\u9fff\u30a0-\u30ff]{2,4}))?"
)
_CJK_FILLER = frozenset("用户想去要的了在是和我你他她它很也就还")
_CJK_NAMED = re.compile(r"叫(?P<name>[\u4e00-\u9fff]{2,3})的(?P<rel>橘猫|猫|狗|小狗|猫咪)")
PETS = frozenset(
    [
        "cat",
        "dog",
        "kitten",
        "puppy",
        "bird",
        "rabbit",
        "hamster",
        "fish",
        "猫",
        "狗",
        "ねこ",
        "犬",
        "橘猫",
        "小狗",
        "猫咪",
    ]
)
FAMILY_PROJECTS = frozenset(
    [
        "novel",
        "book",
        "thesis",
        "dissertation",
        "project",
        "shop",
        "business",
        "podcast",
        "app",
        "startup",
        "album",
        "comic",
        "picture",
        "book",
        "game",
        "course",
        "blog",
    ]
)
_NOT_PLACES = frozenset(
    [
        "The",
        "This",
        "That",
        "What",
        "When",
        "Where",
        "Why",
        "How",
        "Yes",
        "Okay",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Christmas",
        "English",
        "Japanese",
        "Chinese",
        "French",
        "German",
        "Spanish",
        "ChatGPT",
        "GPT",
    ]
)


@dataclass(slots=True)
class MemoryState:
    """A memory as the pack shows it: current, or superseded by what replaced it."""

    text: str
    first_seen: float | None
    conversation_id: str
    superseded_by: str | None = None
    superseded_when: float | None = None
    superseded_source: Quote | None = None


@dataclass(slots=True)
class LifeEntry:
    """One person, pet, place or project in the user's life, with cited facts."""

    name: str
    kind: str  # person, pet, place, project
    relation: str
    mentions: int
    facts: list[Quote] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def dedupe_memories(items: list[MemoryState]) -> list[MemoryState]:
    """Memories with the same words (or 80% of their terms) kept once, the newest."""
    kept: list[MemoryState] = []
    bags: list[set[str]] = []
    for item in sorted(items, key=lambda m: m.first_seen or 0.0, reverse=True):
        bag = set(terms(item.text))
        if any(
            _norm(item.text) == _norm(k.text)
            or (bag and len(bag & other) >= 0.8 * max(len(bag), len(other)))
            for k, other in zip(kept, bags, strict=True)
        ):
            continue
        kept.append(item)
        bags.append(bag)
    return sorted(kept, key=lambda m: m.first_seen or 0.0)


def supersede_by_memories(items: list[MemoryState]) -> None:
    """Mark a memory superseded by a later one about the same subject that changed it
    (the same plan or state with other words: "lives in Portland" → "lives in Seattle")."""
    for i, old in enumerate(items):
        if old.superseded_by:
            continue
        old_terms = set(terms(old.text))
        old_kind = _PLAN.search(old.text.lower()) or _STATE.search(old.text.lower())
        for new in items[i + 1 :]:
            if (new.first_seen or 0) <= (old.first_seen or 0):
                continue
            new_terms = set(terms(new.text))
            shared = old_terms & new_terms
            same_kind = old_kind and (
                (_STATE.search(new.text.lower()) and _STATE.search(old.text.lower()))
                or (_PLAN.search(new.text.lower()) and _PLAN.search(old.text.lower()))
            )
            if same_kind and len(shared) >= max(1, len(old_terms) // 3) and shared != new_terms:
                old.superseded_by, old.superseded_when = new.text, new.first_seen
                break


def supersede_by_turn(memory: MemoryState, later_user_texts: list[Quote]) -> None:
    """Mark ``memory`` superseded by the first later user turn that reports its plan done
    or its state changed, or asks to forget it."""
    lowered = memory.text.lower()
    if memory.superseded_by or not (_PLAN.search(lowered) or _STATE.search(lowered)):
        return
    keys = set(memory_keys(memory))
    for quote in sorted(later_user_texts, key=lambda q: q.create_time or 0.0):
        if (quote.create_time or 0) <= (memory.first_seen or 0):
            continue
        for sentence in split_sentences(quote.text):
            low = sentence.lower()
            mentions = any(k.lower() in low for k in keys)
            if mentions and (_DONE.search(low) or _FORGET.search(low)):
                memory.superseded_by = sentence
                memory.superseded_when = quote.create_time
                memory.superseded_source = Quote(
                    quote.node_id,
                    quote.message_id,
                    "user",
                    quote.create_time,
                    sentence,
                    quote.conversation_id,
                    quote.title,
                )
                return


def memory_keys(memory: MemoryState) -> list[str]:
    """The words to look for in later turns (names first; in CJK text its word pairs that
    are not about wanting or the user)."""
    names = [n for n in _NAME.findall(memory.text) if n not in _NOT_PLACES]
    if names:
        return names
    items = terms(memory.text)
    cjk = [t for t in items if not t.isascii() and not set(t) & _CJK_FILLER]
    return cjk[:4] or [t for t in items if len(t) > 4][:3]


@lru_cache(maxsize=20_000)
def _names_in(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]:
    """The sentences of ``text`` and the (name, kind, relation) it names, in order (kept:
    a server's packs read the same memories and many of the same turns each time)."""
    sentences = tuple(split_sentences(text))
    named: list[tuple[str, str, str]] = []
    for sentence in sentences:
        for match in _RELATION.finditer(sentence):
            rel, name = match.group("rel"), match.group("name")
            named.append((name or f"my {rel}", "pet" if rel in PETS else "person", rel))
        for match in _NAMED.finditer(sentence):
            rel = match.group("rel") or match.group("rel2")
            name = match.group("name") or match.group("name2")
            named.append((name, "pet" if rel in PETS else "person", rel))
        for match in _CJK_NAMED.finditer(sentence):
            named.append((match.group("name"), "pet", match.group("rel")))
        for match in _CJK_RELATION.finditer(sentence):
            rel, name = match.group("rel"), match.group("name")
            named.append((name or f"我的{rel}", "pet" if rel in PETS else "person", rel))
        for match in _PROJECT.finditer(sentence):
            named.append((f"my {match.group('rel')}", "project", match.group("rel")))
        for match in _PLACE.finditer(sentence):
            name = match.group("name")
            if name.split()[0] not in _NOT_PLACES:
                named.append((name, "place", ""))
    return sentences, tuple(named)


def life_sheet(
    user_turns: list[Quote], seeds: list[str] | None = None, limit: int = 12
) -> list[LifeEntry]:
    """People, pets, places and projects named in the user's own turns (or in ``seeds``:
    custom instructions and memories, "a cat named Mochi"), most mentioned first, each with
    up to two dated sentences from the user's turns that mention it."""
    entries: dict[str, LifeEntry] = {}
    mentions: dict[str, list[tuple[Quote, str]]] = defaultdict(list)

    def note(key: str, kind: str, relation: str) -> None:
        if key not in entries:
            entries[key] = LifeEntry(key, kind, relation, 0)
        elif relation and not entries[key].relation:
            entries[key].relation = relation

    sentences: list[tuple[Quote, str]] = []
    seed_quotes = [Quote("", None, "user", None, text) for text in seeds or []]
    for quote in [*seed_quotes, *user_turns]:
        split, named = _names_in(quote.text)
        if quote.node_id:
            sentences.extend((quote, sentence) for sentence in split)
        for key, kind, relation in named:
            note(key, kind, relation)
    # Whole words for Latin names; CJK has no spaces, so a CJK name matches anywhere.
    probes = {
        key: re.compile(
            re.escape(key) if not key.isascii() else rf"(?<!\w){re.escape(key)}(?!\w)",
            re.IGNORECASE,
        )
        for key in entries
    }
    for quote, sentence in sentences:
        for key, probe in probes.items():
            if probe.search(sentence):
                mentions[key].append((quote, sentence))
    out = []
    for key, entry in entries.items():
        found = mentions.get(key, [])
        if (
            entry.kind == "place"
            and len({q.conversation_id + str(q.create_time) for q, _ in found}) < 2
        ):
            continue  # a place named once is usually an aside
        if not found:
            continue
        entry.mentions = len(found)
        best = sorted(found, key=lambda qs: -len(set(terms(qs[1]))))[:2]
        entry.facts = [
            Quote(q.node_id, q.message_id, "user", q.create_time, s, q.conversation_id, q.title)
            for q, s in sorted(best, key=lambda qs: qs[0].create_time or 0.0)
        ]
        out.append(entry)
    out.sort(key=lambda e: (-e.mentions, e.name))
    return out[:limit]
