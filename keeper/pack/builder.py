"""Assemble a context pack: about me, how you spoke with me, threads, key facts, sources.

Content is added in priority order as blocks, each measured with the token estimator, and
a block that would break the budget is left out (later, smaller blocks may still fit).
Every quoted line carries its message id and date; every cited conversation appears under
Sources with its title, date and id.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keeper import timefmt
from keeper.errors import UsageError
from keeper.pack.facts import Fact, candidate_facts, pick_facts
from keeper.pack.options import MIN_BUDGET, TARGETS, Pack, PackOptions, Source
from keeper.pack.redact import Redactor
from keeper.pack.targets import RESPOND_MARK, render
from keeper.pack.tokens import TOKENIZER, estimate_tokens
from keeper.store import continuity, reader
from keeper.store.filters import Filters
from keeper.summarize.engine import summarize_conversation, visible_turns
from keeper.summarize.keywords import corpus_df
from keeper.summarize.model import Persona, Quote, Summary
from keeper.summarize.persona import build_persona
from keeper.text import clip

if TYPE_CHECKING:
    from keeper.pack.source import PackSource

SECTIONS = ("about", "persona", "threads", "facts")
FACT_SCAN_LIMIT = 200  # conversations scanned for key facts in a whole-archive pack
QUOTE_CHARS = 220
FACT_CHARS = 200


@dataclass(slots=True)
class Block:
    """A piece of one section with the sources it cites."""

    section: str
    text: str
    cites: list[tuple[str, str | None]] = field(default_factory=list)  # (conversation, msg)


@dataclass(slots=True)
class Draft:
    """Blocks chosen so far and the conversations they cite."""

    blocks: list[Block] = field(default_factory=list)
    titles: dict[str, tuple[str, float | None]] = field(default_factory=dict)
    tokens: int = 0


def _day(epoch: float | None) -> str:
    return timefmt.day(epoch)


_clip = clip


def _source_line(conversation_id: str, title: str, when: float | None) -> str:
    return f"- {title or '(untitled)'} — {_day(when)} — `{conversation_id}`"


class PackBuilder:
    """Builds one pack; holds the redactor and the running token count."""

    def __init__(self, library: PackSource, options: PackOptions) -> None:
        if options.target not in TARGETS:
            raise UsageError(
                f"Unknown pack target {options.target!r}.", f"Choose one of: {', '.join(TARGETS)}."
            )
        if options.budget < MIN_BUDGET:
            raise UsageError(
                f"A budget of {options.budget} tokens is too small for a context pack.",
                f"Use --budget {MIN_BUDGET} or more (8000 is a good start).",
            )
        self.library = library
        self.conn = library.conn
        self.llm = library.settings.llm_endpoint(options.llm_url)
        self.options = options
        self.redact = Redactor(enabled=options.redact)
        self.draft = Draft()
        # Room for the header, section headings, the Sources heading and target wrapping.
        self.reserve = 160
        self.budget = options.budget

    # -- budget ---------------------------------------------------------------------------
    def _cost(self, block: Block) -> int:
        new = {c for c, _ in block.cites if c not in self.draft.titles}
        source_cost = sum(self._source_cost(c) for c in new)
        return estimate_tokens(block.text) + 1 + source_cost

    def _source_cost(self, conversation_id: str) -> int:
        title, when = self._conversation_title(conversation_id)
        return estimate_tokens(_source_line(conversation_id, title, when)) + 1

    def _conversation_title(self, conversation_id: str) -> tuple[str, float | None]:
        if conversation_id in self.draft.titles:
            return self.draft.titles[conversation_id]
        conv = reader.get_conversation(self.conn, conversation_id)
        value = (self.redact(conv.title) if conv else "", conv.create_time if conv else None)
        self._titles_cache[conversation_id] = value
        return value

    _titles_cache: dict[str, tuple[str, float | None]]

    def add(self, block: Block, cap: int | None = None) -> bool:
        """Add ``block`` if it fits the budget (and the section ``cap``); True if added."""
        cost = self._cost(block)
        if self.draft.tokens + cost > self.budget - self.reserve:
            return False
        if cap is not None and self._section_tokens(block.section) + cost > cap:
            return False
        for conversation_id, _ in block.cites:
            if conversation_id not in self.draft.titles:
                self.draft.titles[conversation_id] = self._conversation_title(conversation_id)
        self.draft.blocks.append(block)
        self.draft.tokens += cost
        return True

    def _section_tokens(self, section: str) -> int:
        return sum(estimate_tokens(b.text) + 1 for b in self.draft.blocks if b.section == section)

    def remaining(self) -> int:
        return self.budget - self.reserve - self.draft.tokens

    # -- scope ----------------------------------------------------------------------------
    def scope(self) -> list[str]:
        """Conversation ids to draw threads and facts from, most important first."""
        opts = self.options
        filters = Filters(since=opts.since, model=opts.model, project=opts.project)
        if opts.conversations:
            ids = []
            for given in opts.conversations:
                conv, _ = self.library.conversation(given)
                ids.append(conv.id)
            return ids
        if opts.search:
            hits = self.library.search(opts.search, filters, limit=200)
            ordered: list[str] = []
            for hit in hits:
                if hit.conversation_id not in ordered:
                    ordered.append(hit.conversation_id)
            if not ordered:
                raise UsageError(
                    f"No messages match {opts.search!r} for this pack.",
                    "Try other words, or pack without --search.",
                )
            return ordered
        ids = continuity.ranked_conversations(self.conn, filters)
        if not ids:
            raise UsageError(
                "No conversations match the pack's filters.",
                "Check --project/--since/--model (keeper list shows what is there).",
            )
        return ids

    # -- sections -------------------------------------------------------------------------
    def about_blocks(self) -> list[Block]:
        """Custom instructions (latest version of each) and memories, with dates and sources."""
        items = [i for i in reader.profile_items(self.conn) if i["included"]]
        times = continuity.profile_item_times(self.conn)
        blocks = []
        for kind, label in (
            ("about_user", "What I told ChatGPT about myself"),
            ("about_model", RESPOND_MARK.strip("*")),
        ):
            versions = [i for i in items if i["kind"] == kind]
            if not versions:
                continue
            latest = max(
                versions, key=lambda i: (times.get(i["id"], (None, None))[1] or 0, i["id"])
            )
            text = self.redact(latest["edited_text"] or latest["text"])
            first, last = times.get(latest["id"], (None, None))
            note = (
                f" ({len(versions)} versions; this one used until {_day(last)})"
                if len(versions) > 1
                else f" (since {_day(first)})"
            )
            cite = f"source: {self._title_for(latest['conversation_id'])}"
            blocks.append(
                Block(
                    "about",
                    f"**{label}**{note}, {cite}:\n\n> {_quote_block(text)}",
                    [(latest["conversation_id"], None)],
                )
            )
        memories = sorted(
            (i for i in items if i["kind"] == "memory"),
            key=lambda i: (times.get(i["id"], (None, None))[0] or 0, i["id"]),
        )
        for item in memories:
            text = self.redact(item["edited_text"] or item["text"])
            when = _day(times.get(item["id"], (None, None))[0] or item["time"])
            source = self._title_for(item["conversation_id"])
            blocks.append(
                Block(
                    "about",
                    f"- {_clip(text, 300)} _(memory, {when}; {source})_",
                    [(item["conversation_id"], None)],
                )
            )
        return blocks

    def _title_for(self, conversation_id: str) -> str:
        title, _ = self._conversation_title(conversation_id)
        return f"“{title or '(untitled)'}”"

    def persona_blocks(self, persona: Persona) -> list[Block]:
        """The persona card, most telling parts first."""
        if not persona.messages:
            return []
        r = self.redact
        lines = [
            f"You are taking over from **{persona.model or 'my previous assistant'}** "
            f"({persona.messages:,} replies in {persona.conversations:,} conversations). "
            "This is how it spoke with me:"
        ]
        tone = persona.tone
        if tone:
            lines.append(
                f"- Replies of about {tone['median_words']:g} words; asks a question in "
                f"{tone['question_rate']:.0%}, uses emoji in {tone['emoji_rate']:.0%}, "
                f"warm words in {tone['warmth_rate']:.0%}, "
                f"lists in {tone['list_rate']:.0%} of replies."
            )
        blocks = [Block("persona", "\n".join(lines))]
        for label, traits in (
            ("Called me", persona.address_forms),
            ("Rituals", persona.rituals),
            ("Recurring phrases", persona.phrases),
        ):
            if not traits:
                continue
            parts = ", ".join(f"“{r(t.label)}” ({t.count}×)" for t in traits[:6])
            cites = [(q.conversation_id, q.message_id) for t in traits[:6] for q in t.examples[:1]]
            example = traits[0].examples[0] if traits[0].examples else None
            text = f"- {label}: {parts}"
            if example is not None:
                text += f"; e.g. “{_clip(r(example.text), 160)}” {_cite(example)}"
            blocks.append(Block("persona", text, cites[:1] if example else []))
        for user, reply in persona.exchanges:
            blocks.append(
                Block(
                    "persona",
                    f"> **Me:** {_clip(r(user.text), 200)}\n"
                    f"> **You:** {_clip(r(reply.text), 320)}\n"
                    f"> {_cite(reply)}",
                    [(reply.conversation_id, reply.message_id)],
                )
            )
        return blocks

    def thread_blocks(self, summary: Summary, detail: int) -> list[Block]:
        """One thread: heading line, then quoted abstract, decisions, open questions, last state."""
        r = self.redact
        span = _day(summary.create_time)
        if summary.update_time and _day(summary.update_time) != span:
            span += f" → {_day(summary.update_time)}"
        head = (
            f"### {r(summary.title) or '(untitled)'}\n{span} · {summary.message_count} messages"
            + (f" · {', '.join(summary.models[:3])}" if summary.models else "")
            + f" · `{summary.conversation_id}`"
        )
        if summary.keywords:
            head += f"\nKeywords: {', '.join(r(k) for k in summary.keywords[:8])}"
        if summary.llm_abstract:
            head += f"\n{r(summary.llm_abstract)}"
        lines = [head]
        cites: list[tuple[str, str | None]] = [(summary.conversation_id, None)]
        used: set[str] = set()
        groups = (
            ("Gist", summary.abstract[:detail]),
            ("Decided", summary.decisions),
            ("Open", summary.open_questions),
            ("Last", summary.last_state),
        )
        for label, quotes in groups:
            for quote in quotes:
                if quote.node_id in used:
                    continue
                used.add(quote.node_id)
                lines.append(
                    f"- {label}: {(quote.role or '?')[0].upper()}: "
                    f"“{_clip(r(quote.text), QUOTE_CHARS)}” {_cite(quote, title=False)}"
                )
                cites.append((summary.conversation_id, quote.message_id))
        return [Block("threads", "\n".join(lines), cites)]

    def fact_block(self, fact: Fact) -> Block:
        """One key fact line with its source."""
        node = fact.node
        text = _clip(self.redact(fact.text), FACT_CHARS)
        title = self._title_for(fact.conversation_id)
        message = node.message_id or node.node_id
        return Block(
            "facts",
            f"- {text} — {title}, {_day(node.create_time)}, msg `{message}`",
            [(fact.conversation_id, node.message_id or node.node_id)],
        )

    # -- assembly -------------------------------------------------------------------------
    def build(self) -> Pack:
        """Choose blocks within the budget and render them for the target."""
        self._titles_cache = {}
        started = time.perf_counter()
        opts = self.options
        ids = self.scope()
        about = self.about_blocks()
        persona = build_persona(self.conn, opts.model)
        for block in about:
            self.add(block, cap=int(self.budget * 0.25))
        for block in self.persona_blocks(persona):
            self.add(block, cap=int(self.budget * 0.15))
        thread_cap = int(self.remaining() * 0.55)
        summaries: list[Summary] = []
        turns_by_id: dict[str, list[Any]] = {}
        df, docs = corpus_df(self.conn)
        idf = {t: math.log((docs + 1) / (d + 1)) + 1.0 for t, d in df.items()}
        for conversation_id in ids:
            if self._section_tokens("threads") >= thread_cap:
                break
            summary = summarize_conversation(self.conn, conversation_id, llm=self.llm)
            if not summary.message_count:
                continue
            detail = 3 if len(ids) > 3 else 5
            for block in self.thread_blocks(summary, detail):
                if self.add(block, cap=thread_cap):
                    summaries.append(summary)
        cited = {m for b in self.draft.blocks for _, m in b.cites if m}
        candidates: list[Fact] = []
        for conversation_id in ids[:FACT_SCAN_LIMIT]:
            conv, rows = self.library.conversation(conversation_id)
            turns = visible_turns(rows)
            turns_by_id[conversation_id] = turns
            candidates.extend(candidate_facts(turns, conv.id, conv.title, idf))
        cited_nodes = {
            t.node_id for turns in turns_by_id.values() for t in turns if t.message_id in cited
        }
        for fact in pick_facts(candidates, cited_nodes, idf):
            if self.remaining() < 20:
                break
            self.add(self.fact_block(fact))
        # Room left after facts goes to further threads.
        for conversation_id in ids:
            if self.remaining() < 80:
                break
            if any(s.conversation_id == conversation_id for s in summaries):
                continue
            summary = summarize_conversation(self.conn, conversation_id, llm=self.llm)
            if summary.message_count:
                for block in self.thread_blocks(summary, 2):
                    if self.add(block):
                        summaries.append(summary)
        return self._finish(persona, len(ids), time.perf_counter() - started)

    def _finish(self, persona: Persona, scope_count: int, seconds: float) -> Pack:
        sources = [
            Source(
                cid,
                title,
                _day(when),
                sorted({m for b in self.draft.blocks for c, m in b.cites if c == cid and m}),
            )
            for cid, (title, when) in self.draft.titles.items()
        ]
        while True:
            text, fields = render(
                self.options.target,
                sections={
                    s: [b.text for b in self.draft.blocks if b.section == s] for s in SECTIONS
                },
                sources=[
                    _source_line(
                        s.conversation_id, s.title, self.draft.titles[s.conversation_id][1]
                    )
                    for s in sources
                ],
                header=self._header(scope_count, persona),
                redaction_note=self.redact.summary_line() if self.options.redact else None,
            )
            tokens = estimate_tokens(text)
            if tokens <= self.budget or not self.draft.blocks:
                break
            # The reserve was too small (long titles, target wrapping): drop the last block.
            dropped = self.draft.blocks.pop()
            self.draft.tokens -= estimate_tokens(dropped.text) + 1
            still = {c for b in self.draft.blocks for c, _ in b.cites}
            for cid in [c for c in self.draft.titles if c not in still]:
                del self.draft.titles[cid]
            sources = [s for s in sources if s.conversation_id in self.draft.titles]
        # The stated count is part of the text it counts: settle on a fixed point (the
        # placeholder is longer than any count, so the final text never grows past budget).
        final = text.replace("{TOKENS}", str(tokens))
        for _ in range(3):
            counted = estimate_tokens(final)
            if counted == tokens:
                break
            tokens = counted
            final = text.replace("{TOKENS}", str(tokens))
        return Pack(
            text=final,
            tokens=estimate_tokens(final),
            budget=self.budget,
            target=self.options.target,
            tokenizer=TOKENIZER,
            sources=sources,
            redactions=self.redact.report(),
            fields=fields,
        )

    def _header(self, scope_count: int, persona: Persona) -> str:
        opts = self.options
        scope = []
        if opts.conversations:
            scope.append(f"{len(opts.conversations)} chosen conversation(s)")
        if opts.search:
            scope.append(f"conversations matching “{self.redact(opts.search)}”")
        if opts.project:
            scope.append(f"project `{opts.project}`")
        if opts.since:
            scope.append(f"since {_day(opts.since)}")
        if opts.model:
            scope.append(f"model {opts.model}")
        where = "; ".join(scope) or "the whole archive, most important first"
        return (
            f"Context pack made by keeper on {timefmt.today()} from {where} "
            f"({scope_count} conversations in scope). ~{{TOKENS}} tokens of a {self.budget:,} "
            f"budget, estimated with {TOKENIZER}. Quotes end with their message id; "
            "Sources lists each conversation's title, date and id."
        )


def _cite(quote: Quote, *, title: bool = True) -> str:
    ref = quote.message_id or quote.node_id
    if title:
        return f"[“{quote.title or '(untitled)'}”, {_day(quote.create_time)}, msg `{ref}`]"
    return f"[{_day(quote.create_time)}, msg `{ref}`]"


def _quote_block(text: str) -> str:
    return "\n> ".join(text.strip().splitlines())


def build_pack(library: PackSource, options: PackOptions) -> Pack:
    """Build a context pack for ``options`` from ``library``."""
    return PackBuilder(library, options).build()
