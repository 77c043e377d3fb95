"""The one API the CLI and the TUI call: open the archive, import, search, read, export."""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import apsw

from keeper.config import Settings, load_settings
from keeper.errors import InputError, UsageError
from keeper.model import (
    Conversation,
    EmbeddingStatus,
    ForgetReport,
    Node,
    NodeKind,
    Pack,
    Persona,
    SearchResult,
    Summary,
)
from keeper.pack.options import PackOptions
from keeper.paths import DataPaths, resolve_paths
from keeper.store import open_connection, reader
from keeper.store.filters import Filters
from keeper.store.lock import write_lock

_CANDIDATES_SHOWN = 8  # ids an ambiguous prefix error lists

if TYPE_CHECKING:
    from keeper.embed.job import EmbedReport
    from keeper.embed.model import Embedder
    from keeper.model import ImportReport


def import_lock(paths: DataPaths) -> AbstractContextManager[None]:
    """The archive's one-writer-at-a-time lock (keeper.store's; embedding, forgetting and
    scrubbing take it without loading the importer)."""
    return write_lock(paths)


def default_inputs(folder: Path = Path("exports")) -> list[Path]:
    """Every ``*.zip`` in ``./exports``, the inputs of a bare ``keeper import``."""
    found = sorted(Path(p) for p in glob.glob(str(folder / "*.zip")))
    if not found:
        raise InputError(
            f"No export given and {folder}/ holds no .zip files.",
            "Pass the export's path (keeper import ~/Downloads/chatgpt-export.zip) or put the "
            "zip into ./exports/.",
        )
    return found


def model_cache_dir(paths: DataPaths, settings: Settings | None = None) -> Path:
    """Where built model copies (ONNX) are cached: the ``model_cache`` setting, else
    ``models/`` beside the database."""
    chosen = (settings or load_settings()).model_cache
    return Path(chosen).expanduser() if chosen else paths.data_dir / "models"


def _known_value(what: str, value: str, known: list[str], flag: str) -> None:
    """UsageError unless ``value`` is one of ``known``; suggests the closest ones."""
    if value in known:
        return
    import difflib

    folded = {k.lower(): k for k in known}
    close = [folded[m] for m in difflib.get_close_matches(value.lower(), folded, n=3, cutoff=0.5)]
    close += [k for k in known if value.lower() in k.lower() and k not in close][:3]
    if close:
        hint = "Did you mean " + " or ".join(close[:3]) + "?"
    elif known:
        hint = f"This archive has: {', '.join(known[:12])}{' …' if len(known) > 12 else ''}."
    else:
        hint = f"This archive has no {what} ids at all."
    raise UsageError(f"No conversation in this archive has the {what} {value!r} ({flag}).", hint)


class Library:
    """An open keeper archive."""

    def __init__(
        self, paths: DataPaths, conn: apsw.Connection, settings: Settings | None = None
    ) -> None:
        self.paths = paths
        self.conn = conn
        self.settings = settings or load_settings()
        self._embedder: Embedder | None = None
        self._embedder_key: tuple[str | None, str | None, str | None] | None = None
        self._status: tuple[tuple[int, int], EmbeddingStatus] | None = None
        self._models: tuple[tuple[int, int], list[tuple[str, int]]] | None = None
        self._personas: dict[str | None, tuple[tuple[int, int], Persona]] = {}

    @classmethod
    def open(
        cls, db: str | None = None, *, create: bool = True, settings: Settings | None = None
    ) -> Library:
        """Open (or create) the archive at ``db``, else where ``settings`` (default: resolved
        now from the config file and ``KEEPER_*``) say, else at the default location."""
        settings = (settings or load_settings()).with_flags(db=db)
        paths = resolve_paths(settings.db)
        return cls(paths, open_connection(paths, create=create), settings)

    @classmethod
    def open_readonly(cls, db: str | None = None, *, settings: Settings | None = None) -> Library:
        """Open an existing archive (found as :meth:`open` finds it) read-only at the SQLite
        level: nothing is created, migrated or written; summaries and other caches stay in
        memory."""
        from keeper.store.connection import open_readonly

        settings = (settings or load_settings()).with_flags(db=db)
        paths = resolve_paths(settings.db)
        return cls(paths, open_readonly(paths), settings)

    @property
    def read_only(self) -> bool:
        """Whether this archive was opened read-only."""
        return bool(self.conn.readonly("main"))

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    def close_when_idle(self, timeout: float) -> bool:
        """Close the connection once no other thread is inside a call on it, interrupting
        each statement that thread starts meanwhile. Returns False (connection left open)
        when it is still busy after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.conn.interrupt()
            try:
                self.conn.close()
                return True
            except apsw.ThreadingViolationError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import -----------------------------------------------------------------------
    def import_exports(
        self,
        inputs: list[Path],
        *,
        show_progress: bool = True,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import exports (zip, folder, JSON, chat.html); one import at a time per archive."""
        from keeper.importer import Importer

        with import_lock(self.paths):
            importer = Importer(
                self.conn,
                self.paths,
                show_progress=show_progress,
                on_progress=on_progress,
                batch_nodes=self.settings.import_batch_nodes,
            )
            return importer.run(inputs)

    # -- embeddings ---------------------------------------------------------------------
    def embedder(
        self,
        model: str | None = None,
        *,
        allow_download: bool = False,
        device: str | None = None,
        backend: str | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> Embedder:
        """The embedding model (default: the one the archive was embedded with, else the one
        its share of CJK text calls for), loaded once per Library. Raises ModelError when it
        cannot be loaded. ``notify`` hears of slow first-run steps (building the model's ONNX
        copy) before they start."""
        from keeper.embed.archive_model import archive_default_model
        from keeper.embed.model import load_embedder
        from keeper.store.vectors import active_model

        if model is None:
            stored = active_model(self.conn)
            model = stored.name if stored else self.settings.embed_model
            model = model or archive_default_model(self.conn)
        device = device or self.settings.embed_device
        backend = backend or self.settings.embed_backend
        key = (model, device, backend)
        if self._embedder is None or self._embedder_key != key:
            self._embedder = load_embedder(
                model,
                allow_download=allow_download,
                device=device,
                backend=backend,
                cache_dir=model_cache_dir(self.paths, self.settings),
                notify=notify,
            )
            self._embedder_key = key
        return self._embedder

    def embed(
        self,
        model: str | None = None,
        *,
        allow_download: bool = False,
        device: str | None = None,
        backend: str | None = None,
        show_progress: bool = True,
        max_nodes: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> EmbedReport:
        """Embed every message that has no vectors from ``model`` yet (resumable; a model
        other than the stored one re-embeds everything). ``on_progress(done, total)``
        follows each batch."""
        from keeper.embed.job import run_embedding

        embedder = self.embedder(
            model or None,
            allow_download=allow_download,
            device=device,
            backend=backend,
            notify=notify,
        )
        with import_lock(self.paths):
            return run_embedding(
                self.conn,
                embedder,
                show_progress=show_progress,
                max_nodes=max_nodes,
                on_progress=on_progress,
            )

    def embedding_status(self) -> EmbeddingStatus:
        """How many embeddable messages there are and how many have vectors.

        Counting scans every message (~0.3 s at 100k), so the answer is kept until the
        database changes: through another connection (SQLite's data version) or this one."""
        from keeper.store import vectors

        version = (self.conn.data_version(), self.conn.total_changes())
        if self._status is not None and self._status[0] == version:
            return self._status[1]
        model = vectors.active_model(self.conn)
        embeddable = vectors.count_embeddable(self.conn)
        embedded, chunks = vectors.count_embedded(self.conn, model.id) if model else (0, 0)
        status = EmbeddingStatus(model.name if model else None, embeddable, embedded, chunks)
        self._status = (version, status)
        return status

    # -- reading ------------------------------------------------------------------------
    def search(
        self,
        query: str,
        filters: Filters = Filters(),
        *,
        mode: str | None = None,
        limit: int = 20,
        embedding_model: str | None = None,
        context: bool = True,
    ) -> SearchResult:
        """Message-level hits for ``query``. ``mode`` None means hybrid when vectors exist,
        else keyword. When semantic retrieval cannot run (nothing embedded, model missing)
        the search falls back to keywords; the result's ``note`` then says why, and it says
        how much is embedded while embedding is incomplete. ``context`` False leaves out
        the turns around each hit (for callers that only rank conversations)."""
        # Imported here: keeper.search brings numpy, which the TUI must not wait for at start.
        from keeper.search import search

        def keywords(note: str = "") -> SearchResult:
            hits = search(self.conn, query, filters, mode="keyword", limit=limit, context=context)
            return SearchResult(tuple(hits), note)

        if mode == "keyword":
            return keywords()
        from keeper.errors import ModelError

        status = self.embedding_status()
        if not status.embedded:
            if mode is not None:
                return keywords(
                    f"Nothing is embedded yet; {mode} search fell back to keywords "
                    "(run `keeper embed`)."
                )
            if status.embeddable:
                return keywords(
                    f"0 of {status.embeddable:,} messages are embedded: keyword results "
                    "only (`keeper embed` adds search by meaning)."
                )
            return keywords()
        try:
            encoder = self.embedder(embedding_model)
        except ModelError as error:
            return keywords(f"{error.message} Searched by keywords only.")
        note = ""
        if not status.complete:
            note = (
                f"{status.embedded:,} of {status.embeddable:,} messages are embedded; "
                "`keeper embed` finishes the rest."
            )
        hits = search(
            self.conn,
            query,
            filters,
            mode=mode or "hybrid",
            limit=limit,
            encoder=encoder,
            context=context,
        )
        return SearchResult(tuple(hits), note)

    def conversations(
        self,
        filters: Filters = Filters(),
        *,
        archived: bool | None = None,
        sort: str = "updated",
        limit: int | None = None,
        title_like: str | None = None,
    ) -> list[Conversation]:
        """Conversations matching ``filters``."""
        return reader.list_conversations(
            self.conn, filters, archived=archived, sort=sort, limit=limit, title_like=title_like
        )

    def find_conversation(self, id_or_prefix: str) -> Conversation:
        """The conversation with this id or unique id prefix. UsageError (exit 2) when no id
        starts with it, or when several do (the message lists them)."""
        wanted = id_or_prefix.strip()
        found = reader.conversations_by_prefix(self.conn, wanted, limit=_CANDIDATES_SHOWN + 1)
        if len(found) == 1:
            return found[0]
        if not found:
            raise UsageError(
                f"No conversation with id {wanted!r}, or with an id starting with it.",
                "`keeper list` shows ids; any unique start of one works.",
            )
        listed = "; ".join(f"{c.id} ({c.title or 'untitled'})" for c in found[:_CANDIDATES_SHOWN])
        more = " and more" if len(found) > _CANDIDATES_SHOWN else ""
        raise UsageError(
            f"{wanted!r} is the start of several conversation ids: {listed}{more}.",
            "Type more of the id.",
        )

    def resolve_filters(self, filters: Filters) -> Filters:
        """``filters`` checked against the archive, so a typo never silently matches
        nothing: a conversation or project prefix becomes the full id; an unknown model,
        project or conversation is a UsageError (with "did you mean" where one is close)."""
        if filters.model:
            _known_value("model", filters.model, reader.known_models(self.conn), "--model")
        project = filters.project
        if project:
            projects = reader.known_projects(self.conn)
            starting = [p for p in projects if p.startswith(project)]
            if project not in projects and len(starting) == 1:
                filters = replace(filters, project=starting[0])
            elif project not in projects and len(starting) > 1:
                raise UsageError(
                    f"{project!r} is the start of several project ids: "
                    + ", ".join(starting[:_CANDIDATES_SHOWN])
                    + ".",
                    "Type more of the id.",
                )
            else:
                _known_value("project", project, projects, "--project")
        if filters.conversation:
            filters = replace(filters, conversation=self.find_conversation(filters.conversation).id)
        return filters

    def conversation(self, conversation_id: str) -> tuple[Conversation, list[Node]]:
        """A conversation (by id or unique prefix) and all its nodes; UsageError if none."""
        conv = self.find_conversation(conversation_id)
        return conv, reader.conversation_nodes(self.conn, conv.id)

    def adjacent_turn(
        self, conversation_id: str, node_id: str, *, forward: bool, steps: int = 8
    ) -> Node | None:
        """The nearest visible user or assistant message after (``forward``: along the
        visible branch, else the newest) or before ``node_id``, skipping tool calls,
        reasoning and other hidden nodes; None when there is none within ``steps`` nodes."""
        current = reader.node(self.conn, conversation_id, node_id)
        for _ in range(steps):
            if current is None:
                return None
            if forward:
                kids = reader.child_nodes(self.conn, conversation_id, current.node_id)
                current = kids[0] if kids else None
            else:
                parent = current.parent_id
                current = reader.node(self.conn, conversation_id, parent) if parent else None
            if (
                current is not None
                and current.kind == NodeKind.MESSAGE
                and not current.hidden
                and current.role in ("user", "assistant")
                and current.text.strip()
            ):
                return current
        return None

    def assets(self, conversation_id: str) -> list[dict[str, Any]]:
        """Files a conversation references, with their copied paths (absolute) if present."""
        refs = reader.asset_refs(self.conn, conversation_id)
        for ref in refs:
            if ref["path"]:
                ref["path"] = str(self.paths.assets / ref["path"])
        return refs

    def stats(self) -> dict[str, Any]:
        """Counts by model and by month."""
        return reader.stats(self.conn)

    def profile(self) -> list[dict[str, Any]]:
        """Custom instructions and memories with their sources, include flags, edits, and
        ``first_seen``/``last_seen`` (the item's date, else its source conversation's)."""
        from keeper.store.continuity import profile_item_times

        times = profile_item_times(self.conn)
        items = reader.profile_items(self.conn)
        for item in items:
            item["first_seen"], item["last_seen"] = times.get(item["id"], (None, None))
        return items

    # -- continuity: summaries, profile, persona, packs, exports ----------------------------
    def summarize(self, conversation_id: str, *, llm_url: str | None = None) -> Summary:
        """An offline summary of one conversation (cached; recomputed when it changes).

        With ``llm_url`` (an OpenAI-compatible endpoint) an LLM abstract is added too."""
        from keeper.summarize.engine import summarize_conversation

        conv, _ = self.conversation(conversation_id)
        return summarize_conversation(self.conn, conv.id, llm=self.settings.llm_endpoint(llm_url))

    def set_profile_item(
        self, item_id: int, *, included: bool | None = None, edited_text: str | None = None
    ) -> None:
        """Include/exclude a profile item or edit its text for packs ("" clears the edit)."""
        from keeper.store import continuity

        if not continuity.set_profile_item(
            self.conn, item_id, included=included, edited_text=edited_text
        ):
            raise UsageError(
                f"No profile item with id {item_id}.", "`keeper profile` lists the item ids."
            )

    def persona(self, model: str | None = None) -> Persona:
        """How ``model`` (default: the assistant model used most) spoke with this user
        (kept per model until the database changes: even a cached persona card costs a
        scan of every message to pick the default model)."""
        from keeper.summarize.persona import build_persona

        version = (self.conn.data_version(), self.conn.total_changes())
        if self._personas.get(model, (None, None))[0] != version:
            self._personas[model] = (version, build_persona(self.conn, model))
        return self._personas[model][1]

    def prepare_packs(self, *, show_progress: bool = False) -> int:
        """Compute what packs read instead of whole threads: every conversation's digest
        (its summary, state card and key-fact candidates, kept per content) and the saved
        memories' states; the number of digests computed (0 when all were current)."""
        from keeper.pack.digest import prepare_digests
        from keeper.pack.memories import memory_states
        from keeper.progress import Progress

        bar = Progress("Preparing packs", 1) if show_progress else None

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.update(done, done, "threads")

        # No import lock: a digest is kept under the content hash read before computing
        # it, so a thread an import changes meanwhile is simply computed again later.
        computed = prepare_digests(self, progress)
        memory_states(self)
        if bar is not None:
            bar.close()
        return computed

    def warm_continuity(self) -> None:
        """Compute what summaries, packs and the persona share (the archive's term
        statistics, the default persona, each other assistant model's persona, the
        whole-archive ranking, every thread digest an import did not store, then the voice
        of the whole archive, of each model and of each project) into their caches, so
        later calls skip it."""
        from keeper.store.continuity import conversation_engagement
        from keeper.store.filters import Filters
        from keeper.summarize.keywords import corpus_df

        corpus_df(self.conn)
        self.persona()
        for model, _ in self.assistant_models()[1:]:
            self.persona(model)
        conversation_engagement(self.conn, Filters())
        self.prepare_packs()
        # The default pack fills what every whole-archive pack shares (its voice); models
        # and projects are few and fixed, so their packs' voices are computed ahead too.
        projects = reader.known_projects(self.conn)
        models = [model for model, _ in self.assistant_models()]
        for options in [
            PackOptions(),
            *(PackOptions(model=m) for m in models),
            *(PackOptions(project=p) for p in projects),
        ]:
            try:
                self.pack(options)
            except UsageError:
                continue  # no message a pack could hold in this scope

    def assistant_models(self) -> list[tuple[str, int]]:
        """(model, assistant messages) for every model that replied, most used first
        (kept until the database changes, like :meth:`embedding_status`)."""
        from keeper.store.continuity import assistant_model_counts

        version = (self.conn.data_version(), self.conn.total_changes())
        if self._models is None or self._models[0] != version:
            self._models = (version, assistant_model_counts(self.conn))
        return list(self._models[1])

    def pack(self, options: PackOptions) -> Pack:
        """A context pack for a new model, sized to ``options.budget`` tokens."""
        from keeper.pack.builder import build_pack

        full_ids = tuple(self.find_conversation(c).id for c in options.conversations)
        return build_pack(self, replace(options, conversations=full_ids))

    def export_markdown(self, out_dir: Path, filters: Filters = Filters()) -> int:
        """One Obsidian-friendly Markdown file per conversation in ``out_dir``; the count."""
        from keeper.export.markdown import export_markdown

        return export_markdown(self, out_dir, filters)

    def export_chat_jsonl(
        self,
        out: IO[bytes],
        filters: Filters = Filters(),
        *,
        style: str = "openai",
        only_model: str | None = None,
    ) -> int:
        """Visible threads as chat fine-tuning JSONL (``openai`` or ``sharegpt``); the count."""
        from keeper.export.chat_jsonl import export_chat_jsonl

        return export_chat_jsonl(self, out, filters, style=style, only_model=only_model)

    def export_chatgpt(self, out: IO[bytes], filters: Filters = Filters()) -> int:
        """Write a ChatGPT-format ``conversations.json`` (the round trip); returns the count."""
        from keeper.export.chatgpt import export_chatgpt

        return export_chatgpt(self, out, filters)

    def raw_conversations(self, filters: Filters = Filters()) -> Iterator[dict[str, Any]]:
        """The conversations matching ``filters`` as imported (ChatGPT JSON)."""
        return reader.export_raw_conversations(self.conn, filters)

    def doctor(self) -> dict[str, Any]:
        """Versions, capabilities and locations, for `keeper doctor`."""
        from keeper.doctor import diagnose

        return {**diagnose(self.conn, self.paths), "embeddings": self.embedding_status().as_dict()}

    # -- forgetting ---------------------------------------------------------------------
    def forget(self, conversation_id: str) -> ForgetReport:
        """Delete one conversation and everything derived from it (nodes, keyword and vector
        rows, revisions, profile items only it supported, asset files no other conversation
        uses). The only way keeper ever deletes imported data; the CLI asks first."""
        from keeper.store.forget import forget_conversation, scrub

        conv, _ = self.conversation(conversation_id)
        with import_lock(self.paths):
            result = forget_conversation(self.conn, conv.id)
            for relpath in result.asset_files:
                (self.paths.assets / relpath).unlink(missing_ok=True)
            scrubbed = scrub(self.conn)
        return ForgetReport(
            conversation_id=conv.id,
            title=conv.title,
            nodes=result.nodes,
            asset_files=len(result.asset_files),
            profile_items=result.profile_items,
            other_rows=dict(result.other_rows),
            scrubbed=scrubbed,
        )

    def import_sources(self) -> list[tuple[str, int, int]]:
        """Each export file imported: (file, latest import id, conversations it held)."""
        from keeper.store.forget import import_sources

        return import_sources(self.conn)

    def import_plan(self, selector: str) -> tuple[list[str], list[Conversation]]:
        """What taking back an import removes: the export files ``selector`` names (an
        import id, a file's path, or a unique file name) and the conversations that came
        only from them (one another export also holds is kept). UsageError when it names
        no import."""
        from keeper.store.forget import only_from, sources_of_import

        known = self.import_sources()
        sources: list[str] = []
        if selector.strip().isdigit():
            sources = sources_of_import(self.conn, int(selector))
        if not sources:
            path = str(Path(selector).expanduser().resolve())
            named = [s for s, _, _ in known if s == path]
            if not named:
                named = [s for s, _, _ in known if Path(s).name == Path(selector).name]
            if len(named) > 1:
                raise UsageError(
                    f"Several imported files are called {Path(selector).name!r}: "
                    + "; ".join(named)
                    + ".",
                    "Give the full path or the import id.",
                )
            sources = named
        if not sources:
            listed = "; ".join(f"#{i} {s} ({n:,} conversations)" for s, i, n in known[-8:])
            raise UsageError(
                f"No import matches {selector!r}.",
                f"Imported files: {listed}." if known else "Nothing has been imported yet.",
            )
        ids = only_from(self.conn, sources)
        rows = [self.find_conversation(i) for i in ids]
        return sources, rows

    def forget_many(self, conversation_ids: list[str]) -> dict[str, Any]:
        """Forget several conversations (as :meth:`forget` does each), compacting once."""
        from keeper.store.forget import forget_conversation, optimize_indexes, scrub

        nodes = files = items = 0
        with import_lock(self.paths):
            for conversation_id in conversation_ids:
                result = forget_conversation(self.conn, conversation_id, optimize=False)
                for relpath in result.asset_files:
                    (self.paths.assets / relpath).unlink(missing_ok=True)
                nodes += result.nodes
                files += len(result.asset_files)
                items += result.profile_items
            optimize_indexes(self.conn)
            scrubbed = scrub(self.conn)
        return {
            "conversations": len(conversation_ids),
            "nodes": nodes,
            "asset_files": files,
            "profile_items": items,
            "scrubbed": scrubbed,
        }

    def scrub(self) -> bool:
        """Compact the database so deleted text leaves its files; False if others kept it busy."""
        from keeper.store.forget import scrub

        with import_lock(self.paths):
            return scrub(self.conn)

    # -- terminal UI ------------------------------------------------------------------------
    def activity(self) -> list[tuple[str, str, int]]:
        """(month, model, messages) for the stats chart, oldest month first."""
        from keeper.store.activity import messages_by_model_month

        return messages_by_model_month(self.conn)
