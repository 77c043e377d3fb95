"""Assemble a context pack within a budget of real (o200k) tokens.

Order of priority, each part measured with the real tokenizer before it is kept:

1. a ``--conversation`` pack's own state cards (always);
2. about me (custom instructions with their periods, memories current or superseded, the
   people/pets/places/projects sheet), capped at a fifth of the budget;
3. the voice (persona) for the new model, capped at a sixth;
4. every thread in scope as a small state card, most meaningful first (span in months,
   sessions, the user's own messages and engagement, personal weight; never recency);
5. the cards grow (decided, still open, chapters) while the thread share allows;
6. key facts fill what is left; then more thread detail, persona examples and earlier
   instruction versions.

Every quote carries a short reference resolved under Sources (``keeper.pack.refs``).
Redaction runs once over everything rendered (``keeper.pack.redact``).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keeper import timefmt
from keeper.config import LlmEndpoint
from keeper.errors import UsageError
from keeper.model import Pack, Quote, Source
from keeper.pack import sections as S
from keeper.pack.digest import ThreadDigest, digests
from keeper.pack.facts import pick_facts, ranked
from keeper.pack.memories import memory_states
from keeper.pack.options import MIN_BUDGET, TARGETS, PackOptions
from keeper.pack.polish import PolishResult, polish_card
from keeper.pack.redact import Redactor
from keeper.pack.refs import Cite, Refs, mark
from keeper.pack.targets import render
from keeper.pack.tokens import TOKENIZER, count_tokens
from keeper.parse.content_types import CONTEXT
from keeper.parse.profile import profile_items as parsed_profile
from keeper.store import continuity, reader
from keeper.store.filters import Filters
from keeper.summarize.keywords import term_weights
from keeper.summarize.profile import life_sheet
from keeper.summarize.state import ThreadState, day
from keeper.summarize.terms import terms
from keeper.summarize.voice import build_voice

if TYPE_CHECKING:
    from keeper.pack.source import PackSource

SECTIONS = ("about", "persona", "threads", "facts")
CARD_SCAN = 60  # conversations given a state card at most (the most meaningful)
FACT_SCAN = 200  # conversations scanned for key facts
LIFE_TURNS = 600  # user turns read for the people/pets/places sheet (evenly spaced)


@dataclass(slots=True)
class Part:
    """A kept piece of one section, its text resolved."""

    section: str
    text: str
    tokens: int
    key: str = ""
    group: str = ""  # facts: the conversation they are grouped under


@dataclass(slots=True)
class Thread:
    """A thread in scope with its state and meaning score."""

    conversation_id: str
    title: str
    score: float
    state: ThreadState | None = None
    user_turns: tuple[int, ...] = ()  # node rowids of its visible user turns
    level: int = -1


class PackBuilder:
    """Builds one pack: chooses parts within the budget, then renders the target."""

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
        self.budget = options.budget
        self.parts: list[Part] = []
        self.refs = Refs()
        self.titles: dict[str, tuple[str, str]] = {}
        self.used = 0
        self.source_tokens: dict[str, int] = {}
        self.history: list[tuple[Refs, dict[str, int], int, tuple[int, Part] | None, set[str]]] = []
        self.sheet_names: list[str] = []
        self.meaning: dict[str, float] = {}
        self.parts_by_text: dict[str, str] = {}
        self.card_keys: set[str] = set()
        self.notes: list[str] = []
        self.polished = PolishResult()
        self.one_offs: set[str] = set()
        self._examples: list[tuple[str, tuple[Quote, Quote]]] = []
        self.who = S.Person()
        self.user_name: str | None = None
        self.profile: list[dict[str, Any]] = []  # the included profile items, read once

    # -- budget ---------------------------------------------------------------------------
    def _prefetch_titles(self, conversation_ids: list[str]) -> None:
        """Title and day of every conversation a pack may cite, in one query."""
        for cid, (title, created) in continuity.titles(self.conn, conversation_ids).items():
            self.titles[cid] = (title or "(untitled)", day(created))

    def _title(self, conversation_id: str) -> tuple[str, str]:
        if conversation_id not in self.titles:
            conv = reader.get_conversation(self.conn, conversation_id)
            self.titles[conversation_id] = (
                (conv.title if conv else "") or "(untitled)",
                day(conv.create_time if conv else None),
            )
        return self.titles[conversation_id]

    def _resolve(
        self, text: str, cites: list[Cite], home: str | None, card: bool = False
    ) -> tuple[str, Refs, int]:
        for cite in cites:
            self._title(cite.conversation_id)
        resolved, trial = self.refs.resolve(text, cites, self.titles, home)
        delta = 0
        for cid in {c.conversation_id for c in cites}:
            before = self.source_tokens.get(cid, 0)
            delta += self._line_tokens(trial, cid, card and cid == home) - before
        return resolved, trial, delta

    def _line_tokens(self, refs: Refs, cid: str, card: bool) -> int:
        titled = card or f"card:{cid}" in self.card_keys
        return count_tokens(refs.sources[cid].line(titled)) + 1

    def _commit(self, trial: Refs, cites: list[Cite], home: str | None, card: bool) -> None:
        self.refs = trial
        for cid in {c.conversation_id for c in cites}:
            self.source_tokens[cid] = self._line_tokens(trial, cid, card and cid == home)

    def room(self) -> int:
        """Tokens still free."""
        return self.budget - self.reserve - self.used

    def section_tokens(self, section: str) -> int:
        """Tokens kept in ``section`` so far."""
        return sum(p.tokens for p in self.parts if p.section == section)

    def add(
        self,
        section: str,
        text: str,
        cites: list[Cite],
        cap: int | None = None,
        key: str = "",
        group: str = "",
        extra: int = 0,
        home: str | None = None,
    ) -> bool:
        """Keep ``text`` if it fits the budget (and ``cap`` for its section). ``home``: the
        conversation a block is headed by (its quotes are cited as ``#k``)."""
        card = key.startswith("card:")
        resolved, trial, delta = self._resolve(text, cites, home, card)
        tokens = count_tokens(resolved) + 2 + extra
        cost = tokens + delta
        if cost > self.room():
            return False
        if cap is not None and self.section_tokens(section) + tokens > cap:
            return False
        self._remember(None)
        self._commit(trial, cites, home, card)
        if card:
            self.card_keys.add(key)
        self.parts.append(Part(section, resolved, tokens, key, group))
        self.used += cost
        return True

    def replace(
        self,
        key: str,
        text: str,
        cites: list[Cite],
        cap: int | None = None,
        home: str | None = None,
    ) -> bool:
        """Swap the part ``key`` for a longer version if the difference fits."""
        index = next(i for i, p in enumerate(self.parts) if p.key == key)
        old = self.parts[index]
        resolved, trial, delta = self._resolve(text, cites, home, True)
        tokens = count_tokens(resolved) + 2
        cost = tokens - old.tokens + delta
        if cost > self.room():
            return False
        if cap is not None and self.section_tokens(old.section) - old.tokens + tokens > cap:
            return False
        self._remember((index, old))
        self._commit(trial, cites, home, True)
        self.parts[index] = Part(old.section, resolved, tokens, key, old.group)
        self.used += cost
        return True

    def _remember(self, replaced: tuple[int, Part] | None) -> None:
        self.history.append(
            (self.refs, dict(self.source_tokens), self.used, replaced, set(self.card_keys))
        )

    def undo(self) -> None:
        """Take back the last add or replace (when the rendered pack runs over)."""
        self.refs, self.source_tokens, self.used, replaced, self.card_keys = self.history.pop()
        if replaced is None:
            self.parts.pop()
        else:
            index, old = replaced
            self.parts[index] = old

    # -- scope and ranking ----------------------------------------------------------------
    def _filters(self) -> Filters:
        opts = self.options
        return Filters(since=opts.since, model=opts.model, project=opts.project)

    def scope(self) -> list[str]:
        """Conversation ids in scope: chosen, found, or every one matching the filters,
        ranked by what they meant (see :meth:`rank`)."""
        opts = self.options
        if opts.conversations:
            ids: list[str] = []
            for given in opts.conversations:
                conv, _ = self.library.conversation(given)
                if conv.id not in ids:
                    ids.append(conv.id)
            return ids
        if opts.search:
            hits = self.library.search(opts.search, self._filters(), limit=200, context=False)
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
        ranked = self.rank()
        if not ranked:
            raise UsageError(
                "No conversations match the pack's filters.",
                "Check --project/--since/--model (keeper list shows what is there).",
            )
        return ranked

    def rank(self) -> list[str]:
        """Conversations by what they meant to the person: months spanned, days returned
        to, the user's own messages and their length. One-off questions (one day, at most
        two messages from the user) rank below every thread; recency plays no part."""
        rows = continuity.conversation_engagement(self.conn, self._filters())
        scored = []
        for cid, first, last, user_turns, user_chars, _replies, days in rows:
            user_turns = int(user_turns or 0)
            span_days = max(0.0, float(last or 0) - float(first or 0)) / 86400.0
            score = (
                1.2 * math.log1p(span_days / 30.0)
                + 1.0 * math.log1p(max(0, int(days or 1) - 1))
                + 0.8 * math.log1p(user_turns)
                + 0.3 * math.log1p((int(user_chars or 0) / max(1, user_turns)) / 100.0)
            )
            if user_turns <= 2 and int(days or 1) <= 1:
                score *= 0.25
            scored.append((score, str(cid)))
            self.meaning[str(cid)] = score
            if user_turns <= 2 and int(days or 1) <= 1:
                self.one_offs.add(str(cid))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [cid for _, cid in scored]

    # -- parts ----------------------------------------------------------------------------
    def about(self, scope_ids: list[str], threads: list[Thread]) -> None:
        """Custom instructions, memories and the life sheet."""
        cap = self.budget // 5
        items = self.profile
        times = continuity.profile_item_times(self.conn)
        for kind, label in (
            ("about_user", "What I told ChatGPT about myself"),
            ("about_model", "How I asked ChatGPT to respond"),
        ):
            versions = sorted(
                (i for i in items if i["kind"] == kind),
                key=lambda i: (times.get(i["id"], (None, None))[0] or 0, i["id"]),
            )
            if not versions:
                continue
            latest = versions[-1]
            first, _ = times.get(latest["id"], (None, None))
            cites: list[Cite] = []
            text = S.instruction_block(
                self._label(label),
                latest["edited_text"] or self._line_breaks(latest),
                first,
                None,
                len(versions),
                latest["conversation_id"],
                cites,
            )
            self.add("about", text, cites, cap=cap, key=f"ci:{kind}")
            # An earlier version was in effect until the next one was first seen.
            self._earlier_instructions.extend(
                (
                    label,
                    v,
                    (
                        times.get(v["id"], (None, None))[0],
                        times.get(versions[n + 1]["id"], (None, None))[0],
                    ),
                )
                for n, v in enumerate(versions[:-1])
            )
        memories = memory_states(self.library, items, times)
        if memories:
            cites = []
            seen = " ".join(
                mark(cites, cid, None) for cid in dict.fromkeys(m.conversation_id for m in memories)
            )
            heading = f"**Memories** (seen in {seen}; superseded ones struck through)"
            self.add("about", heading, cites, cap=cap)
        for memory in memories:
            cites = []
            self.add("about", S.memory_line(memory, cites), cites, cap=cap)
        sheet = life_sheet(self._user_quotes(threads), [m.text for m in memories] + self.notes)
        if sheet:
            self.add(
                "about", f"**People, pets, places and projects in {self.who.my} life**", [], cap=cap
            )
            for entry in sheet:
                cites = []
                self.add("about", S.life_line(entry, cites), cites, cap=cap)
        self.sheet_names = [e.name for e in sheet if not e.name.startswith(("my ", "我"))]

    def _line_breaks(self, item: dict[str, Any]) -> str:
        """The instruction text as written: the archive stores it with whitespace folded (its
        key), so the line breaks are read back from the node it came from."""
        raw = continuity.node_raw(self.conn, item["conversation_id"], item["node_id"])
        message = raw.get("message") if raw else None
        for found in parsed_profile(message, CONTEXT, "", item["node_id"], None):
            if found.kind == item["kind"] and " ".join(found.text.split()) == " ".join(
                str(item["text"]).split()
            ):
                return found.text
        return str(item["text"])

    def _label(self, label: str) -> str:
        if self.who.i == "I":
            return label
        return label.replace(
            "I told ChatGPT about myself", f"{self.who.i} wrote about themselves"
        ).replace("How I asked ChatGPT to respond", f"How {self.who.i} asked you to respond")

    def _user_quotes(self, threads: list[Thread]) -> list[Quote]:
        """The user's turns in the threads given cards, at most ``LIFE_TURNS`` of them
        evenly spaced, read by row id."""
        ends = list(itertools.accumulate(len(t.user_turns) for t in threads))
        total = ends[-1] if ends else 0
        step = total / LIFE_TURNS if total > LIFE_TURNS else 1.0
        turns = []
        for i in range(min(total, LIFE_TURNS)):
            at = int(i * step)
            n = bisect.bisect_right(ends, at)
            thread = threads[n]
            turns.append((thread, thread.user_turns[at - (ends[n - 1] if n else 0)]))
        found = continuity.user_turns(self.conn, [rowid for _, rowid in turns])
        return [
            Quote(str(node_id), mid, "user", created, str(text), th.conversation_id, th.title)
            for th, rowid in turns
            if rowid in found
            for node_id, mid, created, text in [found[rowid]]
        ]

    def persona(self, scope_ids: list[str], whole_archive: bool, notes: list[str]) -> None:
        """The voice, scoped to the pack's conversations unless ``whole_archive``."""
        cap = self.budget // 6
        model = self.options.model or (self._main_model() if whole_archive else None)
        voice = build_voice(
            self.conn,
            model,
            None if whole_archive else scope_ids,
            notes,
            {self.user_name} if self.user_name else set(),
        )
        if not voice.replies:
            return
        model = model or self._main_model()
        cites: list[Cite] = []
        self.add("persona", S.voice_lead(voice, self.who, model, cites), cites, cap=cap)
        shared: list[Cite] = []
        for line in S.voice_lines(voice, self.who, shared):
            # One cite list per line, so a line that does not fit takes no numbers.
            own: list[Cite] = []
            self.add("persona", _remark(line, shared, own), own, cap=cap)
        self._examples = list(voice.examples.items())

    def _main_model(self) -> str | None:
        counts = self.library.assistant_models()
        return counts[0][0] if counts else None

    def examples(self) -> None:
        """One example exchange per register, while the persona share allows."""
        cap = self.budget // 6 + self.budget // 20
        for register, (user, reply) in self._examples:
            cites: list[Cite] = []
            self.add(
                "persona", S.example_block(register, user, reply, self.who, cites), cites, cap=cap
            )

    def threads(self, threads: list[Thread], cap: int, levels: tuple[int, ...]) -> None:
        """Give each thread a card at the first level, then grow them one level at a time."""
        for level in levels:
            for thread in threads:
                if thread.state is None or thread.level >= level:
                    continue
                cites: list[Cite] = []
                text = S.card(thread.state, level, thread.title, self.who, cites)
                key = f"card:{thread.conversation_id}"
                home = thread.conversation_id
                if thread.level < 0:
                    ok = self.add("threads", text, cites, cap=cap, key=key, home=home)
                else:
                    ok = self.replace(key, text, cites, cap=cap, home=home)
                if ok:
                    thread.level = level

    def facts(self, threads: list[Thread], ids: list[str]) -> None:
        """Fill the room left with key facts, grouped under their conversation."""
        weights = term_weights(self.conn)
        query = set(terms(self.options.search)) if self.options.search else None
        pool = [
            (cid, digest.facts, digest.fact_scores(weights, query))
            for cid, digest in digests(self.library, ids[:FACT_SCAN]).items()
        ]
        quoted = {m for e in self.refs.sources.values() for m in e.messages}
        exclude = {
            seed.node_id for _, seeds, _ in pool for seed in seeds if seed.message_id in quoted
        }
        for fact in pick_facts(ranked(pool), exclude):
            if self.room() < 25:
                break
            cites: list[Cite] = []
            line = S.fact_line(fact.seed.text, fact.conversation_id, fact.seed.message_id, cites)
            title, when = self._title(fact.conversation_id)
            new_group = not any(p.group == fact.conversation_id for p in self.parts)
            carded = any(p.key == f"card:{fact.conversation_id}" for p in self.parts)
            # Facts of a thread with a card go into its card, under one short heading.
            heading = "- Also said:\n" if carded else f"**{title}** ({when}) [00]\n"
            extra = count_tokens(heading) if new_group else 0
            self.add(
                "facts",
                line,
                cites,
                key=f"fact:{(fact.seed.role or '?')[0]}:{fact.seed.node_id}",
                group=fact.conversation_id,
                extra=extra,
                home=fact.conversation_id,
            )

    def earlier_instructions(self) -> None:
        """Older custom-instruction versions, at the end of the priority list."""
        for label, item, (first, last) in self._earlier_instructions:
            cites: list[Cite] = []
            text = S.instruction_block(
                self._label(label),
                item["edited_text"] or self._line_breaks(item),
                first,
                last,
                1,
                item["conversation_id"],
                cites,
                current=False,
            )
            self.add("about", text, cites)

    # -- assembly -------------------------------------------------------------------------
    def build(self) -> Pack:
        """Choose parts within the budget and render them for the target."""
        started = time.perf_counter()
        opts = self.options
        self._earlier_instructions: list[
            tuple[str, dict[str, Any], tuple[float | None, float | None]]
        ] = []
        ids = self.scope()
        self._prefetch_titles(ids[:FACT_SCAN])
        self.profile = [i for i in reader.profile_items(self.conn) if i["included"]]
        notes = [i["edited_text"] or i["text"] for i in self.profile]
        self.notes = [i for i in notes if i]
        self.user_name = _user_name(notes)
        if opts.target == "system-prompt":
            self.who = S.Person.third(self.user_name)
        self.reserve = count_tokens(self._header(len(ids))) + 90
        # A search picks conversations by topic, not a part of the relationship: its pack
        # carries the archive's voice. A model pack's is that model's across the archive
        # (every reply it gave); a project, period or conversation pack describes how the
        # assistant spoke there.
        archive_voice = not (opts.conversations or opts.project or opts.since)
        threads = self._threads(ids)
        thread_share = self.budget * 45 // 100
        if opts.conversations:
            # The chosen conversations' own cards come first, whatever else fits.
            self.threads(threads, self.budget, (0,))
        self.about(ids, threads)
        self.persona(ids, archive_voice, notes)
        self.threads(threads, thread_share, (0,))
        # Threads that ran over sessions or long get their detail before the facts.
        deep = [
            t for t in threads if t.state and (t.state.sessions > 1 or t.state.user_turns >= 25)
        ]
        self.threads(deep, thread_share, (1, 2))
        self.facts(threads, ids)
        self.threads(threads, self.budget, (1, 2, 3))
        self.examples()
        self.earlier_instructions()
        if self.llm is not None:
            self.polish(self.llm)
        return self._finish(len(ids), time.perf_counter() - started)

    def polish(self, url: LlmEndpoint) -> None:
        """Put a checked LLM summary at the top of each card that has room for it."""
        for index, part in enumerate(list(self.parts)):
            if not part.key.startswith("card:"):
                continue
            head, _, rest = part.text.partition("\n")
            span, _, body = rest.partition("\n")
            answer = polish_card(url, head, part.text)
            if answer is None:
                self.polished.fell_back += 1
                continue
            text = f"{head}\n{span}\n- In short (LLM, checked): {answer}\n{body}"
            tokens = count_tokens(text) + 2
            if tokens - part.tokens > self.room():
                self.polished.fell_back += 1
                continue
            self._remember((index, part))
            self.parts[index] = Part(part.section, text, tokens, part.key, part.group)
            self.used += tokens - part.tokens
            self.polished.polished += 1

    def _threads(self, ids: list[str]) -> list[Thread]:
        # A one-off question is not a thread (its facts may still be kept).
        wanted = [
            cid for cid in ids[:CARD_SCAN] if cid not in self.one_offs or self.options.project
        ]
        out = [
            _thread(digest, self.meaning.get(cid, 0.0))
            for cid, digest in digests(self.library, wanted).items()
            if digest.message_count
        ]
        if self.meaning:
            # Personal weight (feelings, family, pets in the user's turns) refines the rank.
            out.sort(key=lambda t: -t.score)
        return out

    def _finish(self, scope_count: int, seconds: float) -> Pack:
        redactor = Redactor(enabled=self.options.redact)
        if self.options.redact and self.options.redact_names:
            redactor.add_names(self.sheet_names)
        while True:
            text, fields = self._render(scope_count)
            if redactor.enabled:
                text, fields = redactor.apply(text, fields)
            tokens = count_tokens(text.replace("{TOKENS}", "00000"))
            if tokens <= self.budget or not self.history:
                break
            self.undo()
        final = text.replace("{TOKENS}", str(tokens))
        tokens = count_tokens(final)
        final = text.replace("{TOKENS}", str(tokens))
        tokens = count_tokens(final)
        sources = [
            Source(e.conversation_id, redactor(e.title), e.date, list(e.messages))
            for e in sorted(self.refs.sources.values(), key=lambda e: e.number)
        ]
        if redactor.enabled:
            redactor.verify(final, fields, [s.title for s in sources])
        cited_tokens = _citation_tokens(final)
        return Pack(
            text=final,
            tokens=tokens,
            budget=self.budget,
            target=self.options.target,
            tokenizer=TOKENIZER,
            sources=sources,
            redactions=redactor.report(),
            fields=fields,
            citation_tokens=cited_tokens,
            llm={"polished": self.polished.polished, "fell_back": self.polished.fell_back}
            if self.options.llm_url
            else {},
        )

    def _render(self, scope_count: int) -> tuple[str, dict[str, str]]:
        blocks: dict[str, list[str]] = {s: [] for s in SECTIONS}
        for section in ("about", "persona", "threads"):
            blocks[section] = [p.text for p in self.parts if p.section == section]
        self.parts_by_text = {
            p.text: p.key.removeprefix("card:") for p in self.parts if p.key.startswith("card:")
        }
        groups: dict[str, list[str]] = {}
        facts = [p for p in self.parts if p.section == "facts"]
        # The user's own statements first in each group, then the other side's.
        for part in sorted(facts, key=lambda p: p.key.startswith("fact:a:")):
            groups.setdefault(part.group, []).append(part.text)
        for i, card_text in enumerate(blocks["threads"]):
            cid = self.parts_by_text.get(card_text, "")
            if cid in groups:
                # A card that grew after the facts were chosen may quote one of them already.
                quoted = set(re.findall(r"(?<=\s)#\d+\b", card_text))
                kept = [f for f in groups.pop(cid) if f.rsplit(" ", 1)[-1] not in quoted]
                if not kept:
                    continue
                lines = "\n".join("  " + line for line in kept)
                blocks["threads"][i] = f"{card_text}\n- Also said:\n{lines}"
        order = sorted(groups, key=lambda cid: (self._title(cid)[1], cid))
        for cid in order:
            title, when = self._title(cid)
            number = self.refs.sources[cid].number
            blocks["facts"].append(f"**{title}** ({when}) [{number}]\n" + "\n".join(groups[cid]))
        return render(
            self.options.target,
            sections=blocks,
            sources=self.refs.lines(set(self.parts_by_text.values())),
            header=self._header(scope_count),
            redaction_note=None,
            user=self.who,
        )

    def _header(self, scope_count: int) -> str:
        opts = self.options
        scope = []
        if opts.conversations:
            scope.append(f"{len(opts.conversations)} chosen conversation(s)")
        if opts.search:
            scope.append(f"conversations matching “{opts.search}”")
        if opts.project:
            scope.append(f"project {opts.project}")
        if opts.since:
            scope.append(f"since {day(opts.since)}")
        if opts.model:
            scope.append(f"model {opts.model}")
        where = "; ".join(scope) or "the whole archive"
        return (
            f"Made by keeper on {timefmt.today()} from {where} ({scope_count} "
            f"conversations). {{TOKENS}} of {self.budget:,} tokens, counted with {TOKENIZER}. "
            "[3] = source 3 under Sources; [3.2] or, under a heading marked [3], #2 = the 2nd "
            "message quoted from it (message ids: keeper pack --json)."
        )


_REF = re.compile(r"\[\d+(?:\.\d+)?\]|(?<=\s)#\d+\b")
_NAME_NOTE = re.compile(
    r"(?:preferred name|my name is|name is|call me|user'?s name is)[:\s]+([A-Z][a-z]{1,20})",
    re.IGNORECASE,
)


_CJK_NAME_NOTE = re.compile(
    r"(?:用户叫|我叫|名字是|用户的名字是|名前は)([\u4e00-\u9fff\u30a0-\u30ff]{2,4})"
)


def _thread(digest: ThreadDigest, meaning: float) -> Thread:
    return Thread(
        digest.conversation_id,
        digest.title,
        meaning + 1.5 * digest.personal,
        digest.state,
        digest.user_turns,
    )


def _user_name(notes: list[str]) -> str | None:
    for note in notes:
        match = _NAME_NOTE.search(note) or _CJK_NAME_NOTE.search(note)
        if match:
            return match.group(1)
    return None


def _remark(line: str, cites: list[Cite], own: list[Cite]) -> str:
    """Re-point the markers of ``line`` (into ``cites``) at a fresh list ``own``."""

    def swap(match: re.Match[str]) -> str:
        own.append(cites[int(match.group(1))])
        return f"\x00{len(own) - 1}\x00"

    return re.sub(r"\x00(\d+)\x00", swap, line)


def _citation_tokens(text: str) -> int:
    """Tokens spent on references and the Sources section."""
    refs = sum(count_tokens(" " + m) for m in _REF.findall(text.split("## Sources")[0]))
    tail = text.split("## Sources", 1)[1] if "## Sources" in text else ""
    return refs + count_tokens(tail)


def build_pack(library: PackSource, options: PackOptions) -> Pack:
    """Build a context pack for ``options`` from ``library``."""
    return PackBuilder(library, options).build()
