"""Short references: ``[3.2]`` in the text, resolved once under Sources.

``[3]`` is the third conversation the pack cites, ``[3.2]`` the second message quoted from
it; under a heading that names ``[3]`` (a thread's card, a group of facts) the same
message is just ``#2``. The Sources line for ``[3]`` gives the conversation's title, date
and the first eight characters of its id (``keeper show`` takes a unique prefix; a thread
whose card is headed ``[3]`` is not named twice);
``--json`` gives the full conversation id and every quoted message id in ``#`` order.

Measured on the sample's whole-archive pack at 8,000 tokens (212 references, 22 sources):
an inline UUID costs 20 o200k tokens, ``#2`` 2 and ``[3.2]`` 5. Listing each quoted
message id under Sources (8 characters, 4 tokens each) took the citations from 14% of
the pack to 31%, so the message ids live in the JSON, not the text.

Blocks are written with markers (:func:`mark`) and resolved when they are added, so a
block left out of the budget never takes a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MARK = re.compile(r"\x00(\d+)\x00")
ID_CHARS = 8
TITLE_CHARS = 32


@dataclass(slots=True)
class SourceEntry:
    """One cited conversation and the messages quoted from it, in citation order."""

    number: int
    conversation_id: str
    title: str
    date: str
    messages: list[str] = field(default_factory=list)

    def line(self, titled: bool = False) -> str:
        """The Sources line: number, date, conversation id (its first characters), title
        (left out when ``titled``: a card headed with the same number names it)."""
        short = self.conversation_id[:ID_CHARS]
        if titled:
            return f"[{self.number}] {self.date} {short}"
        title = " ".join((self.title or "(untitled)").split())
        if len(title) > TITLE_CHARS:
            title = title[: TITLE_CHARS - 1].rstrip() + "…"
        return f"[{self.number}] {self.date} {short} {title}"


@dataclass(slots=True)
class Cite:
    """What a marker points at: a conversation, and a message in it (or none)."""

    conversation_id: str
    message_id: str | None


def mark(cites: list[Cite], conversation_id: str, message_id: str | None) -> str:
    """A marker for a citation, to be resolved by :meth:`Refs.resolve`."""
    cites.append(Cite(conversation_id, message_id))
    return f"\x00{len(cites) - 1}\x00"


@dataclass(slots=True)
class Refs:
    """The pack's numbering of sources and messages."""

    sources: dict[str, SourceEntry] = field(default_factory=dict)

    def resolve(
        self,
        text: str,
        cites: list[Cite],
        titles: dict[str, tuple[str, str]],
        home: str | None = None,
    ) -> tuple[str, Refs]:
        """``text`` with markers replaced, and the numbering it would leave (``self`` is not
        changed; adopt the returned one if the block is kept). In a block headed by its
        source (``home``), that source's messages are cited as ``#2``, not ``[3.2]``."""
        # Copy on write: a block touches a few of the pack's sources, not all of them.
        trial = Refs(dict(self.sources))
        fresh: set[str] = set()

        def ref(match: re.Match[str]) -> str:
            cite = cites[int(match.group(1))]
            entry = trial.sources.get(cite.conversation_id)
            if entry is None:
                title, date = titles[cite.conversation_id]
                entry = SourceEntry(len(trial.sources) + 1, cite.conversation_id, title, date)
                trial.sources[cite.conversation_id] = entry
                fresh.add(cite.conversation_id)
            if cite.message_id is None:
                return f"[{entry.number}]"
            if cite.message_id not in entry.messages:
                if cite.conversation_id not in fresh:
                    entry = trial.sources[cite.conversation_id] = _copy(entry)
                    fresh.add(cite.conversation_id)
                entry.messages.append(cite.message_id)
            k = entry.messages.index(cite.message_id) + 1
            return f"#{k}" if cite.conversation_id == home else f"[{entry.number}.{k}]"

        return _MARK.sub(ref, text), trial

    def lines(self, titled: set[str] | None = None) -> list[str]:
        """The Sources lines, in number order (``titled``: conversations whose title is
        already in a heading marked with their number)."""
        shown = titled or set()
        return [
            e.line(e.conversation_id in shown)
            for e in sorted(self.sources.values(), key=lambda e: e.number)
        ]


def _copy(entry: SourceEntry) -> SourceEntry:
    return SourceEntry(
        entry.number, entry.conversation_id, entry.title, entry.date, list(entry.messages)
    )
