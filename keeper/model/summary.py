"""What a summary and a persona card look like: quotes, timeline days, chapters, traits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from keeper.text import clip
from keeper.timefmt import display as format_time
from keeper.timefmt import iso_utc as iso_time


@dataclass(frozen=True, slots=True)
class Quote:
    """One quoted turn with where it came from."""

    node_id: str
    message_id: str | None
    role: str | None
    create_time: float | None
    text: str
    conversation_id: str = ""
    title: str = ""

    def cite(self) -> str:
        """``title, date, conversation id / message id`` for a source line."""
        when = format_time(self.create_time)[:10] or "undated"
        message = self.message_id or self.node_id
        return f"{self.title or '(untitled)'}, {when}, {self.conversation_id}/{message}"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One day of a conversation: how many messages, by which models."""

    date: str
    messages: int
    models: list[str]
    first_node: str


@dataclass(frozen=True, slots=True)
class Chapter:
    """A topic segment of a long thread."""

    title: str
    start_node: str
    end_node: str
    turns: int
    summary: list[Quote]


@dataclass(frozen=True, slots=True)
class Summary:
    """An offline, extractive summary of one conversation (optionally with an LLM abstract)."""

    conversation_id: str
    title: str
    create_time: float | None
    update_time: float | None
    message_count: int
    models: list[str]
    abstract: list[Quote]
    keywords: list[str]
    timeline: list[TimelineEntry]
    chapters: list[Chapter]
    decisions: list[Quote] = field(default_factory=list)
    open_questions: list[Quote] = field(default_factory=list)
    last_state: list[Quote] = field(default_factory=list)
    method: str = "tfidf-centrality"
    llm_abstract: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (times also as ISO 8601)."""
        data = asdict(self)
        data["created"] = iso_time(self.create_time)
        data["updated"] = iso_time(self.update_time)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        """Inverse of :meth:`as_dict` (used by the cache)."""

        def quotes(items: list[dict[str, Any]]) -> list[Quote]:
            return [Quote(**q) for q in items]

        return cls(
            conversation_id=data["conversation_id"],
            title=data["title"],
            create_time=data["create_time"],
            update_time=data["update_time"],
            message_count=data["message_count"],
            models=list(data["models"]),
            abstract=quotes(data["abstract"]),
            keywords=list(data["keywords"]),
            timeline=[TimelineEntry(**t) for t in data["timeline"]],
            chapters=[Chapter(**{**c, "summary": quotes(c["summary"])}) for c in data["chapters"]],
            decisions=quotes(data.get("decisions", [])),
            open_questions=quotes(data.get("open_questions", [])),
            last_state=quotes(data.get("last_state", [])),
            method=data.get("method", "tfidf-centrality"),
            llm_abstract=data.get("llm_abstract"),
        )

    def to_markdown(self) -> str:
        """A readable Markdown summary; every quoted turn names its message id."""
        lines = [f"# {self.title or '(untitled)'}", ""]
        span = format_time(self.create_time)[:10]
        if self.update_time and format_time(self.update_time)[:10] != span:
            span += f" → {format_time(self.update_time)[:10]}"
        lines.append(
            f"id `{self.conversation_id}` · {span or 'undated'} · {self.message_count} messages"
            + (f" · {', '.join(self.models)}" if self.models else "")
        )
        lines.append("")
        if self.llm_abstract:
            lines += ["## Abstract (LLM)", "", self.llm_abstract.strip(), ""]
        lines += ["## Abstract", ""]
        lines += [_quote_line(q) for q in self.abstract] or ["_(no messages)_"]
        lines.append("")
        if self.keywords:
            lines += ["## Keywords", "", ", ".join(self.keywords), ""]
        for heading, items in (
            ("Decisions", self.decisions),
            ("Open questions", self.open_questions),
            ("Last state", self.last_state),
        ):
            if items:
                lines += [f"## {heading}", ""] + [_quote_line(q) for q in items] + [""]
        if self.timeline:
            lines += ["## Timeline", ""]
            for entry in self.timeline:
                models = f" ({', '.join(entry.models)})" if entry.models else ""
                lines.append(f"- {entry.date}: {entry.messages} messages{models}")
            lines.append("")
        if self.chapters:
            lines += ["## Chapters", ""]
            for number, chapter in enumerate(self.chapters, start=1):
                lines.append(f"### {number}. {chapter.title} ({chapter.turns} turns)")
                lines.append("")
                lines += [_quote_line(q) for q in chapter.summary]
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _quote_line(quote: Quote, width: int = 280) -> str:
    text = clip(quote.text, width)
    who = (quote.role or "?").capitalize()
    when = format_time(quote.create_time)[:10]
    ref = quote.message_id or quote.node_id
    return f"- **{who}**{' ' + when if when else ''}: “{text}” `[{ref}]`"


@dataclass(frozen=True, slots=True)
class PersonaTrait:
    """One observed trait (an address form, phrase, ritual) with examples."""

    label: str
    count: int
    examples: list[Quote]


@dataclass(frozen=True, slots=True)
class Persona:
    """How one assistant model spoke with this user, with quoted evidence."""

    model: str | None
    conversations: int
    messages: int
    address_forms: list[PersonaTrait]
    phrases: list[PersonaTrait]
    tone: dict[str, float]
    rituals: list[PersonaTrait]
    exchanges: list[tuple[Quote, Quote]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Persona:
        """Inverse of :meth:`as_dict` (used by the cache)."""

        def traits(items: list[dict[str, Any]]) -> list[PersonaTrait]:
            return [
                PersonaTrait(t["label"], t["count"], [Quote(**q) for q in t["examples"]])
                for t in items
            ]

        return cls(
            model=data["model"],
            conversations=data["conversations"],
            messages=data["messages"],
            address_forms=traits(data["address_forms"]),
            phrases=traits(data["phrases"]),
            tone=dict(data["tone"]),
            rituals=traits(data["rituals"]),
            exchanges=[(Quote(**u), Quote(**r)) for u, r in data["exchanges"]],
        )

    def to_markdown(self, *, heading: str = "#") -> str:
        """The persona card as Markdown."""
        h2 = heading + "#"
        lines = [f"{heading} How {self.model or 'the assistant'} spoke with me", ""]
        lines.append(
            f"From {self.messages:,} assistant messages in {self.conversations:,} conversations."
        )
        lines.append("")
        if self.tone:
            lines += [f"{h2} Tone", ""]
            lines += [f"- {_TONE_LABELS.get(k, k)}: {_fmt(v)}" for k, v in self.tone.items()]
            lines.append("")
        for title, traits in (
            ("Forms of address", self.address_forms),
            ("Recurring phrases", self.phrases),
            ("Rituals", self.rituals),
        ):
            if not traits:
                continue
            lines += [f"{h2} {title}", ""]
            for trait in traits:
                lines.append(f"- “{trait.label}” ({trait.count}×)")
                for ex in trait.examples[:1]:
                    lines.append(f"  - e.g. “{_short(ex.text)}” — {ex.cite()}")
            lines.append("")
        if self.exchanges:
            lines += [f"{h2} Example exchanges", ""]
            for user, reply in self.exchanges:
                lines.append(f"> **Me:** {_short(user.text, 200)}")
                lines.append(">")
                lines.append(f"> **{self.model or 'Assistant'}:** {_short(reply.text, 320)}")
                lines.append("")
                lines.append(f"— {reply.cite()}")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


_TONE_LABELS = {
    "median_words": "median reply length (words)",
    "question_rate": "replies that ask a question",
    "emoji_rate": "replies with emoji",
    "exclamation_rate": "replies with exclamation marks",
    "warmth_rate": "replies with warmth markers",
    "list_rate": "replies using lists",
}


def _fmt(value: float) -> str:
    return f"{value:.0%}" if 0 <= value <= 1 and not float(value).is_integer() else f"{value:g}"


def _short(text: str, width: int = 160) -> str:
    return clip(text, width)
