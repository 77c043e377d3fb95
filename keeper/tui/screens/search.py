"""Search: results as you type, keyword first, semantic hits joining when ready."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList
from textual.widgets.option_list import Option

from keeper.search import Hit, group_by_conversation
from keeper.snippet import context_line
from keeper.tui.format import SEMANTIC_MARK, clip, day, highlighted, resolve_project
from keeper.tui.query import SearchQuery, parse_query
from keeper.tui.screens.base import WorkerErrors
from keeper.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from keeper.tui.host import KeeperHost

log = logging.getLogger(__name__)
LIMIT = 50
SEMANTIC_DELAY = 0.3  # seconds of quiet typing before the slower semantic search starts
FIRST_OPTIONS = 18  # headings and hits painted with the keystroke: a tall terminal's worth


def hit_prompt(hit: Hit, width: int, semantic: bool = False) -> Text:
    """Two lines for a hit: role, date, model; then the snippet with the words highlighted.
    ``semantic`` marks a hit that only the vector search found."""
    meta = " · ".join(
        bit
        for bit in (
            (hit.role or "?").capitalize(),
            day(hit.create_time),
            hit.model or "",
            f"{SEMANTIC_MARK}: found by meaning, not by the words" if semantic else "",
        )
        if bit
    )
    text = Text("  " + meta + "\n", style="dim")
    text.append("  ")
    text.append(highlighted(clip(hit.snippet, max(20, width * 2 - 8)), hit.highlights))
    if around := context_line(hit.role, hit.context, max(20, width - 10)):
        text.append("\n    " + around, style="dim italic")
    return text


class SearchScreen(WorkerErrors, Screen[None]):
    """The search box and its message-level hits, grouped by conversation."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("slash", "focus_box", "Search box", show=False),
        Binding("ctrl+o", "export", "Export results"),
    ]

    def __init__(self, initial: str = "") -> None:
        super().__init__()
        self.initial = initial
        self.hits: list[Hit] = []
        self.query_text = ""
        self.generation = 0
        self.semantic_state = ""
        self.keyword_ms: float | None = None
        self.semantic_rows: set[int] = set()
        self.shown_generation = 0  # the newest query whose hits are on screen
        self.fill_token = 0  # which list of options is being added (see add_options)

    @property
    def keeper(self) -> KeeperHost:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Input(
            value=self.initial,
            placeholder="Search messages…  filters: model:gpt-4o role:user since:2024-01 "
            "until:2024-12 project:P·168d hidden:yes",
            id="query",
        )
        yield StatusLine(
            "Type to search. Enter opens the first hit; ↓ moves into the list.", id="search-status"
        )
        yield OptionList(id="hits")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the box."""
        self.query_one("#query", Input).focus()
        if self.initial:
            self.start(self.initial)

    def on_screen_resume(self) -> None:
        """Back from a hit: the hits keep the focus, so the next keys are shortcuts (``/``
        returns to the box), not letters added to the last query."""
        if self.is_mounted and isinstance(self.focused, Input) and self.hits:
            self.query_one("#hits", OptionList).focus()

    def action_focus_box(self) -> None:
        """``/`` again: back to the box."""
        self.query_one("#query", Input).focus()

    def action_back(self) -> None:
        """Back to where search was opened."""
        self.app.pop_screen()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Search on every keystroke."""
        self.start(event.value)

    def parse(self, raw: str) -> SearchQuery:
        """The box's words and filters; ``project:`` also takes the library's short label
        (``P·168d``) or the start of an id."""
        parsed = parse_query(raw)
        project = parsed.filters.project
        if not project:
            return parsed
        full, problem = resolve_project(project, self.keeper.backend.project_names)
        return replace(
            parsed,
            filters=replace(parsed.filters, project=full),
            problems=parsed.problems + ((problem,) if problem else ()),
        )

    def start(self, raw: str) -> None:
        """Run the keyword search now and schedule the semantic one."""
        self.generation += 1
        self.query_text = raw
        parsed = self.parse(raw)
        if not parsed.text.strip():
            self.show_hits(self.generation, [], "")
            self.status("; ".join(parsed.problems) or "Type to search.")
            return
        self.keyword(self.generation, raw)
        if self.keeper.semantic:
            self.semantic(self.generation, raw)

    @work(thread=True, exclusive=True, group="search-keyword", exit_on_error=False)
    def keyword(self, generation: int, raw: str) -> None:
        """Keyword hits (FTS5) for ``raw``; quick, so they come first."""
        started = time.perf_counter()
        parsed = self.parse(raw)
        hits = self.keeper.backend.library().search(
            parsed.text, parsed.filters, mode="keyword", limit=LIMIT
        )
        elapsed = (time.perf_counter() - started) * 1000
        self.app.call_from_thread(self.show_hits, generation, hits, "keyword", elapsed)

    @work(thread=True, exclusive=True, group="search-semantic", exit_on_error=False)
    def semantic(self, generation: int, raw: str) -> None:
        """Hybrid hits once typing pauses; kept keyword-only if that is not available."""
        time.sleep(SEMANTIC_DELAY)
        if generation != self.generation:
            return
        parsed = self.parse(raw)
        with self.keeper.backend.semantic() as library:
            if generation != self.generation:
                return
            try:
                hits = library.search(parsed.text, parsed.filters, mode="hybrid", limit=LIMIT)
            except Exception:  # any failure of the optional model keeps the keyword results
                log.warning("semantic search unavailable; keeping keyword hits", exc_info=True)
                self.app.call_from_thread(self.semantic_failed, generation)
                return
            # The result explains a fallback to keywords (nothing embedded, no model).
            note = hits.note
        self.app.call_from_thread(self.show_hits, generation, hits, "hybrid", None, note)

    def semantic_failed(self, generation: int) -> None:
        """Say that only keyword results are shown."""
        if self.user_left():
            return
        if generation == self.generation:
            self.semantic_state = "semantic search unavailable"
            self.status(self.summary_line("keyword"))

    def show_hits(
        self,
        generation: int,
        hits: list[Hit],
        mode: str,
        elapsed_ms: float | None = None,
        note: str = "",
    ) -> None:
        """Replace the list with ``hits`` unless a newer query already answered."""
        if self.user_left():
            return
        if generation != self.generation:
            return
        self.shown_generation = generation
        if mode == "keyword":
            self.keyword_ms = elapsed_ms
            self.semantic_state = "semantic joining…" if self.keeper.semantic else ""
            self.semantic_rows = set()
        elif mode == "hybrid":
            known = {hit.rowid for hit in self.hits}
            self.semantic_rows = {hit.rowid for hit in hits if hit.rowid not in known}
            self.semantic_state = (
                f"semantic joined (+{len(self.semantic_rows)})"
                if not note
                else "keyword only: " + note.split(";")[0].rstrip(".")
            )
        self.hits = hits
        option_list = self.query_one("#hits", OptionList)
        highlighted_id = None
        if option_list.highlighted is not None and option_list.option_count:
            highlighted_id = option_list.get_option_at_index(option_list.highlighted).id
        option_list.clear_options()
        width = max(40, self.size.width - 4)
        options: list[Option] = []
        position = {id(hit): number for number, hit in enumerate(hits)}
        for group in group_by_conversation(hits):
            first = group["hits"][0]
            title = Text(clip(group["title"] or "(untitled)", width - 14), style="bold")
            title.append(f"  {day(first.create_time)}", style="dim")
            options.append(Option(title, id=f"c:{group['conversation_id']}"))
            for hit in group["hits"]:
                semantic = hit.rowid in self.semantic_rows
                number = position[id(hit)]
                options.append(Option(hit_prompt(hit, width, semantic), id=f"h:{number}"))
        target = next((i for i, o in enumerate(options) if o.id == highlighted_id), None)
        self.fill_token += 1
        self.add_options(self.fill_token, options, 0, target)
        self.status(self.summary_line(mode))

    def add_options(
        self, token: int, options: list[Option], start: int, target: int | None
    ) -> None:
        """Add ``options[start:]``: a screenful with the keystroke that asked for them, the
        rest after that frame is painted (measuring each option's height is most of the
        cost of a long list). ``target`` is the option to highlight again."""
        if token != self.fill_token or self.user_left():
            return  # newer hits replaced these
        option_list = self.query_one("#hits", OptionList)
        end = len(options) if start else FIRST_OPTIONS
        option_list.add_options(options[start:end])
        if target is not None and start <= target < end:
            option_list.highlighted = target
        if end < len(options):
            self.call_after_refresh(self.add_options, token, options, end, target)

    def summary_line(self, mode: str) -> str:
        """``12 hits in 4 conversations · keyword 8 ms · semantic joined``."""
        conversations = len({hit.conversation_id for hit in self.hits})
        hits = f"{len(self.hits)} hit{'' if len(self.hits) == 1 else 's'}"
        where = f"{conversations} conversation{'' if conversations == 1 else 's'}"
        bits = [f"{hits} in {where}"]
        if self.keyword_ms is not None:
            bits.append(f"keyword {self.keyword_ms:.0f} ms")
        if self.semantic_state:
            bits.append(self.semantic_state)
        problems = self.parse(self.query_text).problems
        return " · ".join(bits + list(problems))

    def status(self, text: str) -> None:
        """The line under the search box: the results' summary (it stays)."""
        self.query_one("#search-status", StatusLine).show(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the box opens the first hit."""
        if self.hits:
            self.open_hit(self.hits[0])

    def on_key(self, event: events.Key) -> None:
        """↓ in the box moves into the results."""
        if event.key == "down" and isinstance(self.focused, Input) and self.hits:
            self.query_one("#hits", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a hit opens the conversation at that message; on a title, at its top."""
        option_id = event.option.id or ""
        kind, _, value = option_id.partition(":")
        if kind == "h":
            self.open_hit(self.hits[int(value)])
        elif kind == "c":
            from keeper.tui.screens.reader import ReaderScreen

            self.app.push_screen(ReaderScreen(value))

    def open_hit(self, hit: Hit) -> None:
        """Open ``hit``'s conversation scrolled to its message, highlighted."""
        from keeper.tui.screens.reader import ReaderScreen

        self.app.push_screen(ReaderScreen(hit.conversation_id, target=hit.node_id))

    def action_export(self) -> None:
        """A context pack from the current search."""
        parsed = self.parse(self.query_text)
        if not parsed.text.strip():
            self.query_one("#search-status", StatusLine).note("Search for something first.")
            return
        from keeper.tui.screens.export import ExportScreen, Scope

        self.app.push_screen(ExportScreen(Scope(search=parsed.text)))
