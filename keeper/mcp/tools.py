"""What each MCP tool does, over one read-only :class:`~keeper.library.Library`.

:class:`ArchiveTools` has one method per tool, each returning Markdown within its token
cap. It knows nothing of the protocol (keeper.mcp.server wires it up), so it can be
called directly. Calls are serialised: the SDK runs tools on worker threads, and one
SQLite connection serves them all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from keeper.errors import UsageError
from keeper.mcp import args
from keeper.mcp.budget import MAX_TOKENS, TOKENIZER, clip, count_tokens, fit
from keeper.mcp.render import (
    conversation_head,
    day,
    hit_block,
    list_line,
    message_block,
    message_ref,
    short_ids,
)
from keeper.mcp.warmup import ContinuityWarmup, EmbedderWarmup
from keeper.model import Conversation, Node, NodeKind
from keeper.pack.options import TARGETS, PackOptions
from keeper.pack.redact import Redactor
from keeper.store.filters import Filters
from keeper.tree import ConversationTree

if TYPE_CHECKING:
    from keeper.library import Library
    from keeper.search import Hit

# How long the first semantic search waits for the model before answering by keywords.
EMBEDDER_WAIT_S = 1.5
SORTS = ("updated", "created", "messages", "title")
# Ids are never personal data, and masking digits inside one would break the next call.
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_STASHED = re.compile("\x00(\\d+)\x00")


class ArchiveTools:
    """The tools, resources and prompt of keeper's MCP server, as plain methods."""

    def __init__(
        self,
        library: Library,
        *,
        redact: bool = False,
        continuity: ContinuityWarmup | None = None,
    ) -> None:
        self.library = library
        self.continuity = continuity
        self.redact = redact
        self._redactor = Redactor(enabled=redact)
        self._lock = threading.Lock()
        self.warmup = EmbedderWarmup(library)

    # -- shared ----------------------------------------------------------------------------
    def _finish(self, text: str, max_tokens: int) -> str:
        """Redact (with ``--redact``) and hold ``text`` to ``max_tokens``."""
        if self.redact:
            ids: list[str] = []

            def stash(match: re.Match[str]) -> str:
                ids.append(match.group(0))
                return f"\x00{len(ids) - 1}\x00"

            masked = self._redactor(_UUID.sub(stash, text))
            text = _STASHED.sub(lambda m: ids[int(m.group(1))], masked)
        return clip(text, max_tokens)

    def _call(
        self, max_tokens: int, produce: Callable[[int], str], *, continuity: bool = False
    ) -> str:
        cap = args.tokens(max_tokens)
        if continuity and self.continuity is not None:
            # The background warm-up is computing what this call needs: wait for it
            # rather than compute it twice.
            self.continuity.wait()
        with self._lock:
            return self._finish(produce(cap), cap)

    def _conversation(self, id_or_prefix: str) -> tuple[Conversation, list[Node]]:
        given = (id_or_prefix or "").strip().strip("`")
        if not given:
            raise UsageError(
                "Give a conversation id (search_history and list_conversations show them)."
            )
        try:
            return self.library.conversation(given)
        except UsageError as error:
            raise UsageError(
                f"No conversation has the id {given!r} (or it is a prefix shorter than 6 "
                "characters, or one that several conversations share). Use an id exactly as "
                "search_history or list_conversations show it."
            ) from error

    # -- search_history --------------------------------------------------------------------
    def search_history(
        self,
        query: str,
        *,
        since: str | None = None,
        until: str | None = None,
        model: str | None = None,
        role: str | None = None,
        project: str | None = None,
        conversation: str | None = None,
        mode: str | None = None,
        limit: int = 10,
        max_tokens: int = 4000,
    ) -> str:
        """Message-level hits for ``query`` with the neighbouring turn of each."""
        if not query or not query.strip():
            raise UsageError("query is empty; give words or a phrase to look for.")
        if role not in (None, "user", "assistant"):
            raise UsageError(f"role={role!r}: use 'user' or 'assistant' (or leave it out).")
        if mode not in (None, "hybrid", "keyword", "semantic"):
            raise UsageError(f"mode={mode!r}: use 'hybrid', 'keyword' or 'semantic'.")
        if not 1 <= limit <= 50:
            raise UsageError(f"limit={limit} is out of range; use 1 to 50.")
        start, stop = args.date_range(since, until)

        def produce(cap: int) -> str:
            given = args.text(conversation)
            conv_id = self._conversation(given)[0].id if given else None
            filters = Filters(
                since=start,
                until=stop,
                model=args.text(model),
                role=role,
                project=args.text(project),
                conversation=conv_id,
            )
            hits, how, note = self._search(query.strip(), filters, mode, limit)
            head = f"Search for “{query.strip()}” ({how}): {len(hits)} message(s)."
            if note:
                head += f"\nNote: {note}"
            if not hits:
                return head + "\nNothing matched; try other words, fewer filters or another mode."
            head += (
                "\nRead more with read_conversation(id_or_prefix=<conversation>, "
                "around_message=<msg>)."
            )
            blocks = []
            for number, hit in enumerate(hits, start=1):
                forward = hit.role != "assistant"
                neighbour = self.library.adjacent_turn(
                    hit.conversation_id, hit.node_id, forward=forward
                )
                blocks.append(hit_block(number, hit, neighbour, snippet=_marked(hit)))
            text, _ = fit(
                head,
                blocks,
                cap,
                more="…{left} more hit(s) left out to stay within max_tokens; narrow the "
                "search or raise max_tokens.",
            )
            return text

        return self._call(max_tokens, produce)

    def _search(
        self, query: str, filters: Filters, mode: str | None, limit: int
    ) -> tuple[list[Hit], str, str]:
        """Hits, how they were found, and a note for the model."""
        library = self.library
        if mode == "keyword":
            return list(library.search(query, filters, mode="keyword", limit=limit)), "keyword", ""
        status = library.embedding_status()
        if status.embedded and status.model:
            self.warmup.start(status.model)
            if not self.warmup.ready(EMBEDDER_WAIT_S):
                why = self.warmup.error or "the embedding model is still loading"
                hits = library.search(query, filters, mode="keyword", limit=limit)
                return list(hits), "keyword", f"{why}; these are keyword matches only."
        result = library.search(query, filters, mode=mode, limit=limit)
        semantic = status.embedded and "keywords only" not in result.note
        return list(result), (mode or "hybrid") if semantic else "keyword", result.note

    # -- read_conversation -----------------------------------------------------------------
    def read_conversation(
        self,
        id_or_prefix: str,
        *,
        around_message: str | None = None,
        window: int = 6,
        include_hidden: bool = False,
        max_tokens: int = 6000,
    ) -> str:
        """The visible thread, or the messages around one message, as Markdown."""
        if not 0 <= window <= 100:
            raise UsageError(f"window={window} is out of range; use 0 to 100 messages.")

        def produce(cap: int) -> str:
            conv, rows = self._conversation(id_or_prefix)
            tree = ConversationTree.of_stored(rows)
            refs = short_ids([message_ref(n) for n in rows])
            thread = tree.thread()
            target: Node | None = None
            on_thread = True
            if args.text(around_message):
                target = _find_message(tree, str(around_message).strip().strip("`"), conv.id)
                if target.node_id not in {n.node_id for n in thread}:
                    thread = tree.path_through(target.node_id)
                    on_thread = False
            shown = [
                n
                for n in thread
                if n.kind != NodeKind.STRUCTURAL
                and (include_hidden or (n.kind == NodeKind.MESSAGE and not n.hidden) or n is target)
            ]
            per_message = max(150, cap // 3)
            blocks = [
                clip(message_block(n, tree, refs, mark=n is target), per_message) for n in shown
            ]
            where = "the visible thread" if on_thread else "another branch (not the visible one)"
            if not rows:
                return conversation_head(conv) + "\n\n_This conversation has no messages._"
            if target is None:
                head = conversation_head(
                    conv, f"Showing {where} from its start ({len(shown)} messages). " + _BRANCH_NOTE
                )

                def more(left: int) -> str:
                    first_left = shown[len(shown) - left]
                    ref = refs.get(message_ref(first_left), message_ref(first_left))
                    return (
                        f"…{left} later message(s) left out to stay within max_tokens. "
                        f"Read on with around_message=`{ref}`."
                    )

                return fit(head, blocks, cap, more=more)[0]
            center = next(i for i, n in enumerate(shown) if n is target)
            low, high = max(0, center - window), min(len(shown), center + window + 1)
            head = conversation_head(
                conv,
                f"Showing messages {low + 1}–{high} of {len(shown)} of {where}, around msg "
                f"`{refs[message_ref(target)]}`. " + _BRANCH_NOTE,
            )
            return _fit_around(head, blocks[low:high], center - low, cap)

        return self._call(max_tokens, produce)

    # -- list_conversations ----------------------------------------------------------------
    def list_conversations(
        self,
        *,
        title_contains: str | None = None,
        since: str | None = None,
        until: str | None = None,
        model: str | None = None,
        project: str | None = None,
        archived: bool | None = None,
        sort: str = "updated",
        limit: int = 30,
        max_tokens: int = 4000,
    ) -> str:
        """Conversations matching the filters, one line each."""
        if sort not in SORTS:
            raise UsageError(f"sort={sort!r}: use one of {', '.join(SORTS)}.")
        if not 1 <= limit <= 500:
            raise UsageError(f"limit={limit} is out of range; use 1 to 500.")
        start, stop = args.date_range(since, until)

        def produce(cap: int) -> str:
            filters = Filters(
                since=start, until=stop, model=args.text(model), project=args.text(project)
            )
            rows = self.library.conversations(
                filters,
                archived=archived,
                sort=sort,
                limit=limit,
                title_like=args.text(title_contains),
            )
            head = f"{len(rows)} conversation(s), sorted by {sort}" + (
                f" (first {limit})" if len(rows) == limit else ""
            )
            if not rows:
                return head + ". None match; loosen the filters."
            text, _ = fit(
                head + ". Read one with read_conversation(id_or_prefix=<id>).",
                [list_line(r) for r in rows],
                cap,
                more="…{left} more left out to stay within max_tokens.",
                sep="\n",
            )
            return text

        return self._call(max_tokens, produce)

    # -- profile and persona ---------------------------------------------------------------
    def get_profile(self, *, max_tokens: int = 4000) -> str:
        """Custom instructions and memories, dated, superseded versions marked."""

        def produce(cap: int) -> str:
            items = self.library.profile()
            shown = [i for i in items if i["included"]]
            excluded = len(items) - len(shown)
            head = (
                "# What the user told ChatGPT about themselves, and what it remembered\n"
                "Custom instructions (every version, newest first; only the current one is in "
                "force) and saved memories, each with its dates and source conversation."
            )
            if excluded:
                head += f"\n{excluded} item(s) the user excluded from hand-offs are not shown."
            if not shown:
                return head + "\n\n_The archive has no custom instructions or memories._"
            blocks = _profile_blocks(shown)
            text, _ = fit(head, blocks, cap, more="…{left} more item(s) left out (max_tokens).")
            return text

        return self._call(max_tokens, produce)

    def get_persona(self, *, model: str | None = None, max_tokens: int = 4000) -> str:
        """How the old model spoke with this user, with quoted examples."""

        def produce(cap: int) -> str:
            chosen = args.text(model)
            models = self.library.assistant_models()
            if chosen and chosen not in {m for m, _ in models}:
                known = ", ".join(f"{m} ({n})" for m, n in models[:12]) or "none"
                raise UsageError(
                    f"No assistant messages from model {chosen!r}. Models in the archive "
                    f"(replies): {known}."
                )
            persona = self.library.persona(chosen)
            if not persona.messages:
                return "The archive has no assistant replies to describe a persona from."
            return clip(persona.to_markdown(), cap)

        return self._call(max_tokens, produce, continuity=True)

    # -- summaries and packs ---------------------------------------------------------------
    def summarize_conversation(self, id_or_prefix: str, *, max_tokens: int = 3000) -> str:
        """An offline extractive summary of one conversation."""

        def produce(cap: int) -> str:
            conv, _ = self._conversation(id_or_prefix)
            return clip(self.library.summarize(conv.id).to_markdown(), cap)

        return self._call(max_tokens, produce, continuity=True)

    def build_context_pack(
        self,
        *,
        conversations: list[str] | None = None,
        search: str | None = None,
        project: str | None = None,
        since: str | None = None,
        model: str | None = None,
        budget: int = 6000,
        target: str = "generic",
    ) -> str:
        """A context pack for the scope, within ``budget`` tokens."""
        if target not in TARGETS:
            raise UsageError(f"target={target!r}: use one of {', '.join(TARGETS)}.")
        args.tokens(budget)
        start = args.parse_date(since, "since")

        def produce(cap: int) -> str:
            ids = tuple(self._conversation(c)[0].id for c in conversations or ())
            options = PackOptions(
                conversations=ids,
                search=args.text(search),
                project=args.text(project),
                since=start,
                model=args.text(model),
                budget=cap,
                target=target,
                redact=self.redact,
            )
            pack = self.library.pack(options)
            measured = count_tokens(pack.text)
            if measured > cap:
                # Target wrapping can push a pack past its budget: rebuild it smaller.
                smaller = max(300, cap * pack.tokens // measured - 50)
                opts = PackOptions(**{**_fields(options), "budget": smaller})
                pack = self.library.pack(opts)
            return pack.text

        return self._call(budget, produce, continuity=True)

    def continue_prompt(self, about: str = "", budget: int = 6000) -> str:
        """The "continue from my archive" prompt: a pack for ``about`` (a conversation id,
        a project id, or words to search; empty for the whole archive) and how to use it."""
        given = args.text(about)
        found = None
        if given:
            with self._lock:
                found = _maybe_conversation(self.library, given)
        project = given if given and not found and re.fullmatch(r"g-[\w-]+", given) else None
        pack = self.build_context_pack(
            conversations=[found] if found else None,
            project=project,
            search=given if given and not found and not project else None,
            budget=budget,
        )
        intro = (
            "I'm continuing from my ChatGPT archive. Below is a context pack keeper made "
            "from it: who I am, how my previous assistant spoke with me, and the threads in "
            "progress, each quote with its message id. Carry on from it as if you remembered "
            "our conversations. When I mention something from the past, look it up with the "
            "keeper tools (search_history, then read_conversation) rather than guessing."
        )
        return f"{intro}\n\n{pack}"

    def conversation_resource(self, conversation_id: str) -> str:
        """The resource form of a conversation: its visible thread, up to the largest cap."""
        return self.read_conversation(conversation_id, max_tokens=MAX_TOKENS)

    def resource_list(self) -> list[tuple[str, str, str]]:
        """(conversation id, title, description) of every conversation, newest first."""
        with self._lock:
            rows = self.library.conversations()
        return [
            (
                r.id,
                r.title or "(untitled)",
                f"{day(r.create_time)} · {r.message_count} messages"
                + (f" · {r.model}" if r.model else ""),
            )
            for r in rows
        ]

    @staticmethod
    def tokenizer() -> str:
        """How responses are measured against their caps."""
        return TOKENIZER


_BRANCH_NOTE = (
    "A “branch point ‹ i/n ›” marks a message with n versions (regenerated or edited); "
    "read another version with around_message=<its msg id>."
)


def _marked(hit: Hit) -> str:
    """The hit's snippet on one line, matched words in bold."""
    from keeper.snippet import mark

    return " ".join(mark(hit.snippet, hit.highlights, "**", "**").split())


def _fields(options: PackOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}


def _find_message(tree: ConversationTree[Node], given: str, conversation_id: str) -> Node:
    """The node whose message id or node id is ``given`` or starts with it (4+ chars)."""
    exact = [n for n in tree.nodes.values() if given in (n.message_id, n.node_id)]
    if exact:
        return exact[0]
    if len(given) >= 4:
        found = {
            n.node_id: n
            for n in tree.nodes.values()
            if (n.message_id or "").startswith(given) or n.node_id.startswith(given)
        }
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            raise UsageError(
                f"around_message={given!r} matches {len(found)} messages of this "
                "conversation; give more characters of the id."
            )
    raise UsageError(
        f"Conversation {conversation_id} has no message {given!r}. Use a msg id as "
        "search_history or read_conversation show it (a prefix of 4+ characters works)."
    )


def _fit_around(head: str, blocks: list[str], center: int, cap: int) -> str:
    """``head`` and the blocks nearest ``center`` (always that one) within ``cap``."""
    used = count_tokens(head) + 40
    chosen = {center}
    used += count_tokens(blocks[center]) + 1
    before, after = center - 1, center + 1
    while before >= 0 or after < len(blocks):
        progressed = False
        for index in (after, before):
            if 0 <= index < len(blocks) and index not in chosen:
                cost = count_tokens(blocks[index]) + 1
                if used + cost <= cap:
                    chosen.add(index)
                    used += cost
                    progressed = True
        if not progressed:
            break
        before, after = before - 1, after + 1
    kept = [blocks[i] for i in sorted(chosen)]
    left = len(blocks) - len(kept)
    tail = f"…{left} message(s) of the window left out to stay within max_tokens." if left else ""
    return "\n\n".join([head, *kept, *([tail] if tail else [])])


def _profile_blocks(items: list[dict[str, Any]]) -> list[str]:
    """Custom-instruction versions (current first, older ones marked superseded) and
    memories (oldest first), each dated with its source."""
    blocks: list[str] = []
    labels = {
        "about_user": "Custom instructions — what the user said about themselves",
        "about_model": "Custom instructions — how the user wanted ChatGPT to respond",
    }
    for kind, label in labels.items():
        versions = sorted(
            (i for i in items if i["kind"] == kind),
            key=lambda i: (i["last_seen"] or 0, i["id"]),
            reverse=True,
        )
        for number, item in enumerate(versions):
            state = (
                "current" if number == 0 else f"superseded (used until {day(item['last_seen'])})"
            )
            blocks.append(
                f"## {label} — {state}\n{_span(item)} · source: {_source(item)}"
                + (" · edited by the user" if item["edited_text"] else "")
                + f"\n\n{(item['edited_text'] or item['text']).strip()}"
            )
    memories = [i for i in items if i["kind"] not in labels]
    for number, item in enumerate(sorted(memories, key=lambda i: (i["first_seen"] or 0, i["id"]))):
        text = " ".join((item["edited_text"] or item["text"]).split())
        line = f"- {text} _(memory, {day(item['first_seen'])}; {_source(item)})_"
        blocks.append(f"## Saved memories (oldest first)\n\n{line}" if number == 0 else line)
    return blocks


def _span(item: dict[str, Any]) -> str:
    first, last = day(item["first_seen"]), day(item["last_seen"])
    return f"seen {first}" if first == last else f"seen {first} → {last}"


def _source(item: dict[str, Any]) -> str:
    title = item.get("conversation_title") or "(untitled)"
    more = f", +{item['occurrences'] - 1} more" if (item.get("occurrences") or 1) > 1 else ""
    return f"“{title}” `{item['conversation_id']}`{more}"


def _maybe_conversation(library: Library, given: str) -> str | None:
    """The id of the conversation ``given`` names (exactly or by a unique prefix), if any."""
    if len(given) < 6 or " " in given:
        return None
    try:
        return library.conversation(given)[0].id
    except UsageError:
        return None
