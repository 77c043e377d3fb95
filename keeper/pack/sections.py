"""The text of a pack's parts: about me, the voice, thread state cards, fact lines.

Every function returns Markdown with citation markers (``keeper.pack.refs.mark``) and the
citations they stand for; the builder resolves them into ``[3.2]`` references when a part
is kept. ``Voice`` words say who is who: in most targets the pack speaks as the user
("I", "me") to the new model ("you"); the system prompt speaks to the model about the
user in the second person throughout ("you", "Mika").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keeper.model import Quote
from keeper.pack.refs import Cite, mark
from keeper.summarize.profile import LifeEntry, MemoryState
from keeper.summarize.state import ThreadState, day
from keeper.summarize.voice import Voice, tone_words

QUOTE_CHARS = 220
FACT_CHARS = 240


@dataclass(frozen=True, slots=True)
class Person:
    """How the pack names the user: "I/me/my" or a third-person name."""

    i: str = "I"
    me: str = "me"
    my: str = "my"

    @classmethod
    def third(cls, name: str | None) -> Person:
        """The user by name (or "the user") for text addressed to the model only."""
        who = name or "the user"
        return cls(who, who, f"{who}'s" if name else "the user's")


def clip(text: str, width: int = QUOTE_CHARS) -> str:
    """One line, at most ``width`` characters, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    if " " in cut[width // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def quoted(quote: Quote, cites: list[Cite], width: int = QUOTE_CHARS) -> str:
    """“text” [ref]."""
    return f"“{clip(quote.text, width)}” {mark(cites, quote.conversation_id, quote.message_id)}"


# -- about me ---------------------------------------------------------------------------------
def instruction_block(
    label: str,
    text: str,
    first: float | None,
    last: float | None,
    versions: int,
    conversation_id: str,
    cites: list[Cite],
    current: bool = True,
) -> str:
    """One custom-instruction version with its line breaks and period."""
    if current:
        period = f"in effect since {day(first)}" + (
            f"; {versions} versions" if versions > 1 else ""
        )
    else:
        period = f"earlier version, {day(first)} → {day(last)}"
    body = "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())
    return f"**{label}** ({period}) {mark(cites, conversation_id, None)}\n{body}"


def memory_line(memory: MemoryState, cites: list[Cite]) -> str:
    """``- [date] memory`` or the same struck through with what replaced it (where a
    memory was seen is cited once, on the Memories heading)."""
    ref = ""
    if memory.superseded_by is None:
        return f"- [{day(memory.first_seen)}] {clip(memory.text, 300)}"
    source = memory.superseded_source
    later = (
        quoted(source, cites, 160) if source is not None else f"“{clip(memory.superseded_by, 160)}”"
    )
    return (
        f"- ~~[{day(memory.first_seen)}] {clip(memory.text, 200)}~~{ref} — superseded "
        f"{day(memory.superseded_when)} by {later}"
    )


def life_line(entry: LifeEntry, cites: list[Cite], facts: int = 2) -> str:
    """- **Mochi** (pet, cat; 9 mentions): [2025-01-09] “…” [1.4]"""
    kind = entry.kind + (
        f", {entry.relation}" if entry.relation and entry.relation not in entry.name else ""
    )
    parts = [f"[{day(q.create_time)}] {quoted(q, cites, 160)}" for q in entry.facts[:facts]]
    mentions = f"{entry.mentions} mention{'s' if entry.mentions != 1 else ''}"
    return f"- **{entry.name}** ({kind}; {mentions}): " + "; ".join(parts)


# -- the voice -------------------------------------------------------------------------------
def voice_lead(voice: Voice, who: Person, model: str | None, cites: list[Cite]) -> str:
    """The opening of the persona: who the model continues as."""
    name = voice.assistant_name
    base = model or "the previous assistant"
    if name is not None:
        example = quoted(name.examples[0], cites, 120) if name.examples else ""
        lead = (
            f"You are continuing as **{name.label}**, the name {who.i} gave {base} "
            f"({name.count}× in {who.my} messages and its signature; e.g. {example}). "
        )
    else:
        lead = f"You are continuing as {who.my} long-term assistant ({base}). "
    lead += (
        f"This is how you spoke with {who.me} ({voice.replies:,} replies in "
        f"{voice.conversations:,} conversations):"
    )
    return lead


def voice_lines(voice: Voice, who: Person, cites: list[Cite]) -> list[str]:
    """The persona's trait lines, most telling first."""
    lines: list[str] = []
    if voice.user_names:
        names = ", ".join(f"“{t.label}” ({t.count}×)" for t in voice.user_names[:4])
        example = sorted(voice.user_names[0].examples, key=lambda q: len(q.text))[:1]
        tail = f"; e.g. {quoted(example[0], cites, 140)}" if example else ""
        lines.append(f"- You called {who.me} {names}{tail}")
    if voice.rituals:
        parts = ", ".join(
            f"{t.label.replace('opens', 'open').replace('signs', 'sign')} ({t.count}×)"
            for t in voice.rituals[:4]
        )
        lines.append(f"- Greetings and sign-offs: you {parts}")
    if voice.shared_phrases:
        parts = ", ".join(f"“{t.label}” ({t.count}×)" for t in voice.shared_phrases[:8])
        example = voice.shared_phrases[0].examples[:1]
        tail = f"; e.g. {quoted(example[0], cites, 140)}" if example else ""
        lines.append(f"- Phrases and private references you two shared: {parts}{tail}")
    if voice.behaviours:
        for trait in voice.behaviours[:4]:
            example = trait.examples[:1]
            tail = f": {quoted(example[0], cites, 160)}" if example else ""
            line = trait.label.replace(" me ", f" {who.me} ").replace(" my ", f" {who.my} ")
            line = line.replace("whether I", f"whether {who.i}")
            lines.append(f"- You {line} ({trait.count}×){tail}")
    words = tone_words(voice.tone)
    if words:
        lines.append(f"- Tone: {words}.")
    if voice.pushback:
        parts = "; ".join(quoted(q, cites, 120) for q in voice.pushback[:3])
        lines.append(f"- What {who.i} pushed back on or corrected: {parts}")
    return lines


def example_block(register: str, user: Quote, reply: Quote, who: Person, cites: list[Cite]) -> str:
    """One example exchange, quoted whole (examples are chosen short enough)."""
    speaker = "Me" if who.i == "I" else who.i
    return (
        f"*{register.capitalize()}* {mark(cites, reply.conversation_id, user.message_id)}\n"
        f"> **{speaker}:** {clip(user.text, 400)}\n"
        f"> **You:** {clip(reply.text, 700)} {mark(cites, reply.conversation_id, reply.message_id)}"
    )


# -- threads ---------------------------------------------------------------------------------
def _span(state: ThreadState, who: Person) -> str:
    months = 0
    if state.start != "undated" and state.end != "undated":
        y1, m1 = int(state.start[:4]), int(state.start[5:7])
        y2, m2 = int(state.end[:4]), int(state.end[5:7])
        months = (y2 - y1) * 12 + (m2 - m1)
    when = state.start if state.start == state.end else f"{state.start} → {state.end}"
    extra = f" · {months} months" if months >= 2 else ""
    sessions = f" · {state.sessions} sessions" if state.sessions > 1 else ""
    plural = "s" if state.user_turns != 1 else ""
    return f"{when}{extra}{sessions} · {state.user_turns} message{plural} from {who.me}"


def card(state: ThreadState, level: int, title: str, who: Person, cites: list[Cite]) -> str:
    """A thread's state card; ``level`` 0 (what, where we left off) to 3 (every chapter)."""
    lines = [
        f"### {title or '(untitled)'} {mark(cites, state.conversation_id, None)}",
        _span(state, who),
    ]
    if state.what:
        lines.append(f"- What it is: {quoted(state.what[0], cites, 200)}")
    if level >= 2 and state.chapters:
        keep = state.chapters if level >= 3 else _spread(state.chapters, 4)
        lines.append("- Chapters:")
        for chapter in keep:
            topic = f" ({chapter.title})" if chapter.title else ""
            lines.append(f"  - {chapter.start}{topic}: {quoted(chapter.lines[0], cites, 180)}")
    if state.left_off:
        quotes = state.left_off if level >= 1 else state.left_off[:1]
        lines.append(
            f"- Where we left off ({state.end}): "
            + " → ".join(quoted(q, cites, 160) for q in quotes)
        )
    if level >= 1 and state.still_open:
        lines.append("- Still open: " + "; ".join(quoted(q, cites, 160) for q in state.still_open))
    if level >= 1 and state.decided:
        parts = []
        for choice, proposal in state.decided:
            text = quoted(choice, cites, 120)
            if proposal is not None:
                text += f" (accepting {quoted(proposal, cites, 120)})"
            parts.append(text)
        lines.append("- Decided: " + "; ".join(parts))
    return "\n".join(lines)


def _spread(items: list[Any], count: int) -> list[Any]:
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def fact_line(text: str, conversation_id: str, message_id: str | None, cites: list[Cite]) -> str:
    """- fact [3.2]"""
    return f"- {clip(text, FACT_CHARS)} {mark(cites, conversation_id, message_id)}"
